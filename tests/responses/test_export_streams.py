"""format=ndjson and format=csv: every matching row, streamed, the same as the JSON pages."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson

from tests.support.ingest_support import hours_ago, nps, z
from tests.support.problems import assert_problem
from tests.support.service import Service

CSV_HEADER = [
    "id",
    "metric",
    "score",
    "comment",
    "survey",
    "touchpoint",
    "channel",
    "location",
    "locale",
    "properties",
    "responded_at",
    "received_at",
    "updated_at",
    "idempotency_key",
]
# Comments are customers' own words: the CSV must carry them whatever they hold.
AWKWARD_COMMENTS = [
    'She said "fine", then left',
    "line one\nline two\r\nline three",
    "semi;colon, comma\ttab",
    '=HYPERLINK("http://x")',
    "zażółć gęślą jaźń 🙂",
    " leading and trailing spaces ",
    "",
]


async def json_export(api: httpx.AsyncClient, params: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):  # a walk that repeats itself must fail, not hang
        extra = {"cursor": cursor} if cursor else {}
        response = await api.get("/v1/responses", params={**params, "limit": 1000, **extra})
        assert response.status_code == 200, response.text
        rows.extend(response.json()["data"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return rows
    raise AssertionError("the walk did not end")


async def ndjson_export(api: httpx.AsyncClient, params: dict[str, str]) -> list[dict[str, Any]]:
    response = await api.get("/v1/responses", params={**params, "format": "ndjson"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.content == b"" or response.content.endswith(b"\n")
    return [orjson.loads(line) for line in response.content.splitlines()]


async def csv_export(api: httpx.AsyncClient, params: dict[str, str]) -> list[list[str]]:
    response = await api.get("/v1/responses", params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="responses.csv"'
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))


def as_csv_row(row: dict[str, Any]) -> list[str]:
    """A JSON export row as the CSV export writes it: text, properties as JSON, null empty."""
    values = {**row, "properties": orjson.dumps(row["properties"]).decode()}
    return ["" if values[name] is None else str(values[name]) for name in CSV_HEADER]


async def seed_many(api: httpx.AsyncClient, count: int) -> datetime:
    """``count`` varied answers, four per second from the instant returned."""
    base = hours_ago(40)
    items = [
        {
            "metric": ("nps", "ces", "csat")[i % 3],
            "score": 1 + i % 5,
            "comment": AWKWARD_COMMENTS[i % len(AWKWARD_COMMENTS)] if i % 4 else None,
            "touchpoint": "checkout" if i % 2 else None,
            "channel": ("api", "pos", "web")[i % 3],
            "properties": {"n": str(i), "quote": 'a "b"'} if i % 5 == 0 else {},
            "locale": "pl" if i % 6 == 0 else None,
            "responded_at": z(base + timedelta(seconds=i // 4)),
            "idempotency_key": f"seed:{i}" if i % 7 == 0 else None,
        }
        for i in range(count)
    ]
    for start in range(0, count, 1000):
        response = await api.post("/v1/responses/batch", json={"responses": items[start:][:1000]})
        assert response.status_code == 200, response.text
    return base


async def test_ndjson_streams_every_matching_row_as_the_json_pages_give_it(
    api: httpx.AsyncClient,
) -> None:
    base = await seed_many(api, 620)  # more than one of the stream's 500-row chunks
    since = z(base + timedelta(seconds=100))

    for params in (
        {},
        {"metric": "csat"},
        {"channel": "pos", "since": since},
        {"touchpoint": "checkout", "survey": "default"},
    ):
        expected = await json_export(api, params)
        assert expected or params == {}
        assert await ndjson_export(api, params) == expected, params
    assert len(await ndjson_export(api, {})) == 620


async def test_csv_streams_every_matching_row_after_its_header(api: httpx.AsyncClient) -> None:
    base = await seed_many(api, 620)
    until = z(base + timedelta(seconds=200))

    for params in ({}, {"metric": "ces"}, {"channel": "web", "until": until}):
        expected = await json_export(api, params)
        assert expected, params
        header, *rows = await csv_export(api, params)

        assert header == CSV_HEADER
        assert rows == [as_csv_row(row) for row in expected], params
    comments = {row[3] for row in (await csv_export(api, {}))[1:]}
    assert comments == set(AWKWARD_COMMENTS)  # "" is both no comment and an empty one


async def test_an_empty_export_is_a_csv_header_alone_and_an_empty_ndjson(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/v1/responses", params={"format": "csv"})
    assert response.status_code == 200
    assert response.content == (",".join(CSV_HEADER) + "\r\n").encode()

    await api.post("/v1/responses", json=nps(9))
    assert await csv_export(api, {"metric": "ces"}) == [CSV_HEADER]
    assert await ndjson_export(api, {"metric": "ces"}) == []


async def test_streams_take_the_same_validation_as_the_pages(
    service: Service, api: httpx.AsyncClient
) -> None:
    for fmt in ("csv", "ndjson"):
        for params, fields in [
            ({"metric": "stars"}, ["metric"]),
            ({"since": "2026-11-20T14:03:11"}, ["since"]),
            ({"channel": "fax"}, ["channel.0"]),
        ]:
            response = await api.get("/v1/responses", params={**params, "format": fmt})
            assert_problem(response, "validation-failed", fields=fields)
