"""Rolling-score series: points at local interval boundaries, trailing windows per point.

Boundaries follow the local wall clock of an IANA time zone (days begin at local
midnight, weeks on local Monday midnight), so a local day lasts 23, 24 or 25 hours.
Counts per point come from prefix sums over the hourly rollup plus the raw rows of the
partial edge hours, in O(hours + points + raw rows).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Literal
from zoneinfo import ZoneInfo

from app.scoring.counts import (
    EMPTY_COUNTS,
    Counts,
    add_counts,
    counts_from_scores,
)
from app.scoring.hours import HOUR, WindowPlan, as_utc, floor_hour, plan_window

Interval = Literal["hour", "day", "week"]

_STEPS: dict[str, timedelta] = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
_DEFAULT_LENGTH = 30
_RESOLUTION = timedelta(microseconds=1)


def _step(interval: str) -> timedelta:
    if interval not in _STEPS:
        raise ValueError(f"interval must be hour, day or week, got {interval!r}")
    return _STEPS[interval]


def _reading(instant: datetime, tz: ZoneInfo) -> datetime:
    """What a local wall clock shows at `instant`, as a naive datetime."""
    return instant.astimezone(tz).replace(tzinfo=None)


def _floor_wall(wall: datetime, interval: Interval) -> datetime:
    """Start of the local hour, day or (Monday-based) week containing a wall-clock time."""
    hour = wall.replace(minute=0, second=0, microsecond=0, fold=0)
    if interval == "hour":
        return hour
    day = hour.replace(hour=0)
    return day if interval == "day" else day - timedelta(days=day.weekday())


def _first_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """First instant at which the local clock reaches the naive time `wall`, in UTC.

    An ambiguous time (clocks turned back) gives its first occurrence. A skipped time
    (clocks turned forward over it) gives the instant of the jump, found by bisection:
    for a skipped time zoneinfo's fold=0 (old offset) lands after the jump and fold=1
    (new offset) before it (PEP 495).
    """
    after = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _reading(after, tz) == wall:
        return after
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    while after - before > _RESOLUTION:
        middle = before + (after - before) / 2
        if _reading(middle, tz) < wall:
            before = middle
        else:
            after = middle
    return after


def _boundaries(wall: datetime, interval: Interval, tz: ZoneInfo) -> list[datetime]:
    """The instants at which the period starting at local time `wall` begins, in order.

    One instant, except for an hour whose start is repeated (clocks turned back): both of
    its occurrences start an hour. A repeated midnight does not start a second day.
    """
    first = _first_instant(wall, tz)
    if interval == "hour":
        second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
        if second != first and _reading(second, tz) == wall:
            return [first, second]
    return [first]


def series_points(
    since: datetime, until: datetime, interval: Interval, tz: ZoneInfo
) -> list[datetime]:
    """Every local interval boundary t with since < t < until, then `until` itself; UTC.

    Hours: each instant the local clock shows hh:00 (a repeated hour counts twice, a
    skipped one not at all; in a :30 or :45 zone these are not UTC hours). Days: local
    midnight, or the instant of the jump if midnight is skipped. Weeks: local Monday
    midnight. Sorted, no duplicates. since == until gives [until]; since > until,
    a naive datetime or an unknown interval raise ValueError.
    """
    since, until = as_utc(since), as_utc(until)
    step = _step(interval)
    if since > until:
        raise ValueError(f"since ({since.isoformat()}) is after until ({until.isoformat()})")
    # Start a day early: a clock turned back can show an earlier time after `since`.
    wall = _floor_wall(_reading(since - timedelta(days=1), tz), interval)
    points = {until}
    while (starts := _boundaries(wall, interval, tz))[0] < until:
        points.update(t for t in starts if since < t < until)
        wall += step
    return sorted(points)


def default_series_since(until: datetime, interval: Interval, tz: ZoneInfo) -> datetime:
    """Start of a default series: 30 intervals before `until`, in UTC.

    Days and weeks: 30 local days or weeks earlier on the wall clock (same local time of
    day), so a DST change in between does not shift the boundaries; an ambiguous result
    takes its first occurrence, a skipped one the instant of the jump. Hours: 30 hours
    earlier in absolute time, i.e. 30 hourly points; wall-clock hour arithmetic across a
    DST change would give 29 or 31.
    """
    until = as_utc(until)
    step = _step(interval)
    if interval == "hour":
        return until - _DEFAULT_LENGTH * step
    return _first_instant(_reading(until, tz) - _DEFAULT_LENGTH * step, tz)


@dataclass(frozen=True)
class SeriesPlan:
    """Data a series needs: rollup hours [hours_from, hours_to) and the raw rows of
    `partial_hours` (start instants, sorted)."""

    hours_from: datetime
    hours_to: datetime
    partial_hours: tuple[datetime, ...]


def _point_plans(points: Sequence[datetime], window: timedelta) -> list[WindowPlan]:
    if window <= timedelta(0):
        raise ValueError(f"window must be positive, got {window}")
    return [plan_window(as_utc(t) - window, t) for t in points]


def _combine(plans: Sequence[WindowPlan]) -> SeriesPlan:
    if not plans:
        raise ValueError("a series needs at least one point")
    return SeriesPlan(
        hours_from=min(plan.full_hours_from for plan in plans),
        hours_to=max(plan.full_hours_to for plan in plans),
        partial_hours=tuple(sorted({hour for plan in plans for hour in plan.partial_hours})),
    )


def plan_series(points: Sequence[datetime], window: timedelta) -> SeriesPlan:
    """The union of what the windows [t - window, t) of all points need (see plan_window).

    Raises ValueError for no points, a window <= 0 or a naive datetime.
    """
    return _combine(_point_plans(points, window))


def _prefix_sums(plan: SeriesPlan, hourly: Mapping[datetime, Counts]) -> list[Counts]:
    """prefix[i] = counts of the rollup hours [hours_from, hours_from + i hours)."""
    hours = (plan.hours_to - plan.hours_from) // HOUR
    per_hour = [hourly.get(plan.hours_from + i * HOUR, EMPTY_COUNTS) for i in range(hours)]
    if not per_hour:
        return [EMPTY_COUNTS]
    # Running totals column by column (C-level accumulate), then back to one tuple per hour.
    running = [list(accumulate(column, initial=0)) for column in zip(*per_hour, strict=True)]
    return list(zip(*running, strict=True))


def series_counts(
    points: Sequence[datetime],
    window: timedelta,
    hourly: Mapping[datetime, Counts],
    raw: Iterable[tuple[datetime, int]],
) -> list[Counts]:
    """Counts of [t - window, t) for each point t, in the order of `points`.

    Equal to window_counts for each point separately, computed with one prefix-sum pass
    over the rollup hours of `plan_series(points, window)` and one pass over `raw`
    (rows outside the plan's partial hours are ignored). No points give [].
    """
    if not points:
        return []
    plans = _point_plans(points, window)
    series = _combine(plans)
    prefix = _prefix_sums(series, hourly)
    wanted = frozenset(series.partial_hours)
    edge_rows: dict[datetime, list[tuple[datetime, int]]] = {}
    for at, score in raw:
        hour = floor_hour(at)
        if hour in wanted:
            edge_rows.setdefault(hour, []).append((at, score))
    result = []
    for t, plan in zip(points, plans, strict=True):
        start, end = as_utc(t) - window, as_utc(t)
        first = (plan.full_hours_from - series.hours_from) // HOUR
        last = (plan.full_hours_to - series.hours_from) // HOUR
        full = tuple(b - a for a, b in zip(prefix[first], prefix[last], strict=True))
        rows = (row for hour in plan.partial_hours for row in edge_rows.get(hour, ()))
        edge = counts_from_scores(score for at, score in rows if start <= at < end)
        result.append(add_counts(full, edge))
    return result
