"""Time windows: `[since, until)` exact to the microsecond, from hourly rollups plus raw rows.

A window is split into the whole UTC hours it covers, read from the hourly rollup, and
at most two partial hours at its edges, whose raw `(responded_at, score)` rows are
counted one by one. All datetimes must be timezone-aware; results are in UTC.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from app.scoring.counts import EMPTY_COUNTS, Counts, add_counts, counts_from_scores
from app.scoring.hours import HOUR, WindowPlan, as_utc, ceil_hour, floor_hour, plan_window
from app.scoring.series import (
    Interval,
    SeriesPlan,
    default_series_since,
    plan_series,
    series_counts,
    series_points,
)

__all__ = [
    "HOUR",
    "MAX_WINDOW",
    "Interval",
    "SeriesPlan",
    "WindowPlan",
    "ceil_hour",
    "default_series_since",
    "floor_hour",
    "parse_window",
    "plan_series",
    "plan_window",
    "series_counts",
    "series_points",
    "window_counts",
]

MAX_WINDOW = timedelta(days=1830)
_WINDOW_PATTERN = re.compile(r"[1-9][0-9]{0,4}[hdw]")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_window(text: str) -> timedelta:
    """'12h', '7d', '13w' -> timedelta; absolute lengths (1d = 24 h, 1w = 168 h).

    Pattern ^[1-9][0-9]{0,4}[hdw]$, at most 1830 days (about 5 years); ValueError otherwise.
    """
    if not _WINDOW_PATTERN.fullmatch(text):
        raise ValueError(
            f"window must be a whole number followed by h, d or w, like 12h, 7d, 30d or 13w; "
            f"got {text!r}"
        )
    length = int(text[:-1]) * _UNITS[text[-1]]
    if length > MAX_WINDOW:
        raise ValueError(f"window {text} is longer than the maximum of 1830 days (about 5 years)")
    return length


def window_counts(
    plan: WindowPlan,
    since: datetime,
    until: datetime,
    hourly: Mapping[datetime, Counts],
    raw: Iterable[tuple[datetime, int]],
) -> Counts:
    """Counts of the responses with since <= responded_at < until.

    Sum of the `hourly` rollup (keys: UTC hour starts) over [full_hours_from, full_hours_to),
    plus the `raw` rows that lie in one of the plan's partial hours and inside [since,
    until). Other hourly keys and raw rows are ignored, so callers may pass supersets.
    """
    since, until = as_utc(since), as_utc(until)
    total = EMPTY_COUNTS
    for hour, counts in hourly.items():
        if plan.full_hours_from <= hour < plan.full_hours_to:
            total = add_counts(total, counts)
    partial = frozenset(plan.partial_hours)
    edge_scores = (score for at, score in raw if since <= at < until and floor_hour(at) in partial)
    return add_counts(total, counts_from_scores(edge_scores))
