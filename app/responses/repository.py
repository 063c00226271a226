"""Every SQL statement about responses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import (
    Select,
    Table,
    and_,
    delete,
    insert,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import DriverStatement, sqlite_timestamp
from app.dimensions.filters import ResponseFilter
from app.dimensions.repository import dimension_conditions
from app.responses.idempotency import Seen
from app.responses.models import SurveyResponse
from app.responses.records import IdempotencyScope, NewResponse, StoredResponse

TABLE = cast(Table, SurveyResponse.__table__)
_COLUMNS = [column.name for column in TABLE.columns]
_PUBLIC_COLUMNS = [
    TABLE.c[name]
    for name in (
        "id",
        "metric",
        "score",
        "comment",
        "survey",
        "touchpoint",
        "channel",
        "location",
        "properties",
        "locale",
        "responded_at",
        "received_at",
        "updated_at",
        "idempotency_key",
    )
]
_inserts: dict[str, DriverStatement] = {}
# Where a listing stopped: (responded_at, id) of the last row given out.
ListPosition = tuple[datetime, uuid.UUID]
_IN_CHUNK = 500


def _insert(dialect: Dialect) -> DriverStatement:
    if dialect.name not in _inserts:
        _inserts[dialect.name] = DriverStatement.compile(insert(TABLE), dialect, _COLUMNS)
    return _inserts[dialect.name]


def to_stored(row: Any) -> StoredResponse:
    return StoredResponse(**row._mapping)


async def insert_many(connection: AsyncConnection, items: Sequence[NewResponse]) -> None:
    if not items:
        return
    statement = _insert(connection.dialect)
    if connection.dialect.name == "sqlite":
        rows = [_sqlite_row(item) for item in items]
    else:
        rows = [_postgresql_row(item) for item in items]
    await connection.exec_driver_sql(statement.sql, rows)


def _postgresql_row(item: NewResponse) -> tuple[Any, ...]:
    """Values in the order of the table's columns (DriverStatement checks that order)."""
    r = item.stored
    return (
        r.id, r.metric, r.score, r.comment, r.survey, r.touchpoint, r.channel, r.location,
        item.respondent_hash, orjson.dumps(r.properties).decode(), r.locale,
        r.responded_at, r.received_at, r.updated_at, r.idempotency_key, item.fingerprint,
        item.key_id, item.idempotency_namespace,
    )  # fmt: skip


def _sqlite_row(item: NewResponse) -> tuple[Any, ...]:
    r = item.stored
    received = sqlite_timestamp(r.received_at)
    updated = received if r.updated_at == r.received_at else sqlite_timestamp(r.updated_at)
    return (
        r.id.hex, r.metric, r.score, r.comment, r.survey, r.touchpoint, r.channel, r.location,
        item.respondent_hash, orjson.dumps(r.properties).decode(), r.locale,
        sqlite_timestamp(r.responded_at), received, updated, r.idempotency_key,
        item.fingerprint, item.key_id, item.idempotency_namespace,
    )  # fmt: skip


async def find_by_idempotency_keys(
    connection: AsyncConnection, keys: Sequence[IdempotencyScope]
) -> dict[IdempotencyScope, Seen]:
    """What each (namespace, key) pair already made, found through their unique index.

    A group commit carries few namespaces, so one ``namespace IN … AND key IN …`` per
    chunk reads the index; pairs it finds that were not asked for are dropped here.
    """
    wanted = set(keys)
    namespaces = sorted({namespace for namespace, _ in wanted})
    names = sorted({key for _, key in wanted})
    found: dict[IdempotencyScope, Seen] = {}
    for start in range(0, len(names), _IN_CHUNK):
        chunk = names[start : start + _IN_CHUNK]
        result = await connection.execute(
            select(*_PUBLIC_COLUMNS, TABLE.c.request_fingerprint, TABLE.c.idempotency_namespace)
            .where(TABLE.c.idempotency_namespace.in_(namespaces))
            .where(TABLE.c.idempotency_key.in_(chunk))
        )
        for row in result:
            values = dict(row._mapping)
            fingerprint = values.pop("request_fingerprint")
            pair = (values.pop("idempotency_namespace"), values["idempotency_key"])
            if pair in wanted:
                found[pair] = (fingerprint, StoredResponse(**values))
    return found


