"""Listing and exporting responses: keyset pages, and CSV / NDJSON streams of everything."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from app.db import Database
from app.problems import FieldError
from app.responses import repository
from app.responses.errors import InvalidCursor
from app.responses.filters import ResponseFilter
from app.responses.records import StoredResponse

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
    cursor: str | None = None
    limit: int | None = None

    def fingerprint(self) -> str:
        return self.filter.fingerprint(self.updated_since)


def encode_cursor(last: StoredResponse, fingerprint: str) -> str:
    payload = orjson.dumps([last.responded_at.isoformat(), str(last.id), fingerprint])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str) -> repository.ListPosition:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, response_id, cursor_fingerprint = orjson.loads(base64.urlsafe_b64decode(padded))
        position = (datetime.fromisoformat(at), uuid.UUID(response_id))
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as error:
        raise _bad_cursor("not a cursor this service gave out") from error
    if position[0].tzinfo is None:  # never given out; a naive time would fail in the query
        raise _bad_cursor("not a cursor this service gave out")
    if cursor_fingerprint != fingerprint:
        raise _bad_cursor("the cursor belongs to a query with other filters")
    return position


def _bad_cursor(message: str) -> InvalidCursor:
    return InvalidCursor("Start again without `cursor`.", errors=[FieldError("cursor", message)])


async def page(
    db: Database, query: ExportQuery, limit: int
) -> tuple[list[StoredResponse], str | None]:
    fingerprint = query.fingerprint()
    after = decode_cursor(query.cursor, fingerprint) if query.cursor else None
    async with db.engine.connect() as connection:
        rows = await repository.list_page(
            connection, query.filter, query.updated_since, after, limit + 1
        )
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1], fingerprint)


async def _rows(db: Database, query: ExportQuery) -> AsyncIterator[StoredResponse]:
    after = decode_cursor(query.cursor, query.fingerprint()) if query.cursor else None
    async with db.engine.connect() as connection:
        async for row in repository.stream(
            connection, query.filter, query.updated_since, after, query.limit
        ):
            yield row


def check(query: ExportQuery) -> None:
    """Fail before a stream starts, while a problem+json answer is still possible."""
    if query.cursor:
        decode_cursor(query.cursor, query.fingerprint())


async def ndjson_stream(db: Database, query: ExportQuery) -> AsyncIterator[bytes]:
    chunk: list[bytes] = []
    async for row in _rows(db, query):
        chunk.append(orjson.dumps(row.to_api()) + b"\n")
        if len(chunk) >= _STREAM_FLUSH_ROWS:
            yield b"".join(chunk)
            chunk = []
    if chunk:
        yield b"".join(chunk)


async def csv_stream(db: Database, query: ExportQuery) -> AsyncIterator[bytes]:
    """RFC 4180 CSV, header row first even when nothing matches; properties as JSON."""
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
