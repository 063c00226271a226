"""Listing and exporting responses: keyset pages, and CSV / NDJSON streams of everything."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from app.db import Database
from app.dimensions.filters import ResponseFilter
from app.responses import repository
from app.responses.export_cursors import CursorSigner
from app.responses.records import StoredResponse
from app.responses.repository import ListPosition

CSV_COLUMNS = (
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
)
_STREAM_FLUSH_ROWS = 500


@dataclass(frozen=True)
class ExportQuery:
    filter: ResponseFilter
    updated_since: datetime | None = None
    after: ListPosition | None = None
    limit: int | None = None

    @classmethod
    def read(
        cls,
        cursors: CursorSigner,
        filter: ResponseFilter,
        updated_since: datetime | None,
        cursor: str | None,
        limit: int | None,
    ) -> ExportQuery:
        """The query, its cursor checked: a bad one fails here, before any stream starts."""
        fingerprint = filter.fingerprint(updated_since)
        after = cursors.read(cursor, fingerprint) if cursor else None
        return cls(filter, updated_since, after, limit)


async def page(
    db: Database, cursors: CursorSigner, query: ExportQuery, limit: int
) -> tuple[list[StoredResponse], str | None]:
    async with db.engine.connect() as connection:
        rows = await repository.list_page(
            connection, query.filter, query.updated_since, query.after, limit + 1
        )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = (rows[-1].responded_at, rows[-1].id)
    return rows, cursors.issue(last, query.filter.fingerprint(query.updated_since))


async def _rows(db: Database, query: ExportQuery) -> AsyncIterator[StoredResponse]:
    async with db.engine.connect() as connection:
        async for row in repository.stream(
            connection, query.filter, query.updated_since, query.after, query.limit
        ):
            yield row


async def ndjson_stream(db: Database, query: ExportQuery) -> AsyncIterator[bytes]:
    return await _opened(_ndjson_chunks(db, query))


async def csv_stream(db: Database, query: ExportQuery) -> AsyncIterator[bytes]:
    """RFC 4180 CSV, header row first even when nothing matches; properties as JSON."""
    return await _opened(_csv_chunks(db, query))


async def _opened(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """``chunks`` with the first one read: an unreachable database is a 503, not a cut-off 200."""
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    return _after(first, chunks)


async def _after(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


async def _ndjson_chunks(db: Database, query: ExportQuery) -> AsyncIterator[bytes]:
    chunk: list[bytes] = []
    async for row in _rows(db, query):
        chunk.append(orjson.dumps(row.to_api()) + b"\n")
        if len(chunk) >= _STREAM_FLUSH_ROWS:
            yield b"".join(chunk)
            chunk = []
    if chunk:
        yield b"".join(chunk)


async def _csv_chunks(db: Database, query: ExportQuery) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = 0
    async for row in _rows(db, query):
        writer.writerow(_csv_values(row.to_api()))
        rows += 1
        if rows % _STREAM_FLUSH_ROWS == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _csv_values(api: dict[str, Any]) -> list[Any]:
    values = dict(api, properties=orjson.dumps(api["properties"]).decode())
    return ["" if values[column] is None else values[column] for column in CSV_COLUMNS]


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data
