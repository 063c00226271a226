"""Every SQL statement about scores: keeping the hourly counts, and reading them back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import DriverStatement, driver_value
from app.responses.filters import ResponseFilter
from app.responses.models import SurveyResponse
from app.responses.repository import dimension_conditions
from app.scores.models import SCALE_COLUMNS, HourlyCounts
from app.scores.rollup import RollupKey
from app.scoring import HOUR, Counts

_KEY_COLUMNS = ("metric", "hour", "survey", "touchpoint", "channel", "location")
_upserts: dict[str, DriverStatement] = {}


def _upsert(dialect: Dialect) -> DriverStatement:
    """INSERT … ON CONFLICT DO UPDATE SET cN = cN + excluded.cN, same text on both dialects."""
    if dialect.name not in _upserts:
        table = cast(Table, HourlyCounts.__table__)
        insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        statement = insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=list(_KEY_COLUMNS),
            set_={name: table.c[name] + statement.excluded[name] for name in SCALE_COLUMNS},
        )
        _upserts[dialect.name] = DriverStatement.compile(
            statement, dialect, [*_KEY_COLUMNS, *SCALE_COLUMNS]
        )
    return _upserts[dialect.name]


async def add_counts(
    connection: AsyncConnection, deltas: Mapping[RollupKey, Sequence[int]]
) -> None:
    """Apply count changes. Rows go in key order so concurrent writers cannot deadlock."""
    if not deltas:
        return
    statement = _upsert(connection.dialect)
    dialect = connection.dialect.name
    rows = [
        (metric, driver_value(dialect, hour), *dimensions, *deltas[key])
        for key in sorted(deltas)
        for metric, hour, *dimensions in (key,)
    ]
    await connection.exec_driver_sql(statement.sql, rows)


# A group's key: the value of the group_by dimension, None when absent (or no group_by).
GroupKey = str | None
_HOURLY = HourlyCounts.__table__
_RESPONSES = SurveyResponse.__table__
_SUMS = [func.sum(_HOURLY.c[name]).label(name) for name in SCALE_COLUMNS]
_OR_CHUNK = 100


def _group_column(table: Any, group_by: str | None) -> list[Any]:
    return [table.c[group_by].label("group_key")] if group_by else []


def _group_key(row: Any, group_by: str | None) -> GroupKey:
    return (row.group_key or None) if group_by else None  # rollup keeps absent as ""


def _counts(row: Any) -> Counts:
    """The sums, which every rollup query selects last (SUM is NULL over no rows)."""
    return tuple(int(value or 0) for value in row[-len(SCALE_COLUMNS) :])


async def totals(
    connection: AsyncConnection,
    query: ResponseFilter,
    hours: tuple[datetime, datetime],
    group_by: str | None,
) -> dict[GroupKey, Counts]:
    """Counts over the whole rollup hours [from, to), per group."""
    if hours[0] >= hours[1]:
        return {}
    group = _group_column(_HOURLY, group_by)
    statement = (
        select(*group, *_SUMS)
        .where(_hour_range(hours), *dimension_conditions(_HOURLY.c, query))
        .group_by(*group)
    )
    result = await connection.execute(statement)
    return {_group_key(row, group_by): _counts(row) for row in result}


async def hourly(
    connection: AsyncConnection,
    query: ResponseFilter,
    hours: tuple[datetime, datetime],
    group_by: str | None,
) -> dict[GroupKey, dict[datetime, Counts]]:
    """Counts per rollup hour in [from, to), per group."""
    if hours[0] >= hours[1]:
        return {}
    group = _group_column(_HOURLY, group_by)
    hour = _HOURLY.c.hour
    statement = (
        select(hour, *group, *_SUMS)
        .where(_hour_range(hours), *dimension_conditions(_HOURLY.c, query))
        .group_by(hour, *group)
    )
    found: dict[GroupKey, dict[datetime, Counts]] = {}
    for row in await connection.execute(statement):
        found.setdefault(_group_key(row, group_by), {})[row.hour] = _counts(row)
    return found


async def edge_rows(
    connection: AsyncConnection,
    query: ResponseFilter,
    partial_hours: Sequence[datetime],
    group_by: str | None,
) -> dict[GroupKey, list[tuple[datetime, int]]]:
    """Raw (responded_at, score) of the responses in the hours a window only partly covers."""
    found: dict[GroupKey, list[tuple[datetime, int]]] = {}
    group = _group_column(_RESPONSES, group_by)
    at = _RESPONSES.c.responded_at
    for start in range(0, len(partial_hours), _OR_CHUNK):
        chunk = partial_hours[start : start + _OR_CHUNK]
        in_hours = or_(*(and_(at >= hour, at < hour + HOUR) for hour in chunk))
        statement = select(*group, at, _RESPONSES.c.score).where(
            in_hours, *dimension_conditions(_RESPONSES.c, query)
        )
        for row in await connection.execute(statement):
            found.setdefault(_group_key(row, group_by), []).append((row.responded_at, row.score))
    return found


def _hour_range(hours: tuple[datetime, datetime]) -> ColumnElement[bool]:
    return and_(_HOURLY.c.hour >= hours[0], _HOURLY.c.hour < hours[1])
