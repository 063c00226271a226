"""UTC hours, the grain of the hourly rollup, and how a window splits into them."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HOUR = timedelta(hours=1)


def as_utc(instant: datetime) -> datetime:
    """The same instant expressed in UTC. Raises ValueError for a naive datetime."""
    if instant.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got {instant!r}")
    return instant.astimezone(UTC)


def floor_hour(instant: datetime) -> datetime:
    """Start of the UTC hour containing `instant` (itself when already on the hour)."""
    return as_utc(instant).replace(minute=0, second=0, microsecond=0)


def ceil_hour(instant: datetime) -> datetime:
    """Smallest UTC hour start >= `instant` (itself when already on the hour)."""
    floor = floor_hour(instant)
    return floor if floor == instant else floor + HOUR


@dataclass(frozen=True)
class WindowPlan:
    """Which data a window needs: rollup hours [full_hours_from, full_hours_to) (empty when
    equal) and the start instants of the at most two hours only partly inside the window."""

    full_hours_from: datetime
    full_hours_to: datetime
    partial_hours: tuple[datetime, ...]


def plan_window(since: datetime, until: datetime) -> WindowPlan:
    """Split [since, until) into whole UTC hours and partial edge hours.

    Whole hours: [ceil_hour(since), floor_hour(until)). Partial: the hour of `since` when
    since is not on the hour, the hour of `until` when until is not on the hour; a single
    partial hour when both lie inside the same hour. since == until: nothing at all.
    Raises ValueError when since > until or a datetime is naive.
    """
    since, until = as_utc(since), as_utc(until)
    if since > until:
        raise ValueError(f"since ({since.isoformat()}) is after until ({until.isoformat()})")
    if since == until:
        return WindowPlan(floor_hour(since), floor_hour(since), ())
    start, end = ceil_hour(since), floor_hour(until)
    if start > end:  # both inside one hour
        return WindowPlan(end, end, (end,))
    partial = [hour for hour, edge in ((floor_hour(since), since), (end, until)) if hour != edge]
    return WindowPlan(start, end, tuple(partial))
