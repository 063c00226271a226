"""DELETE /v1/respondents/{respondent}: every answer of that person goes, comments included,
and the scores stop counting them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from app.config import Settings
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from tests.support.privacy_support import (
    another_app,
    changes_nothing,
    counted_total,
    hours_ago,
    nps,
    stored_rows,
    z,
)
from tests.support.problems import assert_problem
from tests.support.service import Service

SECRET_COMMENT = "call me on 555-0100, I am Alice"


async def score(api: httpx.AsyncClient, metric: str) -> dict[str, Any]:
    response = await api.get("/v1/scores", params={"metric": metric, "window": "7d"})
    assert response.status_code == 200, response.text
    overall: dict[str, Any] = response.json()["overall"]
    return overall


def distribution(**counts: int) -> dict[str, int]:
    """A full NPS distribution: every value 0–10, zeros included."""
    return {str(value): counts.get(f"s{value}", 0) for value in range(11)}


async def erase(client: httpx.AsyncClient, respondent: str) -> int:
    response = await client.delete(f"/v1/respondents/{quote(respondent, safe='')}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"responses_deleted"}
    deleted: int = body["responses_deleted"]
    return deleted


async def test_erasing_a_respondent_deletes_all_their_answers_and_nothing_else(
    service: Service, api: httpx.AsyncClient
) -> None:
    at = z(hours_ago(30))
    alice = [
        (await api.post("/v1/responses", json=nps(10, respondent="alice", comment="x"))).json(),
        (await api.post("/v1/responses", json=nps(0, respondent="alice", responded_at=at))).json(),
    ]
    batch = await api.post(
        "/v1/responses/batch",
        json={
            "responses": [
                {"metric": "csat", "score": 5, "respondent": "alice", "comment": SECRET_COMMENT},
                nps(9, respondent="bob", comment="bob's words"),
                nps(3, respondent="bob", responded_at=at),
                nps(8),
                nps(7, respondent="alice-2"),
            ]
        },
    )
    ids = [result["id"] for result in batch.json()["results"]]
    await api.patch(f"/v1/responses/{alice[0]['id']}", json={"comment": SECRET_COMMENT})
    assert (await score(api, "nps"))["responses"] == 6
    assert (await score(api, "csat"))["responses"] == 1

    assert await erase(api, "alice") == 3

    for gone in (alice[0]["id"], alice[1]["id"], ids[0]):
        assert_problem(await api.get(f"/v1/responses/{gone}"), "response-not-found")
    rows = await stored_rows(service.db)
    assert sorted(row["id"].hex for row in rows) == sorted(i.replace("-", "") for i in ids[1:])
    assert SECRET_COMMENT not in str(rows)
    remaining = await api.get("/v1/responses")
    assert sorted(row["score"] for row in remaining.json()["data"]) == [3, 7, 8, 9]
    assert await counted_total(service.db) == 4
    nps_after = await score(api, "nps")
    assert (nps_after["responses"], nps_after["distribution"]) == (
        4,
        distribution(s3=1, s7=1, s8=1, s9=1),
    )
    assert (nps_after["promoters"], nps_after["passives"], nps_after["detractors"]) == (1, 2, 1)
    csat_after = await score(api, "csat")
    assert (csat_after["responses"], csat_after["score"]) == (0, None)

    async with changes_nothing(service.db):
        assert await erase(api, "alice") == 0
        assert await erase(api, "nobody-at-all") == 0


async def test_an_erased_respondents_retry_is_a_new_answer(api: httpx.AsyncClient) -> None:
    body = nps(9, respondent="alice")
    first = await api.post("/v1/responses", json=body, headers={"Idempotency-Key": "k"})
    assert await erase(api, "alice") == 1

    again = await api.post("/v1/responses", json=body, headers={"Idempotency-Key": "k"})

    # The key was remembered as long as its response existed; it no longer does.
    assert again.status_code == 201, again.text
    assert again.json()["id"] != first.json()["id"]


async def test_a_respondent_id_with_url_reserved_characters_can_be_erased(
    service: Service, api: httpx.AsyncClient
) -> None:
    awkward = ["crm/customers/8812", "a b?c#d%e&f", "zażółć", "x/", "a..b"]
    for respondent in awkward:
        created = await api.post("/v1/responses", json=nps(respondent=respondent))
        assert created.status_code == 201, created.text

    for respondent in awkward:
        assert await erase(api, respondent) == 1, respondent
    assert await stored_rows(service.db) == []


async def test_only_an_admin_key_may_erase(service: Service, api: httpx.AsyncClient) -> None:
    await api.post("/v1/responses", json=nps(respondent="alice"))
    everything_else = await service.key(
        Scope.RESPONSES_READ, Scope.RESPONSES_WRITE, Scope.SCORES_READ
    )
    shop = "https://shop.example"
    publishable = await service.key(
        Scope.RESPONSES_WRITE, kind=KeyKind.PUBLISHABLE, allowed_origins=[shop]
    )
    kiosk = await service.key(Scope.RESPONSES_WRITE, kind=KeyKind.KIOSK)

    async with changes_nothing(service.db):
        for key in (everything_else, publishable, kiosk):
            response = await service.client.delete(
                "/v1/respondents/alice", headers={"Authorization": f"Bearer {key}", "Origin": shop}
            )
            assert_problem(response, "forbidden")
        assert_problem(await service.client.delete("/v1/respondents/alice"), "unauthenticated")


def configured(service: Service, secret: str, *old: str) -> Settings:
    return Settings(
        database_url=service.settings.database_url,
        key_cache_seconds=0,
        secret_key=SecretStr(secret),
        old_secret_keys=[SecretStr(key) for key in old],
    )


async def test_answers_stored_before_a_secret_rotation_are_still_erased(
    service: Service, api: httpx.AsyncClient
) -> None:
    key = await service.key(*Scope)
    async with another_app(configured(service, "first-secret"), key) as before_rotation:
        for body in (
            nps(9, respondent="alice"),
            nps(6, respondent="bob"),
            nps(5, respondent="eve"),
        ):
            assert (await before_rotation.post("/v1/responses", json=body)).status_code == 201
    rotated_settings = configured(service, "second-secret", "first-secret")
    async with another_app(rotated_settings, key) as rotated:
        created = await rotated.post("/v1/responses", json=nps(2, respondent="alice"))
        assert created.status_code == 201
        alice_hashes = {
            row["respondent_hash"]
            for row in await stored_rows(service.db)
            if row["score"] in (9, 2)
        }
        assert len(alice_hashes) == 2, "the rotation changed how alice is hashed"

        # Without the old secret, the answers hashed with it cannot be found.
        async with another_app(configured(service, "second-secret"), key) as forgetful:
            assert await erase(forgetful, "bob") == 0

        assert await erase(rotated, "alice") == 2
        assert await erase(rotated, "bob") == 1

    rows = await stored_rows(service.db)
    assert [row["score"] for row in rows] == [5]
    assert await counted_total(service.db) == 1
    assert (await score(api, "nps"))["distribution"] == distribution(s5=1)


async def test_answers_stored_under_the_generated_secret_are_erased_once_one_is_set(
    service: Service, api: httpx.AsyncClient
) -> None:
    # The service fixture runs without secret_key: the installation generated one.
    assert (await api.post("/v1/responses", json=nps(9, respondent="carol"))).status_code == 201
    key = await service.key(Scope.ADMIN)

    async with another_app(configured(service, "now-configured"), key) as configured_app:
        assert await erase(configured_app, "carol") == 1

    assert await stored_rows(service.db) == []
    assert await counted_total(service.db) == 0