async def get(connection: AsyncConnection, response_id: uuid.UUID) -> StoredResponse | None:
    result = await connection.execute(select(*_PUBLIC_COLUMNS).where(TABLE.c.id == response_id))
    row = result.first()
    return to_stored(row) if row else None


async def update_comment(
    connection: AsyncConnection, response_id: uuid.UUID, comment: str | None, at: datetime
) -> StoredResponse | None:
    result = await connection.execute(
        update(TABLE)
        .where(TABLE.c.id == response_id)
        .values(comment=comment, updated_at=at)
        .returning(*_PUBLIC_COLUMNS)
    )
    row = result.first()
    return to_stored(row) if row else None


async def find_for_update(
    connection: AsyncConnection, key: IdempotencyScope
) -> StoredResponse | None:
    """The response a (namespace, idempotency key) made, locked until the transaction ends
    (PostgreSQL; a SQLite write transaction holds the whole database already)."""
    namespace, name = key
    result = await connection.execute(
        select(*_PUBLIC_COLUMNS)
        .where(TABLE.c.idempotency_namespace == namespace, TABLE.c.idempotency_key == name)
        .with_for_update()
    )
    row = result.first()
    return to_stored(row) if row else None


async def update_answer(
    connection: AsyncConnection,
    response_id: uuid.UUID,
    score: int,
    comment: str | None,
    fingerprint: str | None,
    at: datetime,
) -> StoredResponse:
    """Score and comment sent again; the fingerprint follows, so a replay matches them."""
    result = await connection.execute(
        update(TABLE)
        .where(TABLE.c.id == response_id)
        .values(score=score, comment=comment, request_fingerprint=fingerprint, updated_at=at)
        .returning(*_PUBLIC_COLUMNS)
    )
    return to_stored(result.one())


async def delete_by_respondent(
    connection: AsyncConnection, respondent_hashes: Sequence[str]
) -> list[Any]:
    """Delete and return what the hourly counts need to forget them."""
    result = await connection.execute(
        delete(TABLE)
        .where(TABLE.c.respondent_hash.in_(respondent_hashes))
        .returning(
            TABLE.c.metric,
            TABLE.c.responded_at,
            TABLE.c.survey,
            TABLE.c.touchpoint,
            TABLE.c.channel,
            TABLE.c.location,
            TABLE.c.score,
        )
    )
    return list(result.all())


def _listing(
    query: ResponseFilter, updated_since: datetime | None, after: ListPosition | None
) -> Select[Any]:
    conditions = dimension_conditions(TABLE.c, query)
    if query.since is not None:
        conditions.append(TABLE.c.responded_at >= query.since)
    if query.until is not None:
        conditions.append(TABLE.c.responded_at < query.until)
    if updated_since is not None:
        conditions.append(TABLE.c.updated_at >= updated_since)
    if after is not None:
        conditions.append(tuple_(TABLE.c.responded_at, TABLE.c.id) > tuple_(*after))
    return (
        select(*_PUBLIC_COLUMNS)
        .where(and_(true(), *conditions))
        .order_by(TABLE.c.responded_at, TABLE.c.id)
    )


async def list_page(
    connection: AsyncConnection,
    query: ResponseFilter,
    updated_since: datetime | None,
    after: ListPosition | None,
    limit: int,
) -> list[StoredResponse]:
    result = await connection.execute(_listing(query, updated_since, after).limit(limit))
    return [to_stored(row) for row in result]


async def stream(
    connection: AsyncConnection,
    query: ResponseFilter,
    updated_since: datetime | None,
    after: ListPosition | None,
    limit: int | None,
) -> AsyncIterator[StoredResponse]:
    statement = _listing(query, updated_since, after)
    if limit is not None:
        statement = statement.limit(limit)
    result = await connection.stream(statement.execution_options(yield_per=1000))
    async for row in result:
        yield to_stored(row)
