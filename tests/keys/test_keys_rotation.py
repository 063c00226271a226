"""POST /v1/keys with ``replaces``: a rotation that keeps the integration's idempotency.

A replacement shares the replaced key's idempotency namespace and takes its kind, scopes,
origins and location unless the request gives them; the old key is not revoked, so the
device can switch over. The kind cannot change: a page's key never joins a POS's namespace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.keys.scopes import Scope
from tests.support.problems import assert_problem
from tests.support.service import Service

SHOP = "https://shop.example"


@pytest.fixture
async def admin(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    async with await service.client_with(Scope.ADMIN) as client:
        yield client


async def create(admin: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await admin.post("/v1/keys", json={"name": "k", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def listed(admin: httpx.AsyncClient, key_id: str) -> dict[str, Any]:
    keys: list[dict[str, Any]] = (await admin.get("/v1/keys")).json()["data"]
    [key] = [key for key in keys if key["id"] == key_id]
    return key


async def test_a_replacement_shares_the_namespace_and_takes_what_it_does_not_say(
    admin: httpx.AsyncClient,
) -> None:
    pos = await create(admin, name="POS", scopes=["responses:write", "scores:read"])
    replacement = await create(admin, name="POS (rotated)", replaces=pos["id"])
    again = await create(admin, name="POS (rotated again)", replaces=replacement["id"])

    assert replacement["replaces"] == pos["id"]
    assert again["replaces"] == replacement["id"]
    assert pos["idempotency_namespace"] == pos["id"]
    assert replacement["idempotency_namespace"] == again["idempotency_namespace"] == pos["id"]
    assert (replacement["kind"], replacement["scopes"]) == ("secret", pos["scopes"])
    assert replacement["id"] != pos["id"]
    assert replacement["key"] != pos["key"]
    listed_old, listed_new = await listed(admin, pos["id"]), await listed(admin, again["id"])
    assert listed_old["revoked_at"] is None  # the device switches over, then revokes
    assert (listed_new["replaces"], listed_new["idempotency_namespace"]) == (
        replacement["id"],
        pos["id"],
    )
    assert "key" not in listed_new
    assert "key_hash" not in listed_new


async def test_what_a_replacement_states_wins_over_what_it_inherits(
    admin: httpx.AsyncClient,
) -> None:
    page = await create(admin, kind="publishable", allowed_origins=[SHOP])
    kiosk = await create(admin, kind="kiosk", location="store-12")
    bi = await create(admin, scopes=["scores:read", "responses:read"])

    moved_page = await create(admin, replaces=page["id"], allowed_origins=["https://new.example"])
    same_page = await create(admin, replaces=page["id"])
    moved = await create(admin, replaces=kiosk["id"], location="store-13")
    unbound = await create(admin, replaces=kiosk["id"], location=None)
    kept = await create(admin, kind="kiosk", replaces=kiosk["id"])
    narrower = await create(admin, replaces=bi["id"], scopes=["scores:read"])

    assert (moved_page["kind"], moved_page["allowed_origins"]) == (
        "publishable",
        ["https://new.example"],
    )
    assert same_page["allowed_origins"] == [SHOP]
    assert (moved["location"], unbound["location"], kept["location"]) == (
        "store-13",
        None,
        "store-12",
    )
    assert narrower["scopes"] == ["scores:read"]
    assert {moved["idempotency_namespace"], unbound["idempotency_namespace"]} == {kiosk["id"]}


async def test_a_revoked_key_can_be_replaced_so_a_leaked_keys_device_keeps_its_replays(
    admin: httpx.AsyncClient,
) -> None:
    leaked = await create(admin, scopes=["responses:write"])
    assert (await admin.delete(f"/v1/keys/{leaked['id']}")).status_code == 200

    replacement = await create(admin, replaces=leaked["id"])

    assert replacement["idempotency_namespace"] == leaked["id"]
    assert replacement["revoked_at"] is None


async def test_a_replacement_of_another_kind_or_of_no_key_is_refused_naming_the_field(
    service: Service, admin: httpx.AsyncClient
) -> None:
    pos = await create(admin, scopes=["responses:write"])
    page = await create(admin, kind="publishable", allowed_origins=[SHOP])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"replaces": pos["id"], "kind": "publishable", "allowed_origins": [SHOP]}, "kind"),
        ({"replaces": page["id"], "kind": "secret", "scopes": ["admin"]}, "kind"),
        ({"replaces": "0123456789abcdef"}, "replaces"),
        ({"replaces": "not-a-key-id"}, "replaces"),
        ({"replaces": pos["id"], "location": "store-1"}, "location"),
        ({"replaces": page["id"], "scopes": ["admin"]}, "scopes"),
        ({"replaces": pos["id"], "scopes": []}, "scopes"),
    ]
    before = (await admin.get("/v1/keys")).json()

    for body, field in cases:
        answer = await admin.post("/v1/keys", json={"name": "k", **body})
        assert_problem(answer, "validation-failed", fields=[field])

    assert (await admin.get("/v1/keys")).json() == before
