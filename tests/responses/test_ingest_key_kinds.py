"""What each kind of key may write: publishable keys (web pages) and kiosk keys."""

from __future__ import annotations

from typing import Any

import httpx

from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from tests.support.ingest_support import changes_nothing, nps, stored_rows
from tests.support.problems import assert_problem
from tests.support.service import Service

SHOP = "https://shop.example"


async def test_a_publishable_key_writes_only_from_an_allowed_origin(service: Service) -> None:
    # Stored normalised: the browser's Origin header is scheme://host[:port].
    key = await service.key(
        Scope.RESPONSES_WRITE,
        kind=KeyKind.PUBLISHABLE,
        allowed_origins=["https://Shop.Example:443/", "http://localhost:8080"],
    )
    auth = {"Authorization": f"Bearer {key}"}
    await service.client.post("/v1/responses", json=nps(), headers={**auth, "Origin": SHOP})

    async with changes_nothing(service.db):
        for origin in (
            None,
            "null",
            "https://evil.example",
            "http://shop.example",
            "https://shop.example.evil.example",
            "https://shop.example:8443",
            "http://localhost:8081",
        ):
            headers = auth if origin is None else {**auth, "Origin": origin}
            response = await service.client.post("/v1/responses", json=nps(), headers=headers)
            assert_problem(response, "forbidden")

    for origin in (SHOP, "http://localhost:8080"):
        response = await service.client.post(
            "/v1/responses", json=nps(), headers={**auth, "Origin": origin}
        )
        assert response.status_code == 201, (origin, response.text)


async def test_a_publishable_key_writes_the_web_channel_only(service: Service) -> None:
    key = await service.key(Scope.RESPONSES_WRITE, kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP])
    headers = {"Authorization": f"Bearer {key}", "Origin": SHOP}

    implicit = await service.client.post("/v1/responses", json=nps(), headers=headers)
    explicit = await service.client.post("/v1/responses", json=nps(channel="web"), headers=headers)
    assert implicit.status_code == explicit.status_code == 201, (implicit.text, explicit.text)
    assert implicit.json()["channel"] == explicit.json()["channel"] == "web"

    for channel in ("api", "pos", "kiosk", "email"):
        async with changes_nothing(service.db):
            response = await service.client.post(
                "/v1/responses", json=nps(channel=channel), headers=headers
            )
        assert_problem(response, "validation-failed", fields=["channel"])


async def test_publishable_and_kiosk_keys_cannot_read(service: Service) -> None:
    publishable = await service.key(
        Scope.RESPONSES_WRITE, kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP]
    )
    kiosk = await service.key(Scope.RESPONSES_WRITE, kind=KeyKind.KIOSK)
    created = await service.client.post(
        "/v1/responses", json=nps(), headers={"Authorization": f"Bearer {kiosk}"}
    )
    assert created.status_code == 201, created.text

    nps_only = {"metric": "nps"}
    for key in (publishable, kiosk):
        headers = {"Authorization": f"Bearer {key}", "Origin": SHOP}
        one = f"/v1/responses/{created.json()['id']}"
        for path, params in [("/v1/responses", nps_only), (one, {}), ("/v1/scores", nps_only)]:
            response = await service.client.get(path, params=params, headers=headers)
            assert_problem(response, "forbidden")


async def test_a_kiosk_key_writes_the_kiosk_channel_only(service: Service) -> None:
    client = await service.client_with(Scope.RESPONSES_WRITE, kind=KeyKind.KIOSK)
    async with client:
        implicit = await client.post("/v1/responses", json=nps(location="store-3"))
        explicit = await client.post("/v1/responses", json=nps(channel="kiosk"))
        assert implicit.status_code == explicit.status_code == 201
        assert implicit.json()["channel"] == explicit.json()["channel"] == "kiosk"
        # Unbound: the location is the answer's own.
        assert (implicit.json()["location"], explicit.json()["location"]) == ("store-3", None)

        for channel in ("api", "web", "pos", "email"):
            async with changes_nothing(service.db):
                response = await client.post("/v1/responses", json=nps(channel=channel))
            assert_problem(response, "validation-failed", fields=["channel"])


async def test_a_kiosk_key_bound_to_a_location_writes_that_location_only(
    service: Service,
) -> None:
    client = await service.client_with(
        Scope.RESPONSES_WRITE, kind=KeyKind.KIOSK, location="store-12"
    )
    async with client:
        implicit = await client.post("/v1/responses", json=nps())
        explicit = await client.post("/v1/responses", json=nps(location="store-12"))
        assert implicit.status_code == explicit.status_code == 201
        assert implicit.json()["location"] == explicit.json()["location"] == "store-12"

        for location in ("store-13", "store-120"):
            async with changes_nothing(service.db):
                response = await client.post("/v1/responses", json=nps(location=location))
            assert_problem(response, "validation-failed", fields=["location"])


async def test_a_secret_key_writes_any_channel_and_location(api: httpx.AsyncClient) -> None:
    for channel in ("web", "kiosk", "pos"):
        created = await api.post("/v1/responses", json=nps(channel=channel, location="store-1"))
        assert created.status_code == 201, created.text
        assert (created.json()["channel"], created.json()["location"]) == (channel, "store-1")


async def test_in_a_batch_the_key_kind_rules_apply_item_by_item(service: Service) -> None:
    client = await service.client_with(Scope.RESPONSES_WRITE, kind=KeyKind.KIOSK, location="lobby")
    items: list[Any] = [nps(9), nps(8, channel="pos"), nps(7, location="bar"), nps(6)]
    async with client:
        response = await client.post("/v1/responses/batch", json={"responses": items})

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["status"], [e["field"] for e in r.get("errors", [])]) for r in results] == [
        ("created", []),
        ("invalid", ["channel"]),
        ("invalid", ["location"]),
        ("created", []),
    ]
    rows = await stored_rows(service.db)
    assert sorted((r["score"], r["channel"], r["location"]) for r in rows) == [
        (6, "kiosk", "lobby"),
        (9, "kiosk", "lobby"),
    ]
