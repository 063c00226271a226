"""Idempotency keys are one integration's word: unique per key namespace, never global.

A key's namespace is its own id, or the namespace of the key it was created to replace
(``POST /v1/keys`` with ``replaces``). The same idempotency key under another namespace is
another answer (201): it can neither replay nor block nor reveal what another integration
sent. Old and replacement keys share one namespace, so a POS or kiosk retrying after a
rotation still never counts a customer twice.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from uuid_utils.compat import uuid7

from app.keys.scopes import Scope
from app.responses import writer
from app.responses.records import NewResponse, StoredResponse
from tests.support.ingest_support import (
    another_app,
    changes_nothing,
    counted_total,
    nps,
    stored_count,
    stored_rows,
)
from tests.support.problems import assert_problem
from tests.support.service import Service

SHOP = "https://shop.example"
RECEIPT = "pos-7:receipt-907955"
POS_ANSWER = nps(9, comment="Fast checkout", touchpoint="checkout", channel="pos")


@pytest.fixture
async def admin(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    async with await service.client_with(Scope.ADMIN, Scope.RESPONSES_READ) as client:
        yield client


@asynccontextmanager
async def holding(service: Service, key: str, **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    sent = {"Authorization": f"Bearer {key}", **headers}
    async with httpx.AsyncClient(
        transport=service.client._transport, base_url=service.client.base_url, headers=sent
    ) as client:
        yield client


async def new_key(admin: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    created = await admin.post("/v1/keys", json={"name": "integration", **body})
    assert created.status_code == 201, created.text
    key: dict[str, Any] = created.json()
    return key


async def post(client: httpx.AsyncClient, body: dict[str, Any], key: str) -> httpx.Response:
    return await client.post("/v1/responses", json=body, headers={"Idempotency-Key": key})


def assert_replay(replay: httpx.Response, original: httpx.Response) -> None:
    assert replay.status_code == 200, replay.text
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == original.json()


# --- two integrations never meet -------------------------------------------------------


async def test_one_key_under_two_secret_keys_is_two_answers_each_replaying_its_own(
    service: Service, admin: httpx.AsyncClient
) -> None:
    pos = await new_key(admin, scopes=["responses:write"])
    crm = await new_key(admin, scopes=["responses:write"])
    async with (
        holding(service, pos["key"]) as pos_client,
        holding(service, crm["key"]) as crm_client,
    ):
        first = await post(pos_client, POS_ANSWER, "k-1")
        other = await post(crm_client, nps(2, comment="Rude staff"), "k-1")
        same_payload = await post(crm_client, POS_ANSWER, "k-2")
        same_payload_pos = await post(pos_client, POS_ANSWER, "k-2")

        assert first.status_code == other.status_code == 201, other.text
        assert other.json()["id"] != first.json()["id"]
        assert other.json()["comment"] == "Rude staff"  # nothing of the POS's answer shows
        assert "idempotent-replayed" not in other.headers
        assert same_payload_pos.status_code == 201, same_payload_pos.text
        assert same_payload_pos.json()["id"] != same_payload.json()["id"]
        async with changes_nothing(service.db):
            assert_replay(await post(pos_client, POS_ANSWER, "k-1"), first)
            assert_replay(await post(crm_client, nps(2, comment="Rude staff"), "k-1"), other)
            assert_problem(await post(crm_client, POS_ANSWER, "k-1"), "idempotency-key-reused")
    assert await stored_count(service.db) == 4
    assert await counted_total(service.db) == 4


async def test_a_public_pages_key_cannot_take_a_pos_receipts_idempotency_key_first(
    service: Service, admin: httpx.AsyncClient
) -> None:
    page = await new_key(admin, kind="publishable", allowed_origins=[SHOP])
    pos = await new_key(admin, scopes=["responses:write"])
    async with (
        holding(service, page["key"], Origin=SHOP) as attacker,
        holding(service, pos["key"]) as pos_client,
    ):
        squatted = await post(attacker, nps(0, comment="spam"), RECEIPT)
        real = await post(pos_client, POS_ANSWER, RECEIPT)
        retried = await post(pos_client, POS_ANSWER, RECEIPT)
        attacker_again = await post(attacker, nps(0, comment="spam"), RECEIPT)

    assert squatted.status_code == 201, squatted.text
    assert real.status_code == 201, real.text
    assert real.json()["idempotency_key"] == RECEIPT  # as sent, never prefixed
    assert (real.json()["score"], real.json()["channel"]) == (9, "pos")
    assert_replay(retried, real)
    assert attacker_again.json()["id"] == squatted.json()["id"]
    rows = {row["id"].hex: row for row in await stored_rows(service.db)}
    assert rows[real.json()["id"].replace("-", "")]["idempotency_namespace"] == pos["id"]
    assert rows[squatted.json()["id"].replace("-", "")]["idempotency_namespace"] == page["id"]


async def test_batches_are_judged_per_item_in_the_senders_namespace_only(
    service: Service, admin: httpx.AsyncClient
) -> None:
    till = await new_key(admin, scopes=["responses:write"])
    other = await new_key(admin, scopes=["responses:write"])
    body = {"responses": [nps(9), nps(3, idempotency_key="own-key")]}
    changed = {"responses": [nps(9), nps(4, idempotency_key="own-key")]}
    batch_key = {"Idempotency-Key": "sync-1"}
    async with holding(service, till["key"]) as till_client:
        first = await till_client.post("/v1/responses/batch", json=body, headers=batch_key)
        async with holding(service, other["key"]) as other_client:
            elsewhere = await other_client.post(
                "/v1/responses/batch", json=changed, headers=batch_key
            )
        replay = await till_client.post("/v1/responses/batch", json=body, headers=batch_key)
        conflict = await till_client.post("/v1/responses/batch", json=changed, headers=batch_key)

    def statuses(answer: httpx.Response) -> list[str]:
        assert answer.status_code == 200, answer.text
        return [result["status"] for result in answer.json()["results"]]

    assert statuses(first) == ["created", "created"]
    assert statuses(elsewhere) == ["created", "created"]
    assert statuses(replay) == ["duplicate", "duplicate"]
    assert statuses(conflict) == ["duplicate", "conflict"]
    first_ids = [result["id"] for result in first.json()["results"]]
    assert [result["id"] for result in replay.json()["results"]] == first_ids
    assert not {result["id"] for result in elsewhere.json()["results"]} & set(first_ids)
    keys = sorted(row["idempotency_key"] for row in await stored_rows(service.db))
    assert keys == ["own-key", "own-key", "sync-1:0", "sync-1:0"]


async def test_two_kiosks_syncing_the_same_item_keys_each_keep_their_answers(
    service: Service, admin: httpx.AsyncClient
) -> None:
    door = await new_key(admin, kind="kiosk", location="store-12")
    till = await new_key(admin, kind="kiosk", location="store-13")
    items = {"responses": [nps(8, idempotency_key="kiosk:1"), nps(6, idempotency_key="kiosk:2")]}
    for kiosk in (door, till):
        async with holding(service, kiosk["key"]) as client:
            synced = await client.post("/v1/responses/batch", json=items)
        assert [r["status"] for r in synced.json()["results"]] == ["created", "created"]

    locations = Counter(row["location"] for row in await stored_rows(service.db))
    assert locations == {"store-12": 2, "store-13": 2}


# --- a rotation keeps replays and conflicts ----------------------------------------------


async def test_a_replacement_key_replays_and_conflicts_with_the_old_keys_answers(
    service: Service, admin: httpx.AsyncClient
) -> None:
    old = await new_key(admin, scopes=["responses:write"])
    async with holding(service, old["key"]) as old_client:
        before = await post(old_client, POS_ANSWER, RECEIPT)
        new = await new_key(admin, replaces=old["id"])
        rotated_twice = await new_key(admin, replaces=new["id"])
        async with (
            holding(service, new["key"]) as new_client,
            holding(service, rotated_twice["key"]) as newest_client,
        ):
            async with changes_nothing(service.db):
                assert_replay(await post(new_client, POS_ANSWER, RECEIPT), before)
                assert_replay(await post(newest_client, POS_ANSWER, RECEIPT), before)
                assert_problem(await post(new_client, nps(3), RECEIPT), "idempotency-key-reused")
            after = await post(new_client, POS_ANSWER, "receipt-2")
            # The old key still works (the device switches over), in the same namespace.
            assert_replay(await post(old_client, POS_ANSWER, "receipt-2"), after)
            batch = await newest_client.post(
                "/v1/responses/batch",
                json={"responses": [{**POS_ANSWER, "idempotency_key": RECEIPT}, nps(5)]},
            )

    assert before.status_code == after.status_code == 201
    assert [r["status"] for r in batch.json()["results"]] == ["duplicate", "created"]
    assert batch.json()["results"][0]["id"] == before.json()["id"]
    assert new["idempotency_namespace"] == rotated_twice["idempotency_namespace"] == old["id"]
    assert await counted_total(service.db) == 3


async def test_a_rotated_kiosk_key_keeps_its_location_and_its_replays(
    service: Service, admin: httpx.AsyncClient
) -> None:
    old = await new_key(admin, kind="kiosk", location="store-12", name="door")
    items = {"responses": [nps(8, idempotency_key="tablet-1:17")]}
    async with holding(service, old["key"]) as client:
        first = await client.post("/v1/responses/batch", json=items)
    new = await new_key(admin, replaces=old["id"])
    async with holding(service, new["key"]) as client:
        async with changes_nothing(service.db):
            again = await client.post("/v1/responses/batch", json=items)
        elsewhere = await client.post("/v1/responses", json=nps(5, location="store-9"))

    assert (new["kind"], new["location"], new["scopes"]) == (
        "kiosk",
        "store-12",
        ["responses:write"],
    )
    assert again.json()["results"] == [{**first.json()["results"][0], "status": "duplicate"}]
    assert_problem(elsewhere, "validation-failed", fields=["location"])


# --- races ---------------------------------------------------------------------------------


async def test_racing_retries_through_an_old_and_a_replacement_key_store_one_answer(
    service: Service, admin: httpx.AsyncClient
) -> None:
    old = await new_key(admin, scopes=["responses:write"])
    new = await new_key(admin, replaces=old["id"])
    async with (
        another_app(service.settings, old["key"]) as worker_1,
        another_app(service.settings, new["key"]) as worker_2,
    ):
        for round_ in range(2):
            headers = {"Idempotency-Key": f"sync-{round_}"}
            answers = await asyncio.gather(
                *(
                    worker.post("/v1/responses", json=POS_ANSWER, headers=headers)
                    for _ in range(12)
                    for worker in (worker_1, worker_2)
                )
            )
            statuses = Counter(answer.status_code for answer in answers)
            assert statuses == {201: 1, 200: 23}, [a.text for a in answers]
            assert len({answer.json()["id"] for answer in answers}) == 1

    assert await stored_count(service.db) == 2
    assert await counted_total(service.db) == 2


async def test_racing_integrations_with_one_key_each_get_their_own_answer(
    service: Service, admin: httpx.AsyncClient
) -> None:
    first = await new_key(admin, scopes=["responses:write"])
    second = await new_key(admin, scopes=["responses:write"])
    async with (
        another_app(service.settings, first["key"]) as worker_1,
        another_app(service.settings, second["key"]) as worker_2,
    ):
        headers = {"Idempotency-Key": RECEIPT}
        answers = await asyncio.gather(
            *(
                worker.post("/v1/responses", json=POS_ANSWER, headers=headers)
                for _ in range(10)
                for worker in (worker_1, worker_2)
            )
        )

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 2, 200: 18}, [a.text for a in answers]
    ids = [answer.json()["id"] for answer in answers]
    assert len(set(ids[0::2])) == len(set(ids[1::2])) == 1  # one answer per integration
    assert set(ids[0::2]) != set(ids[1::2])
    assert await stored_count(service.db) == 2


# --- the lookup ------------------------------------------------------------------------


async def test_one_group_commit_finds_each_namespaces_own_answers_through_the_unique_index(
    service: Service, admin: httpx.AsyncClient
) -> None:
    """Items of many namespaces share one lookup; a pair nobody asked for is not a match."""
    a = await new_key(admin, scopes=["responses:write"])
    b = await new_key(admin, scopes=["responses:write"])
    async with holding(service, a["key"]) as a_client, holding(service, b["key"]) as b_client:
        a_first = await post(a_client, nps(9), "x")
        b_first = await post(b_client, nps(1), "y")
    ns_a, ns_b = a["idempotency_namespace"], b["idempotency_namespace"]
    [template] = [row for row in await stored_rows(service.db) if row["idempotency_key"] == "x"]

    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    items = [_item(template, ns_b, "x"), _item(template, ns_a, "y"), _item(template, ns_a, "x")]
    engine = service.db.write_engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        outcomes = await writer.store(service.db, items)
    finally:
        event.remove(engine, "before_cursor_execute", capture)

    assert [outcome.status for outcome in outcomes] == ["created", "created", "duplicate"]
    assert str(outcomes[2].response.id) == a_first.json()["id"]
    assert str(outcomes[1].response.id) != b_first.json()["id"]
    [(lookup, parameters)] = statements
    plan = await _plan(service, lookup, parameters)
    if service.db.write_engine.dialect.name == "postgresql":
        # An index scan or a bitmap scan of it, as the planner likes; never the whole table.
        assert "on uq_responses_idempotency_namespace_idempotency_key" in plan or (
            "using uq_responses_idempotency_namespace_idempotency_key" in plan
        ), plan
        assert "Seq Scan" not in plan, plan
    else:  # SQLite names a UNIQUE constraint's index itself; only that one has both columns
        assert "SEARCH responses USING INDEX sqlite_autoindex_responses_" in plan, plan
        assert "(idempotency_namespace=? AND idempotency_key=?)" in plan, plan


def _item(template: dict[str, Any], namespace: str, key: str) -> NewResponse:
    stored = StoredResponse(
        **{name: template[name] for name in StoredResponse.__slots__ if name in template}
        | {"id": uuid7(), "idempotency_key": key}
    )
    return NewResponse(stored, None, template["request_fingerprint"], None, namespace)


async def _plan(service: Service, statement: str, parameters: Any) -> str:
    async with service.db.write_engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Tiny test tables: make the planner show the index it can use.
            await connection.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        result = await connection.exec_driver_sql(explain + statement, parameters)
        plan = "\n".join(str(row) for row in result)
        await connection.rollback()
        return plan
