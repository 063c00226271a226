"""The hourly and per-dimension counts as stored, and recounted from the responses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, func, select

from app.counts.models import DimensionCounts, HourlyCounts
from app.db import Database
from app.responses.models import SurveyResponse

RESPONSES = cast(Table, SurveyResponse.__table__)
HOURLY = cast(Table, HourlyCounts.__table__)
BY_DIMENSION = cast(Table, DimensionCounts.__table__)
COUNT_COLUMNS = [f"c{value}" for value in range(11)]
RollupKey = tuple[str, datetime, str, str, str, str]


async def rollup(db: Database) -> dict[RollupKey, tuple[int, ...]]:
    """The hourly counts, leaving out rows that erasures brought back to all zeros."""
    async with db.engine.connect() as connection:
        rows = (await connection.execute(select(HOURLY))).all()
    found = {}
    for row in rows:
        counts = tuple(int(getattr(row, name)) for name in COUNT_COLUMNS)
        assert min(counts) >= 0, row
        if any(counts):
            key = (row.metric, row.hour, row.survey, row.touchpoint, row.channel, row.location)
            found[key] = counts
    return found


async def recount(db: Database) -> dict[RollupKey, tuple[int, ...]]:
    """GROUP BY over the responses themselves; the hour is taken in Python, portably."""
    columns = [
        RESPONSES.c.metric,
        RESPONSES.c.responded_at,
        RESPONSES.c.survey,
        RESPONSES.c.touchpoint,
        RESPONSES.c.channel,
        RESPONSES.c.location,
        RESPONSES.c.score,
    ]
    statement = select(*columns, func.count().label("n")).group_by(*columns)
    async with db.engine.connect() as connection:
        rows = (await connection.execute(statement)).all()
    tally: dict[RollupKey, list[int]] = {}
    for row in rows:
        hour = row.responded_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        where = (row.touchpoint or "", row.location or "")
        key = (row.metric, hour, row.survey, where[0], row.channel, where[1])
        tally.setdefault(key, [0] * 11)[row.score] += row.n
    return {key: tuple(counts) for key, counts in tally.items()}


async def per_dimension(db: Database) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """The per-dimension counts, leaving out rows that erasures brought back to zeros."""
    async with db.engine.connect() as connection:
        rows = (await connection.execute(select(BY_DIMENSION))).all()
    found = {}
    for row in rows:
        counts = tuple(int(getattr(row, name)) for name in COUNT_COLUMNS)
        assert min(counts) >= 0, row
        if any(counts):
            found[(row.metric, row.dimension, row.hour, row.value)] = counts
    return found


def per_dimension_recount(
    recounted: dict[RollupKey, tuple[int, ...]],
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """The same answers per single dimension value, and in total (dimension "")."""
    tally: dict[tuple[Any, ...], list[int]] = {}
    for (metric, hour, survey, touchpoint, channel, location), counts in recounted.items():
        named = {"survey": survey, "touchpoint": touchpoint, "channel": channel}
        named["location"] = location
        for key in [(metric, "", hour, ""), *((metric, d, hour, v) for d, v in named.items())]:
            running = tally.setdefault(key, [0] * 11)
            for value, count in enumerate(counts):
                running[value] += count
    return {key: tuple(counts) for key, counts in tally.items() if any(counts)}
