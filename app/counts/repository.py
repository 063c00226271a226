"""Every SQL statement that changes the hourly counts: one function every writer calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from app.counts.models import SCALE_COLUMNS, DimensionCounts, HourlyCounts
from app.counts.rollup import RollupKey, dimension_deltas
from app.db import DriverStatement, driver_value

_COMBINATION_KEYS = ("metric", "hour", "survey", "touchpoint", "channel", "location")
_DIMENSION_KEYS = ("metric", "dimension", "hour", "value")
_COMBINATIONS = cast(Table, HourlyCounts.__table__)
_BY_DIMENSION = cast(Table, DimensionCounts.__table__)
_upserts: dict[tuple[str, str], DriverStatement] = {}


def _upsert(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> DriverStatement:
    """INSERT … ON CONFLICT DO UPDATE SET cN = cN + excluded.cN, same text on both dialects."""
    cached = (dialect.name, table.name)
    if cached not in _upserts:
        insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        statement = insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: table.c[name] + statement.excluded[name] for name in SCALE_COLUMNS},
        )
        _upserts[cached] = DriverStatement.compile(statement, dialect, [*keys, *SCALE_COLUMNS])
    return _upserts[cached]


async def add_counts(
    connection: AsyncConnection, deltas: Mapping[RollupKey, Sequence[int]]
) -> None:
    """Apply count changes to both rollups, in the caller's transaction.

    Rows go in key order, combinations first, so concurrent writers cannot deadlock.
    """
    if not deltas:
        return
    dialect = connection.dialect.name
    combinations = _upsert(connection.dialect, _COMBINATIONS, _COMBINATION_KEYS)
    await connection.exec_driver_sql(
        combinations.sql,
        [
            (metric, driver_value(dialect, hour), *values, *deltas[key])
            for key in sorted(deltas)
            for metric, hour, *values in (key,)
        ],
    )
    derived = dimension_deltas(deltas)
    by_dimension = _upsert(connection.dialect, _BY_DIMENSION, _DIMENSION_KEYS)
    await connection.exec_driver_sql(
        by_dimension.sql,
        [
            (metric, dimension, driver_value(dialect, hour), value, *derived[key])
            for key in sorted(derived)
            for metric, dimension, hour, value in (key,)
        ],
    )
