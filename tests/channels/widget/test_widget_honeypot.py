"""The honeypot: a bot's answer looks accepted, and is counted nowhere.

The widget sends the value of a field no person sees (`honeypot`). Filled in, the answer
gets the usual 201 — same shape, a fresh id, a working follow-up token — and nothing
reaches the database, the scores, or the log beyond the key's id.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import text

from app.db import Database
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind, parse_key
from tests.support.problems import assert_problem
from tests.support.service import Service

SHOP = "https://shop.example"
ANSWER = {"metric": "nps", "score": 10, "survey": "site-nps", "touchpoint": "checkout"}


@pytest.fixture
async def shop_key(service: Service) -> str:
    return await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP])


def headers(key: str, idempotency_key: str | None = None) -> dict[str, str]:
    sent = {"Authorization": f"Bearer {key}", "Origin": SHOP}
    return sent | ({"Idempotency-Key": idempotency_key} if idempotency_key else {})


async def count_responses(db: Database) -> int:
    async with db.snapshot() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM responses"))).scalar_one())


async def test_a_filled_in_honeypot_gets_a_normal_201_and_stores_nothing(
    service: Service, shop_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    real = await service.client.post(
        "/v1/responses", json={**ANSWER, "honeypot": ""}, headers=headers(shop_key)
    )
    with caplog.at_level(logging.INFO, logger="touchpoint.ingest"):
        bot = await service.client.post(
            "/v1/responses",
            json={**ANSWER, "honeypot": "http://cheap-pills.example"},
            headers=headers(shop_key),
        )

    assert real.status_code == bot.status_code == 201
    assert set(bot.json()) == set(real.json())
    assert set(bot.headers) == set(real.headers)
    assert bot.headers["location"] == f"/v1/responses/{bot.json()['id']}"
    assert uuid.UUID(bot.json()["id"]).version == uuid.UUID(real.json()["id"]).version == 7
    assert bot.json()["id"] != real.json()["id"]
    assert bot.json()["followup_token"]
    for field in ("metric", "score", "survey", "touchpoint", "channel", "comment"):
        assert bot.json()[field] == real.json()[field], field
    assert await count_responses(service.db) == 1  # only the real one

    parsed = parse_key(shop_key)
    assert parsed is not None
    [logged] = [r.getMessage() for r in caplog.records if "honeypot" in r.getMessage()]
    assert parsed.key_id in logged
    assert "127.0.0.1" not in logged
    assert "cheap-pills" not in logged
    assert shop_key not in logged


async def test_the_bots_comment_is_answered_normally_and_stored_nowhere(
    service: Service, shop_key: str
) -> None:
    bot = await service.client.post(
        "/v1/responses", json={**ANSWER, "honeypot": "x"}, headers=headers(shop_key)
    )
    created = bot.json()

    patched = await service.client.patch(
        f"/v1/responses/{created['id']}",
        json={"followup_token": created["followup_token"], "comment": "Buy now"},
        headers={"Origin": SHOP},
    )

    assert patched.status_code == 200, patched.text
    assert patched.json()["comment"] == "Buy now"
    assert patched.json()["id"] == created["id"]
    assert set(patched.json()) == set(created) - {"followup_token"}
    assert await count_responses(service.db) == 0
    # Its token, like any, is for that answer only.
    other = await service.client.patch(
        f"/v1/responses/{uuid.uuid4()}",
        json={"followup_token": created["followup_token"], "comment": "Buy now"},
    )
    assert other.status_code == 403
    assert other.json()["type"] == "/problems/followup-token-rejected"


async def test_a_bots_retry_is_a_replay_and_another_payload_a_conflict(
    service: Service, shop_key: str
) -> None:
    bot = {**ANSWER, "honeypot": "x"}
    first = await service.client.post("/v1/responses", json=bot, headers=headers(shop_key, "k1"))
    again = await service.client.post("/v1/responses", json=bot, headers=headers(shop_key, "k1"))
    other = await service.client.post(
        "/v1/responses", json={**bot, "score": 0}, headers=headers(shop_key, "k1")
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert_problem(other, "idempotency-key-reused")
    assert await count_responses(service.db) == 0


async def test_a_decoys_idempotency_key_means_nothing_to_another_key(
    service: Service, shop_key: str
) -> None:
    other_shop = await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP])
    bot = {**ANSWER, "honeypot": "x"}
    decoy = await service.client.post("/v1/responses", json=bot, headers=headers(shop_key, "k1"))

    elsewhere = await service.client.post(
        "/v1/responses", json=bot, headers=headers(other_shop, "k1")
    )
    other_payload = await service.client.post(
        "/v1/responses", json={**bot, "score": 0}, headers=headers(other_shop, "k2")
    )
    real = await service.client.post(
        "/v1/responses", json={**ANSWER, "score": 0}, headers=headers(other_shop, "k1")
    )
    retried = await service.client.post("/v1/responses", json=bot, headers=headers(shop_key, "k1"))

    assert elsewhere.status_code == 201, elsewhere.text
    assert elsewhere.json()["id"] != decoy.json()["id"]
    assert other_payload.status_code == 201, other_payload.text
    assert real.status_code == 201, real.text
    assert retried.status_code == 200
    assert retried.json()["id"] == decoy.json()["id"]
    assert await count_responses(service.db) == 1  # only the real answer


async def test_an_empty_honeypot_is_a_real_answer_and_a_misspelt_one_is_refused(
    service: Service, shop_key: str
) -> None:
    for value in ("", "   "):
        created = await service.client.post(
            "/v1/responses", json={**ANSWER, "honeypot": value}, headers=headers(shop_key)
        )
        assert created.status_code == 201, created.text

    typo = await service.client.post(
        "/v1/responses", json={**ANSWER, "honeypott": "x"}, headers=headers(shop_key)
    )
    too_long = await service.client.post(
        "/v1/responses", json={**ANSWER, "honeypot": "x" * 1001}, headers=headers(shop_key)
    )

    assert_problem(typo, "validation-failed", fields=["honeypott"])
    assert_problem(too_long, "validation-failed", fields=["honeypot"])
    assert await count_responses(service.db) == 2


async def test_a_batch_takes_no_honeypot_and_publishable_keys_take_no_batch(
    service: Service, shop_key: str
) -> None:
    kiosk = await service.client_with(Scope.RESPONSES_WRITE, kind=KeyKind.KIOSK)
    async with kiosk:
        batch = await kiosk.post(
            "/v1/responses/batch",
            json={"responses": [ANSWER, {**ANSWER, "honeypot": "x"}]},
        )
    from_a_page = await service.client.post(
        "/v1/responses/batch", json={"responses": [ANSWER]}, headers=headers(shop_key)
    )

    assert batch.status_code == 200, batch.text
    assert [
        (r["status"], [e["field"] for e in r.get("errors", [])]) for r in batch.json()["results"]
    ] == [
        ("created", []),
        ("invalid", ["honeypot"]),
    ]
    assert_problem(from_a_page, "forbidden", detail="one answer per request")
    assert await count_responses(service.db) == 1
