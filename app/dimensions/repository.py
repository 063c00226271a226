"""The SQL of a filter's dimensions, against any table that has the dimension columns."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from app.dimensions.filters import ResponseFilter


def dimension_conditions(columns: Any, query: ResponseFilter) -> list[ColumnElement[bool]]:
    """``column IN (…)`` for each dimension filtered on, against any table with those columns.

    The scores repository uses it on the hourly counts, so scores and exports select alike.
    """
    conditions: list[ColumnElement[bool]] = []
    if query.metric is not None:
        conditions.append(columns.metric == query.metric)
    for name, values in query.dimension_values().items():
        if values:
            conditions.append(columns[name].in_(values))
    return conditions
