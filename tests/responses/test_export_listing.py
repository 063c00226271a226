"""GET /v1/responses (JSON pages) and GET /v1/responses/{id}: filters, bounds, the cursor."""

from __future__ import annotations

import base64
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dimensions.filters import ResponseFilter
from app.keys.scopes import Scope
from tests.support.ingest_support import (
    assert_response_shape,
    empty_tables,
    hours_ago,
    now,
    nps,
    parse_z,
    set_times,
    z,
)
from tests.support.problems import assert_problem
from tests.support.service import Service

Params = list[tuple[str, str | int | float | bool | None]]
MAX_PAGES = 200  # a walk that repeats itself must fail, not hang


async def seed(api: httpx.AsyncClient, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store the items; their stored objects, in the order given."""
    ids: list[str] = []
    for start in range(0, len(items), 1000):
        response = await api.post("/v1/responses/batch", json={"responses": items[start:][:1000]})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert {r["status"] for r in results} == {"created"}, results
        ids.extend(r["id"] for r in results)
    listed = {row["id"]: row for row in await walk(api, [], 1000)}
    return [listed[i] for i in ids]


async def page(api: httpx.AsyncClient, params: Params) -> tuple[list[dict[str, Any]], str | None]:
    response = await api.get("/v1/responses", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"data", "next_cursor"}
    return body["data"], body["next_cursor"]


async def walk(api: httpx.AsyncClient, params: Params, limit: int) -> list[dict[str, Any]]:
    """Every page of a listing, following next_cursor to the end."""
    rows, cursor = [], None
    for _ in range(MAX_PAGES):
        cursor_param: Params = [("cursor", cursor)] if cursor else []
        data, cursor = await page(api, [*params, ("limit", limit), *cursor_param])
        assert len(data) <= limit
        rows.extend(data)
        if cursor is None:
            return rows
        assert len(data) == limit, "a page before the last one is full"
    raise AssertionError(f"the walk did not end after {MAX_PAGES} pages")


def in_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documented order: responded_at, then id."""
    return sorted(rows, key=order_key)


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


async def test_the_listing_gives_full_objects_ordered_by_responded_at_then_id(
    api: httpx.AsyncClient,
) -> None:
    base = hours_ago(30)
    stored = await seed(
        api,
        [
            nps(i % 11, responded_at=z(base + timedelta(minutes=(i * 7) % 5)), comment=f"c{i}")
            for i in range(12)
        ],
    )

    data, next_cursor = await page(api, [])

    assert next_cursor is None
    assert data == in_order(stored)
    for row in data:
        assert_response_shape(row)
        assert (await api.get(f"/v1/responses/{row['id']}")).json() == row


async def seed_dimensions(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    """36 answers: every combination of two metrics, two surveys, three touchpoints and
    three channel/location pairs."""
    return await seed(
        api,
        [
            {
                "metric": metric,
                "score": 5,
                "survey": survey,
                "touchpoint": touchpoint,
                "channel": channel,
                "location": location,
            }
            for metric in ("nps", "csat")
            for survey in ("default", "onboarding")
            for touchpoint in ("checkout", "delivery", None)
            for channel, location in (("web", None), ("pos", "store-1"), ("kiosk", "store-2"))
        ],
    )


async def assert_filters(
    api: httpx.AsyncClient, stored: list[dict[str, Any]], cases: list[Params]
) -> None:
    """Each query lists exactly the stored answers that match every filter it names,
    any of the values of a repeated one, in order."""
    for params in cases:
        wanted: dict[str, set[str]] = {}
        for name, value in params:
            wanted.setdefault(name, set()).add(str(value))
        expected = [r for r in stored if all(r[n] in values for n, values in wanted.items())]
        assert expected or params == cases[-1], f"{params} tests nothing"

        data, _ = await page(api, [*params, ("limit", 1000)])

        assert ids(data) == ids(in_order(expected)), params


async def test_each_dimension_filter_narrows_and_a_repeated_one_means_any_of(
    api: httpx.AsyncClient,
) -> None:
    stored = await seed_dimensions(api)
    await assert_filters(
        api,
        stored,
        [
            [("metric", "csat")],
            [("survey", "onboarding")],
            [("touchpoint", "checkout")],
            [("touchpoint", "checkout"), ("touchpoint", "delivery")],
            [("channel", "pos")],
            [("channel", "pos"), ("channel", "web")],
            [("location", "store-2")],
            [("location", "store-1"), ("location", "store-2"), ("location", "store-9")],
            [("metric", "nps"), ("survey", "default"), ("channel", "kiosk"), ("channel", "web")],
            [("survey", "default"), ("touchpoint", "checkout"), ("location", "store-1")],
            [("metric", "nps"), ("survey", "default"), ("touchpoint", "x")],
        ],
    )


async def test_filter_values_are_checked(api: httpx.AsyncClient) -> None:
    cases: list[tuple[Params, list[str]]] = [
        ([("metric", "NPS")], ["metric"]),
        ([("channel", "sms")], ["channel.0"]),
        ([("channel", "web"), ("channel", "fax")], ["channel.1"]),
        ([("survey", "Not A Slug")], ["survey.0"]),
        ([("touchpoint", "checkout"), ("touchpoint", "-x")], ["touchpoint.1"]),
        ([("location", "a/b")], ["location.0"]),
        ([("format", "xml")], ["format"]),
        ([("since", "2026-11-20T14:03:11")], ["since"]),
        ([("until", "yesterday")], ["until"]),
        ([("updated_since", "2026-11-20")], ["updated_since"]),
    ]
    for params, fields in cases:
        response = await api.get("/v1/responses", params=params)
        assert_problem(response, "validation-failed", fields=fields)


async def test_since_and_until_are_half_open_on_responded_at(api: httpx.AsyncClient) -> None:
    since, until = hours_ago(10), hours_ago(4)
    moments = [
        since - timedelta(seconds=1),
        since,
        since + timedelta(seconds=1),
        until - timedelta(seconds=1),
        until,
        until + timedelta(seconds=1),
    ]
    stored = await seed(api, [nps(responded_at=z(at)) for at in moments])

    both, _ = await page(api, [("since", z(since)), ("until", z(until))])
    from_since, _ = await page(api, [("since", z(since))])
    to_until, _ = await page(api, [("until", z(until))])
    # Offsets other than Z name the same instants (a + must be sent as %2B).
    shifted = (since.astimezone().isoformat(), until.astimezone().isoformat())
    offsets, _ = await page(api, [("since", shifted[0]), ("until", shifted[1])])

    assert ids(both) == ids(stored[1:4]) == ids(offsets)
    assert ids(from_since) == ids(stored[1:])
    assert ids(to_until) == ids(stored[:4])


async def test_updated_since_lists_what_changed_since_then_inclusive(
    service: Service, api: httpx.AsyncClient
) -> None:
    stored = await seed(api, [nps(responded_at=z(hours_ago(50 - i))) for i in range(4)])
    long_ago = hours_ago(24)
    for row in stored:
        await set_times(service.db, row["id"], received_at=long_ago, updated_at=long_ago)
    cut = hours_ago(1)

    patched = await api.patch(f"/v1/responses/{stored[2]['id']}", json={"comment": "later"})
    assert patched.status_code == 200

    changed, _ = await page(api, [("updated_since", z(cut))])
    everything, _ = await page(api, [("updated_since", z(long_ago))])
    after_all, _ = await page(api, [("updated_since", z(long_ago + timedelta(seconds=1)))])
    assert changed == [patched.json()]
    assert ids(everything) == ids(stored)
    assert after_all == [patched.json()]


async def test_a_page_holds_100_by_default_and_limit_is_1_to_1000(
    service: Service, api: httpx.AsyncClient
) -> None:
    stored = await seed(api, [nps(i % 11) for i in range(101)])

    default, cursor = await page(api, [])
    assert ids(default) == ids(in_order(stored)[:100])
    assert cursor is not None
    one, cursor = await page(api, [("limit", 1)])
    assert ids(one) == ids(in_order(stored)[:1])
    assert cursor is not None
    for limit in (101, 1000):
        everything, cursor = await page(api, [("limit", limit)])
        assert ids(everything) == ids(in_order(stored))
        assert cursor is None

    for bad in (0, -1, 1001, "ten", ""):
        response = await api.get("/v1/responses", params={"limit": bad})
        assert_problem(response, "validation-failed", fields=["limit"])


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(0, 40),
    instants=st.integers(1, 3),
    limit=st.integers(1, 9),
    metric_filter=st.booleans(),
)
async def test_walking_the_cursor_returns_every_match_exactly_once_in_order(
    service: Service,
    api: httpx.AsyncClient,
    count: int,
    instants: int,
    limit: int,
    metric_filter: bool,
) -> None:
    # Few distinct responded_at values: most rows tie, and only the id tells them apart.
    await empty_tables(service.db)
    base = hours_ago(3)
    items = [
        {
            "metric": ("nps", "csat")[i % 2],
            "score": 1 + i % 5,
            "responded_at": z(base + timedelta(seconds=i % instants)),
        }
        for i in range(count)
    ]
    stored = await seed(api, items) if items else []
    params: Params = [("metric", "csat")] if metric_filter else []
    expected = [r for r in stored if r["metric"] == "csat" or not metric_filter]

    walked = await walk(api, params, limit)

    assert ids(walked) == ids(in_order(expected))


async def test_the_walk_gives_every_answer_once_while_new_answers_arrive(
    service: Service, api: httpx.AsyncClient
) -> None:
    base = hours_ago(20)
    stored = await seed(
        api, [nps(i % 11, responded_at=z(base + timedelta(minutes=i // 3))) for i in range(45)]
    )
    walked: list[dict[str, Any]] = []
    ahead: list[str] = []  # arrived after the walk's position: it must reach them
    behind: list[str] = []  # arrived before its position: a keyset walk cannot go back
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        cursor_param: Params = [("cursor", cursor)] if cursor else []
        data, cursor = await page(api, [("limit", 7), *cursor_param])
        walked.extend(data)
        if cursor is None:
            break
        position = order_key(data[-1])
        last = parse_z(data[-1]["responded_at"])
        arrivals = [
            nps(10, responded_at=z(min(last + timedelta(minutes=5), now()))),
            nps(10, responded_at=z(last)),  # ties: the id decides
            nps(10, responded_at=z(last)),
            nps(0, responded_at=z(last - timedelta(minutes=5))),
            nps(5),  # now
        ]
        for row in await seed(api, arrivals):
            (ahead if order_key(row) > position else behind).append(row["id"])
    else:
        raise AssertionError(f"the walk did not end after {MAX_PAGES} pages")

    seen = Counter(ids(walked))
    assert max(seen.values()) == 1, "an answer was given twice"
    assert all(seen[row["id"]] == 1 for row in stored), "an answer stored before was missed"
    assert all(seen[i] == 1 for i in ahead), "an answer that arrived ahead was missed"
    assert not any(seen[i] for i in behind)
    assert len(ahead) > 6
    assert ids(walked) == ids(in_order(walked))


def order_key(row: dict[str, Any]) -> tuple[str, uuid.UUID]:
    return row["responded_at"], uuid.UUID(row["id"])


async def test_a_cursor_is_only_valid_for_the_query_that_gave_it(
    api: httpx.AsyncClient,
) -> None:
    await seed(api, [nps(i, channel="pos") for i in range(5)])
    base: Params = [("metric", "nps"), ("channel", "pos"), ("since", z(hours_ago(2)))]
    first, cursor = await page(api, [*base, ("limit", 2)])
    assert cursor is not None

    # The page size may change between pages; the filters may not.
    rest, end = await page(api, [*base, ("limit", 10), ("cursor", cursor)])
    assert len(first) + len(rest) == 5
    assert end is None
    for other in (
        [("metric", "nps"), ("channel", "pos")],
        [("metric", "csat"), ("channel", "pos"), ("since", z(hours_ago(2)))],
        [("channel", "pos"), ("since", z(hours_ago(2)))],
        [*base, ("channel", "api")],
        [*base, ("touchpoint", "checkout")],
        [*base, ("survey", "default")],
        [*base, ("until", z(hours_ago(-1)))],
        [*base, ("updated_since", z(hours_ago(2)))],
        [("metric", "nps"), ("channel", "pos"), ("since", z(hours_ago(3)))],
    ):
        response = await api.get("/v1/responses", params=[*other, ("cursor", cursor)])
        body = assert_problem(response, "invalid-cursor", fields=["cursor"])
        assert "other filters" in body["errors"][0]["message"]


def _cursor(payload: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


async def test_a_cursor_this_service_did_not_give_out_is_rejected(
    api: httpx.AsyncClient,
) -> None:
    fingerprint = ResponseFilter().fingerprint(None)
    forged = [
        "garbage",
        "!!!",
        "ąę",
        "x" * 512,
        _cursor("just text"),
        _cursor([1, 2]),
        _cursor({"a": 1, "b": 2, "c": 3}),
        _cursor(["2026-11-20T14:03:11+00:00", "not-a-uuid", fingerprint]),
        _cursor(["yesterday", str(uuid.uuid4()), fingerprint]),
        # Well formed and with the right fingerprint, but with a time without offset.
        _cursor(["2026-11-20T14:03:11", str(uuid.uuid4()), fingerprint]),
    ]
    for cursor in forged:
        for fmt in ("json", "ndjson", "csv"):
            response = await api.get("/v1/responses", params={"cursor": cursor, "format": fmt})
            assert_problem(response, "invalid-cursor", fields=["cursor"])
    too_long = await api.get("/v1/responses", params={"cursor": "x" * 513})
    assert_problem(too_long, "validation-failed", fields=["cursor"])


async def test_one_response_is_read_by_id(service: Service, api: httpx.AsyncClient) -> None:
    created = await api.post("/v1/responses", json=nps(9, properties={"a": "b"}))

    fetched = await api.get(f"/v1/responses/{created.json()['id']}")
    missing = await api.get(f"/v1/responses/{uuid.uuid4()}")
    not_an_id = await api.get("/v1/responses/latest")

    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "application/json"
    assert fetched.json() == created.json()
    assert_problem(missing, "response-not-found")
    assert_problem(not_an_id, "validation-failed", fields=["response_id"])


async def test_reading_needs_a_key_with_responses_read(service: Service) -> None:
    writer = await service.client_with(Scope.RESPONSES_WRITE, Scope.SCORES_READ, Scope.ADMIN)
    async with writer:
        created = await writer.post("/v1/responses", json=nps())
        one = f"/v1/responses/{created.json()['id']}"
        listing = [("/v1/responses", {"format": fmt}) for fmt in ("json", "csv", "ndjson")]
        for path, params in [*listing, (one, {})]:
            response = await writer.get(path, params=params)
            assert_problem(response, "forbidden")
            anonymous = await service.client.get(path, params=params)
            assert_problem(anonymous, "unauthenticated")
