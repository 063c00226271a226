"""Migration 0006 puts stored answers in the namespace of the key that wrote them.

So a POS retrying an answer it sent before the upgrade still gets its replay, an email
link's Send still changes the answer it made, and going down to one global key per
answer keeps every answer (a key two namespaces shared stays with the oldest).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app import schema
from app.config import Settings
from app.db import Database
from app.keys import service as keys_service
from app.keys.schemas import KeyCreate
from app.keys.scopes import Scope
from app.main import create_app
from tests.support import pg_cluster
from tests.support.fresh_databases import BACKENDS, fresh_database

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(params=BACKENDS)
def fresh_url(
    request: pytest.FixtureRequest, postgres: pg_cluster.ThrowawayCluster | str, tmp_path: Path
) -> Iterator[str]:
    with fresh_database(request.param, postgres, tmp_path) as url:
        yield url


@asynccontextmanager
async def running(url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=url, key_cache_seconds=0))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def answer(
    client: httpx.AsyncClient, key: str, idempotency_key: str, score: int = 9
) -> httpx.Response:
    return await client.post(
        "/v1/responses",
        json={"metric": "nps", "score": score},
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency_key},
    )


async def rows(db: Database) -> dict[str, dict[str, Any]]:
    async with db.engine.connect() as connection:
        result = await connection.execute(text("SELECT * FROM responses"))
        return {str(row.id).replace("-", ""): dict(row._mapping) for row in result}


def hex_id(response: httpx.Response) -> str:
    return str(response.json()["id"]).replace("-", "")


async def test_answers_keep_their_replays_across_a_downgrade_and_an_upgrade(
    fresh_url: str,
) -> None:
    db = Database.connect(Settings(database_url=fresh_url), pool_size=1)
    try:
        await schema.upgrade(db)
        scopes = [Scope.RESPONSES_WRITE, Scope.RESPONSES_READ]
        pos = await keys_service.create(db, KeyCreate(name="pos", scopes=scopes))
        crm = await keys_service.create(db, KeyCreate(name="crm", scopes=scopes))
        async with running(fresh_url) as client:
            pos_receipt = await answer(client, pos.key, "receipt-1")
            crm_receipt = await answer(client, crm.key, "receipt-1", score=2)
            crm_own = await answer(client, crm.key, "crm-1")
            orphan = await answer(client, crm.key, "orphan")
            link = await client.post(
                "/v1/email-links",
                json={"metric": "nps"},
                headers={"Authorization": f"Bearer {crm.key}"},
            )
            sent = await client.post(
                f"/r/{link.json()['token']}", data={"score": "7"}, headers=FORM
            )
        assert sent.status_code == 200, sent.text

        await schema.downgrade(db, "0005")
        async with db.write_engine.begin() as connection:
            await connection.execute(
                text("UPDATE responses SET key_id = NULL WHERE idempotency_key = 'orphan'")
            )
        down = await rows(db)
        await schema.upgrade(db)
        up = await rows(db)

        async with running(fresh_url) as client:
            pos_retry = await answer(client, pos.key, "receipt-1")
            crm_retry = await answer(client, crm.key, "crm-1")
            orphan_retry = await answer(client, crm.key, "orphan")
            sent_again = await client.post(
                f"/r/{link.json()['token']}", data={"score": "3"}, headers=FORM
            )
        after = await rows(db)
    finally:
        await db.dispose()

    # Down: every answer kept; the key two namespaces shared stays with the oldest answer.
    assert len(down) == 5
    assert down[hex_id(pos_receipt)]["idempotency_key"] == "receipt-1"
    assert down[hex_id(crm_receipt)]["idempotency_key"] is None
    # Up: each answer in the namespace of the key that wrote it; links in their own.
    assert up[hex_id(pos_receipt)]["idempotency_namespace"] == pos.id
    assert up[hex_id(crm_own)]["idempotency_namespace"] == crm.id
    assert up[hex_id(orphan)]["idempotency_namespace"] == "legacy"
    [email] = [row for row in up.values() if row["channel"] == "email"]
    assert email["idempotency_namespace"] == "email-links"
    # And the clients' retries still find their answers.
    assert (pos_retry.status_code, pos_retry.json()["id"]) == (200, pos_receipt.json()["id"])
    assert (crm_retry.status_code, crm_retry.json()["id"]) == (200, crm_own.json()["id"])
    assert orphan_retry.status_code == 201  # no key wrote it: nobody's to replay
    assert sent_again.status_code == 200, sent_again.text
    assert len(after) == 6
    assert [row["score"] for row in after.values() if row["channel"] == "email"] == [3]
