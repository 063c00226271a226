"""Idempotency, Stripe-style: a retry can never count a customer twice.

Same key + same payload → 200, ``Idempotent-Replayed: true`` and the original object;
same key + other payload → 409; the key may come in the ``Idempotency-Key`` header or
the ``idempotency_key`` field (and when both are given they must agree).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from app.keys.scopes import Scope
from tests.support.ingest_support import (
    another_app,
    changes_nothing,
    counted_total,
    hours_ago,
    nps,
    set_times,
    stored_count,
    z,
)
from tests.support.problems import assert_problem
from tests.support.service import Service

ANSWER = nps(9, comment="Fast checkout", touchpoint="checkout", channel="pos")


async def nps_responses(client: httpx.AsyncClient) -> int:
    score = await client.get("/v1/scores", params={"metric": "nps", "window": "30d"})
    assert score.status_code == 200, score.text
    responses: int = score.json()["overall"]["responses"]
    return responses


def assert_replay_of(replay: httpx.Response, original: dict[str, Any]) -> None:
    assert replay.status_code == 200, replay.text
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.headers["content-type"] == "application/json"
    assert replay.headers["location"] == f"/v1/responses/{original['id']}"
    assert replay.json() == original


async def test_a_retry_with_the_header_key_replays_the_original_response(
    service: Service, api: httpx.AsyncClient
) -> None:
    headers = {"Idempotency-Key": "pos-7:receipt-1182"}
    first = await api.post("/v1/responses", json=ANSWER, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    # Backdated, so that a replay computed afresh could not pass for the original.
    earlier = hours_ago(1)
    await set_times(service.db, first.json()["id"], received_at=earlier, updated_at=earlier)
    original = {**first.json(), "received_at": z(earlier), "updated_at": z(earlier)}

    for _ in range(3):
        async with changes_nothing(service.db):
            replay = await api.post("/v1/responses", json=ANSWER, headers=headers)
        assert_replay_of(replay, original)
    assert original["idempotency_key"] == "pos-7:receipt-1182"
    assert await stored_count(service.db) == 1
    assert await counted_total(service.db) == 1
    assert await nps_responses(api) == 1


async def test_a_retry_with_the_body_key_replays_the_original_response(
    service: Service, api: httpx.AsyncClient
) -> None:
    body = {**ANSWER, "idempotency_key": "kiosk-7:1732111391:42"}
    first = await api.post("/v1/responses", json=body)
    assert first.status_code == 201, first.text

    async with changes_nothing(service.db):
        replay = await api.post("/v1/responses", json=body)

    assert_replay_of(replay, first.json())
    assert await counted_total(service.db) == 1


async def test_the_key_may_move_between_header_and_body_on_a_retry(
    service: Service, api: httpx.AsyncClient
) -> None:
    first = await api.post("/v1/responses", json=ANSWER, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text

    async with changes_nothing(service.db):
        in_body = await api.post("/v1/responses", json={**ANSWER, "idempotency_key": "k-1"})
        in_both = await api.post(
            "/v1/responses",
            json={**ANSWER, "idempotency_key": "k-1"},
            headers={"Idempotency-Key": "k-1"},
        )

    assert_replay_of(in_body, first.json())
    assert_replay_of(in_both, first.json())


async def test_the_same_instant_written_with_another_offset_is_the_same_payload(
    service: Service, api: httpx.AsyncClient
) -> None:
    headers = {"Idempotency-Key": "k-1"}
    first = await api.post(
        "/v1/responses", json=nps(responded_at="2026-11-20T14:03:11Z"), headers=headers
    )
    assert first.status_code == 201, first.text

    replay = await api.post(
        "/v1/responses", json=nps(responded_at="2026-11-20T15:03:11+01:00"), headers=headers
    )

    assert_replay_of(replay, first.json())


async def test_the_same_key_with_another_payload_is_a_409_and_changes_nothing(
    service: Service, api: httpx.AsyncClient
) -> None:
    headers = {"Idempotency-Key": "pos-7:receipt-1182"}
    first = await api.post("/v1/responses", json=ANSWER, headers=headers)
    assert first.status_code == 201, first.text

    for changed in [
        {**ANSWER, "score": 3},
        {**ANSWER, "comment": "Slow checkout"},
        {**ANSWER, "channel": "web"},
        {**ANSWER, "respondent": "cust-1"},
        {**ANSWER, "properties": {"plan": "gold"}},
        {**ANSWER, "responded_at": z(hours_ago(2))},
        {"metric": "csat", "score": 5},
    ]:
        async with changes_nothing(service.db):
            conflict = await api.post("/v1/responses", json=changed, headers=headers)
        assert_problem(conflict, "idempotency-key-reused")

    fetched = await api.get(f"/v1/responses/{first.json()['id']}")
    assert fetched.json() == first.json()


async def test_a_header_key_and_body_key_that_differ_are_rejected(
    service: Service, api: httpx.AsyncClient
) -> None:
    first = await api.post("/v1/responses", json=ANSWER, headers={"Idempotency-Key": "a"})
    assert first.status_code == 201, first.text

    for header, field in [("a", "b"), ("b", "a"), ("c", "d")]:
        async with changes_nothing(service.db):
            response = await api.post(
                "/v1/responses",
                json={**ANSWER, "idempotency_key": field},
                headers={"Idempotency-Key": header},
            )
        assert_problem(response, "validation-failed", fields=["idempotency_key"])


async def test_answers_without_a_key_are_never_merged(
    service: Service, api: httpx.AsyncClient
) -> None:
    ids = set()
    for _ in range(3):
        created = await api.post("/v1/responses", json=ANSWER)
        assert created.status_code == 201, created.text
        ids.add(created.json()["id"])

    assert len(ids) == 3
    assert await counted_total(service.db) == 3


async def test_concurrent_retries_in_one_process_store_one_answer(
    service: Service, api: httpx.AsyncClient
) -> None:
    headers = {"Idempotency-Key": "burst"}
    answers = await asyncio.gather(
        *(api.post("/v1/responses", json=ANSWER, headers=headers) for _ in range(25))
    )

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 200: 24}, [a.text for a in answers]
    [created] = [a for a in answers if a.status_code == 201]
    for answer in answers:
        if answer.status_code == 200:
            assert_replay_of(answer, created.json())
    assert await stored_count(service.db) == 1
    assert await counted_total(service.db) == 1


async def test_concurrent_retries_from_two_workers_on_one_database_store_one_answer(
    service: Service, api: httpx.AsyncClient
) -> None:
    key = await service.key(Scope.RESPONSES_WRITE)
    async with (
        another_app(service.settings, key) as worker_1,
        another_app(service.settings, key) as worker_2,
    ):
        for round_ in range(2):
            headers = {"Idempotency-Key": f"sync-{round_}"}
            answers = await asyncio.gather(
                *(
                    worker.post("/v1/responses", json=ANSWER, headers=headers)
                    for _ in range(12)
                    for worker in (worker_1, worker_2)
                )
            )
            statuses = Counter(answer.status_code for answer in answers)
            assert statuses == {201: 1, 200: 23}, [a.text for a in answers]
            assert len({answer.json()["id"] for answer in answers}) == 1

    assert await stored_count(service.db) == 2
    assert await counted_total(service.db) == 2
    assert await nps_responses(api) == 2


async def test_racing_different_payloads_under_one_key_store_exactly_one_of_them(
    service: Service, api: httpx.AsyncClient
) -> None:
    key = await service.key(Scope.RESPONSES_WRITE)
    headers = {"Idempotency-Key": "contested"}
    payloads = [nps(9), nps(3)]
    async with (
        another_app(service.settings, key) as worker_1,
        another_app(service.settings, key) as worker_2,
    ):
        attempts = [
            (payload, worker.post("/v1/responses", json=payload, headers=headers))
            for _ in range(6)
            for worker in (worker_1, worker_2)
            for payload in payloads
        ]
        answers = await asyncio.gather(*(request for _, request in attempts))

    [winner] = [answer.json() for answer in answers if answer.status_code == 201]
    for (payload, _), answer in zip(attempts, answers, strict=True):
        if payload["score"] == winner["score"]:
            assert answer.status_code in (200, 201), answer.text
            assert answer.json()["id"] == winner["id"]
        else:
            assert_problem(answer, "idempotency-key-reused")
    assert await stored_count(service.db) == 1
    assert await counted_total(service.db) == 1
