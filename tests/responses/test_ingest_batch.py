"""POST /v1/responses/batch: every item judged on its own, every item answered, in order."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.ingest_support import (
    ANY_TEXT,
    changes_nothing,
    counted_total,
    nps,
    stored_count,
    stored_rows,
)
from tests.support.problems import assert_problem
from tests.support.service import Service


async def post_batch(
    api: httpx.AsyncClient, items: list[Any], key: str | None = None
) -> list[dict[str, Any]]:
    headers = {"Idempotency-Key": key} if key else {}
    response = await api.post("/v1/responses/batch", json={"responses": items}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"results"}
    results: list[dict[str, Any]] = body["results"]
    assert [result["index"] for result in results] == list(range(len(items)))
    return results


def created(index: int, result: dict[str, Any]) -> dict[str, Any]:
    return {"index": index, "status": "created", "id": result["id"]}


async def test_valid_items_are_stored_while_every_other_item_gets_its_own_result(
    service: Service, api: httpx.AsyncClient
) -> None:
    items: list[Any] = [
        nps(9),
        nps(11),
        nps(7, idempotency_key="k-1"),
        nps(7, idempotency_key="k-1"),
        nps(2, idempotency_key="k-1"),
        42,
        {"metric": "csat", "score": 5, "colour": "red"},
        {"metric": "ces", "score": 6, "channel": "kiosk", "location": "store-12"},
        None,
        {"score": 9},
    ]

    results = await post_batch(api, items)

    first_k1 = results[2]["id"]
    assert results == [
        created(0, results[0]),
        {"index": 1, "status": "invalid", "errors": [{"field": "score", "message": ANY_TEXT}]},
        created(2, results[2]),
        {"index": 3, "status": "duplicate", "id": first_k1},
        {"index": 4, "status": "conflict", "id": first_k1},
        {"index": 5, "status": "invalid", "errors": [{"field": "body", "message": ANY_TEXT}]},
        {"index": 6, "status": "invalid", "errors": [{"field": "colour", "message": ANY_TEXT}]},
        created(7, results[7]),
        {"index": 8, "status": "invalid", "errors": [{"field": "body", "message": ANY_TEXT}]},
        {"index": 9, "status": "invalid", "errors": [{"field": "metric", "message": ANY_TEXT}]},
    ]
    stored = {row["id"].hex: (row["metric"], row["score"]) for row in await stored_rows(service.db)}
    assert sorted(stored.values()) == [("ces", 6), ("nps", 7), ("nps", 9)]
    assert await counted_total(service.db) == 3
    for index, (metric, score) in {0: ("nps", 9), 2: ("nps", 7), 7: ("ces", 6)}.items():
        fetched = await api.get(f"/v1/responses/{results[index]['id']}")
        assert (fetched.json()["metric"], fetched.json()["score"]) == (metric, score)


async def test_a_retried_batch_reports_duplicate_for_what_landed_and_created_for_the_rest(
    service: Service, api: httpx.AsyncClient
) -> None:
    first_try = [
        nps(9, idempotency_key="pos-1:1"),
        nps(99, idempotency_key="pos-1:2"),
        nps(4, idempotency_key="pos-1:3"),
    ]
    first = await post_batch(api, first_try)
    assert [r["status"] for r in first] == ["created", "invalid", "created"]

    retry = [first_try[0], nps(8, idempotency_key="pos-1:2"), first_try[2]]
    second = await post_batch(api, retry)

    assert second == [
        {"index": 0, "status": "duplicate", "id": first[0]["id"]},
        created(1, second[1]),
        {"index": 2, "status": "duplicate", "id": first[2]["id"]},
    ]
    assert await stored_count(service.db) == 3
    assert await counted_total(service.db) == 3


async def test_the_batch_header_key_derives_a_key_per_item_from_its_index(
    service: Service, api: httpx.AsyncClient
) -> None:
    items: list[Any] = [nps(9), nps(99), nps(5, comment="ok")]
    first = await post_batch(api, items, key="kiosk-7:sync-18")
    assert [r["status"] for r in first] == ["created", "invalid", "created"]
    for index in (0, 2):
        fetched = await api.get(f"/v1/responses/{first[index]['id']}")
        assert fetched.json()["idempotency_key"] == f"kiosk-7:sync-18:{index}"

    items[1] = nps(6)
    retried = await post_batch(api, items, key="kiosk-7:sync-18")
    assert retried == [
        {"index": 0, "status": "duplicate", "id": first[0]["id"]},
        created(1, retried[1]),
        {"index": 2, "status": "duplicate", "id": first[2]["id"]},
    ]

    # One item of the batch, retried on its own under its derived key, is the same answer.
    single = await api.post(
        "/v1/responses", json=nps(5, comment="ok"), headers={"Idempotency-Key": "kiosk-7:sync-18:2"}
    )
    assert single.status_code == 200, single.text
    assert single.json()["id"] == first[2]["id"]
    # Another batch key is another set of answers.
    other = await post_batch(api, [nps(9)], key="kiosk-7:sync-19")
    assert other[0]["status"] == "created"
    assert await stored_count(service.db) == 4
    assert await counted_total(service.db) == 4


async def test_an_item_with_its_own_key_keeps_it_under_a_batch_header_key(
    api: httpx.AsyncClient,
) -> None:
    results = await post_batch(
        api, [nps(9), nps(7, idempotency_key="till-3:receipt-88")], key="pos-3:batch-1"
    )
    assert [r["status"] for r in results] == ["created", "created"]
    keys = [
        (await api.get(f"/v1/responses/{result['id']}")).json()["idempotency_key"]
        for result in results
    ]
    assert keys == ["pos-3:batch-1:0", "till-3:receipt-88"]


async def test_a_batch_header_key_leaves_room_for_the_item_index(
    service: Service, api: httpx.AsyncClient
) -> None:
    results = await post_batch(api, [nps(9)], key="k" * 251)
    assert results[0]["status"] == "created"

    async with changes_nothing(service.db):
        response = await api.post(
            "/v1/responses/batch",
            json={"responses": [nps(9)]},
            headers={"Idempotency-Key": "k" * 252},
        )
    assert_problem(response, "validation-failed", fields=["Idempotency-Key"])


async def test_one_key_repeated_inside_a_batch_is_judged_against_its_first_use(
    service: Service, api: httpx.AsyncClient
) -> None:
    items: list[Any] = [
        nps(9, idempotency_key="x"),
        nps(9, idempotency_key="x"),
        nps(10, idempotency_key="x"),
        nps(9, idempotency_key="y"),
        nps(9, idempotency_key="x"),
    ]

    results = await post_batch(api, items)

    x = results[0]["id"]
    assert results == [
        created(0, results[0]),
        {"index": 1, "status": "duplicate", "id": x},
        {"index": 2, "status": "conflict", "id": x},
        created(3, results[3]),
        {"index": 4, "status": "duplicate", "id": x},
    ]
    assert await stored_count(service.db) == 2
    assert await counted_total(service.db) == 2


async def test_items_already_posted_one_by_one_are_duplicates_in_a_batch(
    service: Service, api: httpx.AsyncClient
) -> None:
    single = await api.post("/v1/responses", json=nps(9, idempotency_key="pos-1:1"))
    assert single.status_code == 201

    results = await post_batch(
        api, [nps(9, idempotency_key="pos-1:1"), nps(3, idempotency_key="pos-1:1")]
    )

    assert results == [
        {"index": 0, "status": "duplicate", "id": single.json()["id"]},
        {"index": 1, "status": "conflict", "id": single.json()["id"]},
    ]
    assert await counted_total(service.db) == 1


async def test_a_batch_of_invalid_items_only_stores_nothing(
    service: Service, api: httpx.AsyncClient
) -> None:
    await post_batch(api, [nps(9)])
    async with changes_nothing(service.db):
        results = await post_batch(api, [nps(-1), {"metric": "nps"}, "nps 9"])
    assert [r["status"] for r in results] == ["invalid"] * 3


async def test_a_batch_holds_up_to_1000_items(service: Service, api: httpx.AsyncClient) -> None:
    items: list[Any] = [nps(i % 11, touchpoint=f"t{i % 7}") for i in range(1000)]

    results = await post_batch(api, items)

    assert [r["status"] for r in results] == ["created"] * 1000
    assert len({r["id"] for r in results}) == 1000
    assert await stored_count(service.db) == 1000
    assert await counted_total(service.db) == 1000


async def test_a_malformed_envelope_is_rejected_whole_and_writes_nothing(
    service: Service, api: httpx.AsyncClient
) -> None:
    await post_batch(api, [nps(9)])
    cases: list[tuple[Any, list[str]]] = [
        ({}, ["responses"]),
        ({"responses": []}, ["responses"]),
        ({"responses": [nps(9)] * 1001}, ["responses"]),
        ({"responses": nps(9)}, ["responses"]),
        ({"responses": "all of them"}, ["responses"]),
        ({"responses": None}, ["responses"]),
        ({"responses": [nps(9)], "dry_run": True}, ["dry_run"]),
        ([nps(9)], ["body"]),
    ]
    for body, fields in cases:
        async with changes_nothing(service.db):
            response = await api.post("/v1/responses/batch", json=body)
        assert_problem(response, "validation-failed", fields=fields)
