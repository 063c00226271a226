"""Respondent ids are write-only: never answered back, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import re

import httpx
from pydantic import SecretStr

from app.config import Settings
from app.keys.scopes import Scope
from tests.support.privacy_support import another_app, nps, stored_rows
from tests.support.service import Service

CLEAR_ID = "cust-8812@example.com"
HEX_64 = re.compile(r"^[0-9a-f]{64}$")


async def test_the_respondent_is_never_answered_back(
    service: Service, api: httpx.AsyncClient
) -> None:
    single = await api.post("/v1/responses", json=nps(9, respondent=CLEAR_ID, comment="hi"))
    batch = await api.post(
        "/v1/responses/batch",
        json={"responses": [nps(3, respondent=CLEAR_ID), nps(11, respondent=CLEAR_ID)]},
    )
    replay = await api.post(
        "/v1/responses",
        json=nps(5, respondent=CLEAR_ID),
        headers={"Idempotency-Key": "k"},
    )
    replayed = await api.post(
        "/v1/responses",
        json=nps(5, respondent=CLEAR_ID),
        headers={"Idempotency-Key": "k"},
    )
    patched = await api.patch(f"/v1/responses/{single.json()['id']}", json={"comment": "more"})
    [row_hash] = {row["respondent_hash"] for row in await stored_rows(service.db)}
    answers = [
        single,
        batch,
        replay,
        replayed,
        patched,
        await api.get(f"/v1/responses/{single.json()['id']}"),
        await api.get("/v1/responses"),
        await api.get("/v1/responses", params={"format": "ndjson"}),
        await api.get("/v1/responses", params={"format": "csv"}),
    ]

    assert [a.status_code for a in answers] == [201, 200, 201, 200, 200, 200, 200, 200, 200]
    for answer in answers:
        for secret in (CLEAR_ID, "cust-8812", row_hash, "respondent"):
            assert secret not in answer.text, (answer.request.url, secret)
    assert len(answers[-3].json()["data"]) == 3


async def test_the_database_keeps_a_64_hex_keyed_hash_never_the_clear_id(
    service: Service, api: httpx.AsyncClient
) -> None:
    for body in (
        nps(9, respondent=CLEAR_ID),
        nps(2, respondent=CLEAR_ID),
        nps(7, respondent="cust-8813@example.com"),
        nps(8),
    ):
        assert (await api.post("/v1/responses", json=body)).status_code == 201

    rows = sorted(await stored_rows(service.db), key=lambda row: row["score"])
    hashes = [row["respondent_hash"] for row in rows]
    by_score = dict(zip((row["score"] for row in rows), hashes, strict=True))
    for row in rows:
        assert all(CLEAR_ID not in str(value) for value in row.values()), row
    assert by_score[8] is None
    for value in (by_score[9], by_score[2], by_score[7]):
        assert HEX_64.match(value), value
    assert by_score[9] == by_score[2], "one respondent, one hash: needed to erase"
    assert by_score[7] != by_score[9]
    # Keyed: not a plain digest anyone could compute from a guessed id.
    assert by_score[9] != hashlib.sha256(CLEAR_ID.encode()).hexdigest()


async def test_the_hash_is_keyed_with_the_configured_secret(service: Service) -> None:
    key = await service.key(Scope.RESPONSES_WRITE)
    for secret in ("first-secret", "second-secret"):
        settings = Settings(
            database_url=service.settings.database_url,
            key_cache_seconds=0,
            secret_key=SecretStr(secret),
        )
        async with another_app(settings, key) as client:
            created = await client.post("/v1/responses", json=nps(respondent=CLEAR_ID))
            assert created.status_code == 201, created.text

    hashes = {row["respondent_hash"] for row in await stored_rows(service.db)}
    assert hashes == {
        hmac.new(secret, CLEAR_ID.encode(), hashlib.sha256).hexdigest()
        for secret in (b"first-secret", b"second-secret")
    }
