"""Every SQL statement about scores: reading the hourly counts back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, DateTime, String, Table, and_, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from app.counts.models import SCALE_COLUMNS, TOTAL, DimensionCounts, HourlyCounts
from app.dimensions.filters import ResponseFilter
from app.dimensions.repository import dimension_conditions
from app.responses.models import SurveyResponse
from app.scoring import HOUR, Counts

_COMBINATIONS = cast(Table, HourlyCounts.__table__)
_BY_DIMENSION = cast(Table, DimensionCounts.__table__)
_RESPONSES = cast(Table, SurveyResponse.__table__)
_OR_CHUNK = 100

# A group's key: the value of the group_by dimension, None when absent (or no group_by).
GroupKey = str | None


@dataclass(frozen=True)
class _Source:
    """Where a score's whole hours are read: the smallest rollup that can answer it."""

    table: Table
    conditions: tuple[ColumnElement[bool], ...]
    group: tuple[Any, ...]  # the labelled group key column, or nothing


def _source(query: ResponseFilter, group_by: str | None) -> _Source:
    """Per-dimension rows when at most one dimension is filtered or grouped on."""
    involved = {name for name, values in query.dimension_values().items() if values}
    involved |= {group_by} if group_by else set()
    if len(involved) > 1:
        group = (_COMBINATIONS.c[group_by].label("group_key"),) if group_by else ()
        return _Source(_COMBINATIONS, tuple(dimension_conditions(_COMBINATIONS.c, query)), group)
    table = _BY_DIMENSION
    conditions = [table.c.metric == query.metric]
    if not involved:
        conditions.append(table.c.dimension == TOTAL)
        return _Source(table, tuple(conditions), ())
    (name,) = involved
    conditions.append(table.c.dimension == name)
    if values := query.dimension_values()[name]:
        conditions.append(table.c.value.in_(values))
    group = (table.c.value.label("group_key"),) if group_by else ()
    return _Source(table, tuple(conditions), group)


def _group_key(row: Any, group_by: str | None) -> GroupKey:
    return (row.group_key or None) if group_by else None  # rollups keep absent as ""


def _counts(row: Any) -> Counts:
    """The sums, which every rollup query selects last (NULL when no row was summed)."""
    return tuple(value or 0 for value in row[-len(SCALE_COLUMNS) :])


def _sums(table: Table) -> list[Any]:
    return [func.sum(table.c[name]).label(name) for name in SCALE_COLUMNS]


def _hour_range(table: Table, hours: tuple[datetime, datetime]) -> ColumnElement[bool]:
    return and_(table.c.hour >= hours[0], table.c.hour < hours[1])


async def totals(
    connection: AsyncConnection,
    query: ResponseFilter,
    hours: tuple[datetime, datetime],
    group_by: str | None,
) -> dict[GroupKey, Counts]:
    """Counts over the whole rollup hours [from, to), per group."""
    if hours[0] >= hours[1]:
        return {}
    source = _source(query, group_by)
    statement = (
        select(*source.group, *_sums(source.table))
        .where(_hour_range(source.table, hours), *source.conditions)
        .group_by(*source.group)
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
    source = _source(query, group_by)
    hour = source.table.c.hour
    # Hours as the driver gives them: a series reads a thousand or more of these rows, and
    # SQLAlchemy's per-value conversion (text → datetime → UTC) was a quarter of its cost.
    driver_type = String() if connection.dialect.name == "sqlite" else DateTime(timezone=True)
    raw_hour = type_coerce(hour, driver_type)
    statement = (
        select(raw_hour.label("hour"), *source.group, *_sums(source.table))
        .where(_hour_range(source.table, hours), *source.conditions)
        .group_by(hour, *source.group)
    )
    found: dict[GroupKey, dict[datetime, Counts]] = {}
    first_count = -len(SCALE_COLUMNS)
    for row in await connection.execute(statement):
        # Every group sums at least one row of NOT NULL counts: no NULL to replace.
        counts = tuple(row[first_count:])
        found.setdefault(_group_key(row, group_by), {})[_utc_hour(row.hour)] = counts
    return found


def _utc_hour(value: str | datetime) -> datetime:
    if isinstance(value, str):  # SQLite keeps SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff" in UTC
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)


async def edge_rows(
    connection: AsyncConnection,
    query: ResponseFilter,
    partial_hours: Sequence[datetime],
    group_by: str | None,
) -> dict[GroupKey, list[tuple[datetime, int]]]:
    """Raw (responded_at, score) of the responses in the hours a window only partly covers."""
    found: dict[GroupKey, list[tuple[datetime, int]]] = {}
    group = [_RESPONSES.c[group_by].label("group_key")] if group_by else []
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
