"""`touchpoint serve --workers 2` on one database: concurrent writers in two processes.

Each test spreads its requests over many keep-alive connections, checks that both
workers hold some of them, and then counts what the database kept: through the score
(the hourly rollup) and through the CSV export (the rows themselves).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.support.e2e_support import (
    ANNOUNCEMENT,
    RunningServer,
    export_rows,
    overall_score,
    unique_slug,
)

pytest_plugins = ["tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

CONNECTIONS = 30
POSTS = 300


def assert_both_workers_serve(server: RunningServer) -> None:
    spread = server.connections_per_worker()
    assert len(spread) == 2, f"expected 2 workers, found {len(spread)}"
    assert min(spread) > 0, f"one worker holds every connection: {spread}"


def test_two_workers_print_one_key(e2e_server_2_workers: RunningServer) -> None:
    """The key is made before the workers start: one key, printed once."""
    assert e2e_server_2_workers.admin_key is not None
    assert e2e_server_2_workers.stdout().count(ANNOUNCEMENT) == 1


async def test_every_201_of_concurrent_posts_is_counted_exactly_once(
    e2e_server_2_workers: RunningServer,
) -> None:
    server = e2e_server_2_workers
    survey = unique_slug("burst")
    rng = random.Random(20261122)
    scores = [rng.randint(1, 7) for _ in range(POSTS)]
    async with server.connections(CONNECTIONS) as clients:
        assert_both_workers_serve(server)

        async def post_share(client: httpx.AsyncClient, share: list[int]) -> list[httpx.Response]:
            body = {"metric": "ces", "survey": survey, "channel": "pos"}
            return [await client.post("/v1/responses", json=body | {"score": s}) for s in share]

        shares = [scores[i::CONNECTIONS] for i in range(CONNECTIONS)]
        answers = [
            answer
            for batch in await asyncio.gather(*map(post_share, clients, shares))
            for answer in batch
        ]
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: POSTS}, statuses
    created = {answer.json()["id"] for answer in answers}
    assert len(created) == POSTS

    async with server.client() as api:
        overall = await overall_score(api, "ces", survey)
        rows = await export_rows(api, survey)
    assert overall["responses"] == statuses[201]
    sent = Counter(scores)
    assert overall["distribution"] == {str(value): sent[value] for value in range(1, 8)}
    assert {row["id"] for row in rows} == created


async def test_one_idempotency_key_fired_at_both_workers_stores_one_response(
    e2e_server_2_workers: RunningServer,
) -> None:
    server = e2e_server_2_workers
    survey = unique_slug("idem")
    rounds, copies = 10, 20
    async with server.connections(copies) as clients:
        assert_both_workers_serve(server)
        for round_ in range(rounds):
            key = f"{survey}:{round_}"
            body = {"metric": "csat", "score": 1 + round_ % 5, "survey": survey}
            answers = await asyncio.gather(
                *(
                    c.post("/v1/responses", json=body, headers={"Idempotency-Key": key})
                    for c in clients
                )
            )
            statuses = Counter(answer.status_code for answer in answers)
            assert statuses == {201: 1, 200: copies - 1}, (key, statuses)
            assert {answer.json()["id"] for answer in answers} == {answers[0].json()["id"]}
            replays = [answer for answer in answers if answer.status_code == 200]
            assert all(answer.headers["idempotent-replayed"] == "true" for answer in replays)
    async with server.client() as api:
        overall = await overall_score(api, "csat", survey)
        rows = await export_rows(api, survey)
    assert overall["responses"] == rounds
    assert sorted(row["idempotency_key"] for row in rows) == sorted(
        f"{survey}:{round_}" for round_ in range(rounds)
    )


async def test_a_batch_retried_across_workers_gives_duplicates(
    e2e_server_2_workers: RunningServer,
) -> None:
    server = e2e_server_2_workers
    survey = unique_slug("batch")
    items: list[dict[str, Any]] = [
        {"metric": "nps", "score": i % 11, "survey": survey, "location": f"store-{i % 3}"}
        for i in range(50)
    ]
    items[7] = {"metric": "nps", "score": 11, "survey": survey}  # invalid, every time
    headers = {"Idempotency-Key": f"{survey}:sync-1"}
    copies = 8
    async with server.connections(copies) as clients:
        assert_both_workers_serve(server)

        async def send(client: httpx.AsyncClient) -> list[dict[str, Any]]:
            answer = await client.post(
                "/v1/responses/batch", json={"responses": items}, headers=headers
            )
            assert answer.status_code == 200, answer.text
            results: list[dict[str, Any]] = answer.json()["results"]
            assert [result["index"] for result in results] == list(range(len(items)))
            return results

        at_once = await asyncio.gather(*map(send, clients))  # retries racing each other
        later = [await send(client) for client in clients]  # and retries after the fact
    for index in range(len(items)):
        outcomes = [results[index] for results in at_once + later]
        if index == 7:
            assert {outcome["status"] for outcome in outcomes} == {"invalid"}
            continue
        statuses = Counter(outcome["status"] for outcome in outcomes)
        assert statuses == {"created": 1, "duplicate": 2 * copies - 1}, (index, statuses)
        assert len({outcome["id"] for outcome in outcomes}) == 1
    async with server.client() as api:
        rows = await export_rows(api, survey)
    assert len(rows) == len(items) - 1
    assert {row["idempotency_key"] for row in rows} == {
        f"{survey}:sync-1:{i}" for i in range(len(items)) if i != 7
    }


async def test_erasure_reaches_answers_written_through_either_worker(
    e2e_server_2_workers: RunningServer,
) -> None:
    """Both workers hash respondent ids with the same generated secret."""
    server = e2e_server_2_workers
    survey = unique_slug("erase")
    respondent = unique_slug("cust")
    async with server.connections(CONNECTIONS) as clients:
        assert_both_workers_serve(server)
        body = {"metric": "nps", "score": 8, "survey": survey, "respondent": respondent}
        answers = await asyncio.gather(*(c.post("/v1/responses", json=body) for c in clients))
        assert {answer.status_code for answer in answers} == {201}
        erased = await clients[0].delete(f"/v1/respondents/{respondent}")
        assert erased.status_code == 200, erased.text
        assert erased.json() == {"responses_deleted": CONNECTIONS}
        assert await export_rows(clients[-1], survey) == []
