"""Turning `window`, `since`, `until`, `interval` and `tz` into exact instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.problems import FieldError, ValidationFailed
from app.scoring import MAX_WINDOW, Interval, default_series_since, parse_window, series_points

DEFAULT_WINDOW = "30d"
MAX_POINTS = 1000
# Far enough from datetime's years 1 and 9999 that no window, previous window, series
# start or hour rounding built from a given instant can overflow (a 500 otherwise).
EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def now() -> datetime:
    """The default ``until``: the end of the current second, so what was just sent counts."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)


def window_length(text: str | None) -> timedelta:
    try:
        return parse_window(text or DEFAULT_WINDOW)
    except ValueError as error:
        raise _invalid("window", str(error)) from error


def score_range(
    window: str | None, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime]:
    """``window`` ending at ``until`` (default now), or exactly ``since`` to ``until``."""
    if since is not None and window is not None:
        raise _invalid("window", "give either window or since, not both")
    _check_instants(since, until)
    since, until = _whole_second(since), _whole_second(until)
    end = until or now()
    start = since if since is not None else end - window_length(window)
    if start >= end:
        raise _invalid("since", "must be before until")
    if end - start > MAX_WINDOW:
        raise _invalid("since", "the range may span at most 1830 days")
    return start, end


def time_zone(name: str) -> ZoneInfo:
    """An IANA zone by its name; not the host's own clock settings (``localtime``)."""
    if name not in _iana_zones():
        raise _invalid("tz", f"unknown IANA time zone {name!r}, e.g. Europe/Warsaw")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise _invalid("tz", f"unknown IANA time zone {name!r}") from error


@cache
def _iana_zones() -> frozenset[str]:
    # Some systems list their own clock settings among the zones: those are not IANA names.
    host_specific = {"localtime", "posixrules", "Factory"}
    names = {name for name in available_timezones() if not name.startswith(("posix/", "right/"))}
    return frozenset(names - host_specific) | {"UTC"}


def series_range(
    interval: Interval, tz: ZoneInfo, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime, tuple[datetime, ...]]:
    """The series' range and its points: boundaries strictly inside, then ``until``."""
    _check_instants(since, until)
    since, until = _whole_second(since), _whole_second(until)
    end = until or now()
    start = since if since is not None else default_series_since(end, interval, tz)
    if start >= end:
        raise _invalid("since", "must be before until")
    if end - start > MAX_WINDOW:
        raise _invalid("since", "the range may span at most 1830 days")
    points = series_points(start, end, interval, tz)
    if len(points) > MAX_POINTS:
        raise _invalid("interval", f"{len(points)} points; at most {MAX_POINTS} per request")
    return start, end, tuple(points)


def cache_seconds(window: timedelta) -> int:
    """How long a score may be cached: a minute per day of window, 10 s to 5 min."""
    return max(10, min(300, int(window.total_seconds() // 1440)))


def _check_instants(since: datetime | None, until: datetime | None) -> None:
    for field, value in (("since", since), ("until", until)):
        if value is not None and not EARLIEST <= value < LATEST:
            raise _invalid(field, "must lie between the years 1000 and 9000")


def _whole_second(value: datetime | None) -> datetime | None:
    """Rounded up to the second: answers are kept in whole seconds, so ``[since, until)``
    selects the same ones, and the answer names the range it used exactly."""
    if value is None or value.microsecond == 0:
        return value
    return value.replace(microsecond=0) + timedelta(seconds=1)


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("See `errors` for what to fix.", errors=[FieldError(field, message)])
