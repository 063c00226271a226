"""Rolling scores: exact windows from the hourly counts plus the raw rows at their edges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from app.db import Database
from app.dimensions.filters import ResponseFilter
from app.fields import format_timestamp
from app.scores import repository
from app.scores.repository import GroupKey
from app.scoring import (
    EMPTY_COUNTS,
    Counts,
    Interval,
    Metric,
    add_counts,
    compare,
    plan_series,
    plan_window,
    series_counts,
    summarize,
    window_counts,
)


@dataclass(frozen=True)
class ScoreQuery:
    metric: Metric
    filter: ResponseFilter  # with since and until set
    group_by: str | None = None
    compare_previous: bool = False


@dataclass(frozen=True)
class SeriesQuery:
    metric: Metric
    filter: ResponseFilter  # with since and until set
    interval: Interval
    window: timedelta
    tz: ZoneInfo
    points: tuple[datetime, ...]
    group_by: str | None = None


async def score(db: Database, query: ScoreQuery) -> dict[str, Any]:
    since, until = _bounds(query.filter)
    async with db.snapshot() as connection:
        current = await _window(connection, query, since, until)
        previous = (
            await _window(connection, query, since - (until - since), since)
            if query.compare_previous
            else None
        )
    body: dict[str, Any] = {
        "metric": query.metric.value,
        "since": format_timestamp(since),
        "until": format_timestamp(until),
        "filters": query.filter.described(),
        "overall": _summary(query.metric, _total(current.values())),
    }
    if query.group_by:
        body["groups"] = _groups(query.metric, current, previous)
    if previous is not None:
        current_total, previous_total = _total(current.values()), _total(previous.values())
        body["previous"] = _summary(query.metric, previous_total)
        body.update(_change(query.metric, current_total, previous_total))
    return body


async def _window(
    connection: Any, query: ScoreQuery, since: datetime, until: datetime
) -> dict[GroupKey, Counts]:
    plan = plan_window(since, until)
    narrowed = replace(query.filter, metric=query.metric.value)
    full = (plan.full_hours_from, plan.full_hours_to)
    totals = await repository.totals(connection, narrowed, full, query.group_by)
    edges = await repository.edge_rows(connection, narrowed, plan.partial_hours, query.group_by)
    counts: dict[GroupKey, Counts] = {}
    for key in totals.keys() | edges.keys():
        # The hourly totals already cover exactly the full hours: pass them as one "hour".
        whole = {plan.full_hours_from: totals.get(key, EMPTY_COUNTS)}
        window = window_counts(plan, since, until, whole, edges.get(key, ()))
        if any(window):
            counts[key] = window
    return counts


def _groups(
    metric: Metric,
    current: Mapping[GroupKey, Counts],
    previous: Mapping[GroupKey, Counts] | None,
) -> list[dict[str, Any]]:
    keys = set(current) | set(previous or {})
    groups = []
    for key in sorted(keys, key=_group_order):
        group: dict[str, Any] = {"key": key, **_summary(metric, current.get(key, EMPTY_COUNTS))}
        if previous is not None:
            before = previous.get(key, EMPTY_COUNTS)
            group["previous"] = _summary(metric, before)
            group.update(_change(metric, current.get(key, EMPTY_COUNTS), before))
        groups.append(group)
    return groups


async def series(db: Database, query: SeriesQuery) -> dict[str, Any]:
    plan = plan_series(query.points, query.window)
    narrowed = replace(query.filter, metric=query.metric.value)
    async with db.snapshot() as connection:
        hourly = await repository.hourly(
            connection, narrowed, (plan.hours_from, plan.hours_to), query.group_by
        )
        edges = await repository.edge_rows(connection, narrowed, plan.partial_hours, query.group_by)
    since, until = _bounds(query.filter)
    body: dict[str, Any] = {
        "metric": query.metric.value,
        "interval": query.interval,
        "window": _window_text(query.window),
        "tz": query.tz.key,
        "since": format_timestamp(since),
        "until": format_timestamp(until),
        "filters": query.filter.described(),
    }
    if not query.group_by:
        counts = series_counts(
            query.points, query.window, hourly.get(None, {}), edges.get(None, ())
        )
        body["points"] = _points(query, counts)
        return body
    groups = []
    for key in sorted(hourly.keys() | edges.keys(), key=_group_order):
        counts = series_counts(query.points, query.window, hourly.get(key, {}), edges.get(key, ()))
        # The rows read cover more than the windows (edge hours, gaps between windows, rollup
        # rows emptied by erasure): list only the groups some point actually counts.
        if any(any(point) for point in counts):
            groups.append({"key": key, "points": _points(query, counts)})
    body["groups"] = groups
    return body


def _points(query: SeriesQuery, counts: Iterable[Counts]) -> list[dict[str, Any]]:
    return [
        {"at": format_timestamp(at), **_summary(query.metric, point)}
        for at, point in zip(query.points, counts, strict=True)
    ]


def _summary(metric: Metric, counts: Counts) -> dict[str, Any]:
    return summarize(metric, counts).as_dict()


def _change(metric: Metric, current: Counts, previous: Counts) -> dict[str, Any]:
    comparison = compare(metric, current, previous)
    return {"change": comparison.change, "change_significant": comparison.change_significant}


def _total(groups: Iterable[Counts]) -> Counts:
    return reduce(add_counts, groups, EMPTY_COUNTS)


def _bounds(query: ResponseFilter) -> tuple[datetime, datetime]:
    assert query.since is not None
    assert query.until is not None
    return query.since, query.until


def _group_order(key: GroupKey) -> tuple[bool, str]:
    return (key is None, key or "")


def _window_text(window: timedelta) -> str:
    hours = int(window.total_seconds()) // 3600
    if hours % 168 == 0:
        return f"{hours // 168}w"
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"
