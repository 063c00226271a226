"""Series: points at local interval boundaries, each counting its trailing window."""

import itertools
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring import (
    Interval,
    SeriesPlan,
    counts_from_scores,
    default_series_since,
    floor_hour,
    plan_series,
    plan_window,
    series_counts,
    series_points,
    window_counts,
)

Event = tuple[datetime, int]
WARSAW = ZoneInfo("Europe/Warsaw")
HAVANA = ZoneInfo("America/Havana")  # its clocks change at midnight
ZONES = [
    "UTC",
    "Europe/Warsaw",
    "America/Havana",
    "America/St_Johns",  # -03:30 / -02:30
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # DST of 30 minutes
    "Antarctica/Troll",  # DST of 2 hours
]
CLOCK_CHANGES = [
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 4, 5, tzinfo=UTC),
    datetime(2026, 10, 4, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
]
SPANS: dict[str, timedelta] = {
    "hour": timedelta(days=2),
    "day": timedelta(days=10),
    "week": timedelta(days=60),
}
GRID = timedelta(minutes=15)  # every clock change of ZONES in 2026 falls on this grid


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    """The UTC instant of a local wall-clock time (fold=1: its second occurrence)."""
    return datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold).astimezone(UTC)


def gaps(points: list[datetime]) -> list[float]:
    return [(b - a) / timedelta(hours=1) for a, b in itertools.pairwise(points)]


def boundaries_by_scanning(
    since: datetime, until: datetime, interval: str, tz: ZoneInfo
) -> list[datetime]:
    """Walk the GRID and keep the instants where a new local hour, day or week begins."""

    def period(instant: datetime) -> datetime:
        reading = instant.astimezone(tz).replace(tzinfo=None)
        hour = reading.replace(minute=0, second=0, microsecond=0)
        day = hour.replace(hour=0)
        return {"hour": hour, "day": day, "week": day - timedelta(days=day.weekday())}[interval]

    def begins_period(instant: datetime) -> bool:
        on_the_hour = instant.astimezone(tz).replace(tzinfo=None) == period(instant)
        moved_on = period(instant) > period(instant - timedelta(microseconds=1))
        return moved_on or (interval == "hour" and on_the_hour)

    first = since.replace(minute=0, second=0, microsecond=0)
    found = []
    instant = first
    while instant < until:
        if since < instant and begins_period(instant):
            found.append(instant)
        instant += GRID
    return [*found, until]


@st.composite
def series_requests(draw: st.DrawFn) -> tuple[datetime, datetime, Interval, ZoneInfo]:
    interval: Interval = draw(st.sampled_from(["hour", "day", "week"]))
    near = draw(st.sampled_from(CLOCK_CHANGES))
    since = near + draw(st.timedeltas(-SPANS[interval], timedelta(days=2)))
    until = since + draw(st.timedeltas(timedelta(0), SPANS[interval]))
    return since, until, interval, ZoneInfo(draw(st.sampled_from(ZONES)))


def test_daily_points_in_utc_are_the_midnights_inside_the_range_then_until() -> None:
    points = series_points(utc(2026, 11, 17, 10), utc(2026, 11, 20, 15, 30), "day", ZoneInfo("UTC"))

    assert points == [
        utc(2026, 11, 18),
        utc(2026, 11, 19),
        utc(2026, 11, 20),
        utc(2026, 11, 20, 15, 30),
    ]


def test_boundaries_at_since_and_until_are_excluded_but_until_is_the_last_point() -> None:
    points = series_points(utc(2026, 11, 18), utc(2026, 11, 20), "day", ZoneInfo("UTC"))

    assert points == [utc(2026, 11, 19), utc(2026, 11, 20)]


def test_an_empty_range_is_just_the_point_at_until() -> None:
    assert series_points(utc(2026, 11, 18), utc(2026, 11, 18), "week", WARSAW) == [
        utc(2026, 11, 18)
    ]


def test_warsaw_days_are_23_hours_in_spring_and_25_hours_in_autumn() -> None:
    spring = series_points(utc(2026, 3, 27, 12), utc(2026, 3, 31, 12), "day", WARSAW)
    autumn = series_points(utc(2026, 10, 23, 12), utc(2026, 10, 27, 12), "day", WARSAW)

    assert spring[:3] == [utc(2026, 3, 27, 23), utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)]
    assert gaps(spring)[:3] == [24, 23, 24]
    assert autumn[:3] == [utc(2026, 10, 23, 22), utc(2026, 10, 24, 22), utc(2026, 10, 25, 23)]
    assert gaps(autumn)[:3] == [24, 25, 24]


def test_warsaw_hours_number_23_on_the_spring_day_and_25_on_the_autumn_day() -> None:
    spring = series_points(local(WARSAW, 2026, 3, 29), local(WARSAW, 2026, 3, 30), "hour", WARSAW)
    autumn = series_points(local(WARSAW, 2026, 10, 25), local(WARSAW, 2026, 10, 26), "hour", WARSAW)

    assert len(spring) == 23
    assert len(autumn) == 25
    assert set(gaps(spring)) == set(gaps(autumn)) == {1.0}
    # Local 02:00 is skipped in spring and happens twice in autumn.
    assert local(WARSAW, 2026, 10, 25, 2) in autumn
    assert local(WARSAW, 2026, 10, 25, 2, fold=1) in autumn


@pytest.mark.parametrize(("zone", "minute"), [("Asia/Kolkata", 30), ("Asia/Kathmandu", 15)])
def test_hours_follow_the_local_clock_in_zones_with_a_fractional_offset(
    zone: str, minute: int
) -> None:
    points = series_points(utc(2026, 11, 20, 10), utc(2026, 11, 20, 13), "hour", ZoneInfo(zone))

    assert points == [
        utc(2026, 11, 20, 10, minute),
        utc(2026, 11, 20, 11, minute),
        utc(2026, 11, 20, 12, minute),
        utc(2026, 11, 20, 13),
    ]


def test_weeks_begin_at_local_monday_midnight() -> None:
    points = series_points(utc(2026, 11, 1), utc(2026, 11, 21), "week", WARSAW)

    assert points == [
        utc(2026, 11, 1, 23),
        utc(2026, 11, 8, 23),
        utc(2026, 11, 15, 23),
        utc(2026, 11, 21),
    ]


def test_a_skipped_midnight_starts_the_day_when_the_clock_jumps() -> None:
    # Havana, 2026-03-08: at 00:00 CST the clocks jump to 01:00 CDT.
    points = series_points(utc(2026, 3, 7, 12), utc(2026, 3, 9, 12), "day", HAVANA)

    assert points == [utc(2026, 3, 8, 5), utc(2026, 3, 9, 4), utc(2026, 3, 9, 12)]


def test_a_repeated_midnight_does_not_start_a_second_day() -> None:
    # Havana, 2026-11-01: at 01:00 CDT the clocks go back to 00:00 CST.
    assert local(HAVANA, 2026, 11, 1, 0, fold=1) == utc(2026, 11, 1, 5)
    points = series_points(utc(2026, 10, 31, 12), utc(2026, 11, 2, 12), "day", HAVANA)

    assert points == [utc(2026, 11, 1, 4), utc(2026, 11, 2, 5), utc(2026, 11, 2, 12)]


def test_an_hour_start_skipped_by_an_off_the_hour_jump_starts_when_the_clock_jumps() -> None:
    # St. John's, 1987-04-05: at 00:01 NST (03:31 UTC) the clocks jumped to 01:01 NDT.
    tz = ZoneInfo("America/St_Johns")
    points = series_points(utc(1987, 4, 5, 3), utc(1987, 4, 5, 5), "hour", tz)

    assert points == [
        utc(1987, 4, 5, 3, 30),
        utc(1987, 4, 5, 3, 31),
        utc(1987, 4, 5, 4, 30),
        utc(1987, 4, 5, 5),
    ]


def test_hours_repeated_by_a_two_hour_setback_after_since_are_points() -> None:
    # Troll, 2026-10-25: at 03:00 (+02) the clocks go back to 01:00 (+00). From 02:30 (+02)
    # on, the clock shows 01:00 and 02:00 again, at 01:00Z and 02:00Z.
    tz = ZoneInfo("Antarctica/Troll")
    points = series_points(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 3), "hour", tz)

    assert points == [utc(2026, 10, 25, 1), utc(2026, 10, 25, 2), utc(2026, 10, 25, 3)]


def test_series_points_refuse_bad_requests() -> None:
    with pytest.raises(ValueError, match="is after until"):
        series_points(utc(2026, 1, 2), utc(2026, 1, 1), "day", WARSAW)
    with pytest.raises(ValueError, match="hour, day or week"):
        series_points(utc(2026, 1, 1), utc(2026, 1, 2), "month", WARSAW)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        series_points(datetime(2026, 1, 1), utc(2026, 1, 2), "day", WARSAW)


@settings(deadline=None, max_examples=200)
@given(series_requests())
def test_points_are_exactly_the_instants_where_a_local_period_begins(
    request: tuple[datetime, datetime, Interval, ZoneInfo],
) -> None:
    since, until, interval, tz = request

    assert series_points(since, until, interval, tz) == boundaries_by_scanning(
        since, until, interval, tz
    )


def test_default_since_is_30_local_days_or_weeks_back_on_the_wall_clock() -> None:
    until = utc(2026, 11, 20, 12)  # 13:00 in Warsaw (CET)

    assert default_series_since(until, "day", ZoneInfo("UTC")) == utc(2026, 10, 21, 12)
    assert default_series_since(until, "day", WARSAW) == local(WARSAW, 2026, 10, 21, 13)
    assert default_series_since(until, "week", WARSAW) == local(WARSAW, 2026, 4, 24, 13)
    assert default_series_since(until, "day", WARSAW) == utc(2026, 10, 21, 11)


def test_default_since_for_hours_is_30_hours_back() -> None:
    until = utc(2026, 10, 25, 12)

    assert default_series_since(until, "hour", WARSAW) == utc(2026, 10, 24, 6)


def test_default_since_on_a_skipped_or_repeated_local_time() -> None:
    # 30 days before 2026-04-07 00:30 CDT is 2026-03-08 00:30, skipped: the jump instant.
    assert default_series_since(local(HAVANA, 2026, 4, 7, 0, 30), "day", HAVANA) == utc(
        2026, 3, 8, 5
    )
    # 30 days before 2026-12-01 00:30 CST is 2026-11-01 00:30, repeated: the first one.
    assert default_series_since(local(HAVANA, 2026, 12, 1, 0, 30), "day", HAVANA) == utc(
        2026, 11, 1, 4, 30
    )


def test_plan_series_is_the_union_of_the_windows_needs() -> None:
    plan = plan_series([utc(2026, 1, 1, 12), utc(2026, 1, 1, 13, 30)], timedelta(hours=2))

    assert plan == SeriesPlan(
        hours_from=utc(2026, 1, 1, 10),
        hours_to=utc(2026, 1, 1, 13),
        partial_hours=(utc(2026, 1, 1, 11), utc(2026, 1, 1, 13)),
    )


def test_plan_series_refuses_no_points_and_empty_windows() -> None:
    with pytest.raises(ValueError, match="at least one point"):
        plan_series([], timedelta(days=1))
    with pytest.raises(ValueError, match="positive"):
        plan_series([utc(2026, 1, 1)], timedelta(0))


def test_series_counts_of_no_points_is_an_empty_list() -> None:
    assert series_counts([], timedelta(days=1), {}, []) == []


def test_series_counts_example() -> None:
    points = [utc(2026, 1, 2), utc(2026, 1, 2, 0, 30)]
    hourly = {
        utc(2026, 1, 1, 0): counts_from_scores([9, 9]),
        utc(2026, 1, 1, 1): counts_from_scores([0]),
    }
    raw = [(utc(2026, 1, 1, 0, 10), 9), (utc(2026, 1, 1, 0, 50), 9), (utc(2026, 1, 2, 0, 20), 3)]

    assert series_counts(points, timedelta(days=1), hourly, raw) == [
        counts_from_scores([9, 9, 0]),
        counts_from_scores([9, 0, 3]),
    ]


# --- Counting: random responses, rolled up by hour here the way the database does it ---

EPOCH = utc(2026, 10, 20)
event_instants = st.datetimes(
    min_value=(EPOCH - timedelta(days=9)).replace(tzinfo=None),
    max_value=(EPOCH + timedelta(days=9)).replace(tzinfo=None),
    timezones=st.just(UTC),
)
on_the_hour = st.integers(-9 * 24, 9 * 24).map(lambda hours: EPOCH + timedelta(hours=hours))
events = st.lists(
    st.tuples(st.one_of(event_instants, on_the_hour), st.integers(0, 10)), max_size=80
)
windows = st.one_of(
    st.sampled_from(
        [timedelta(hours=1), timedelta(hours=12), timedelta(days=1), timedelta(days=7)]
    ),
    st.timedeltas(timedelta(microseconds=1), timedelta(days=7)),
)
realistic_points = st.builds(
    lambda since, length, interval, zone: series_points(since, since + length, interval, zone),
    event_instants,
    st.timedeltas(timedelta(0), timedelta(days=2)),
    st.sampled_from(["hour", "day"]),
    st.sampled_from([ZoneInfo(zone) for zone in ZONES]),
)
arbitrary_points = st.lists(st.one_of(event_instants, on_the_hour), min_size=1, max_size=20)


def hourly_rollup(rows: list[Event]) -> dict[datetime, tuple[int, ...]]:
    per_hour: defaultdict[datetime, Counter[int]] = defaultdict(Counter)
    for instant, score in rows:
        per_hour[instant.replace(minute=0, second=0, microsecond=0)][score] += 1
    return {hour: tuple(tally[v] for v in range(11)) for hour, tally in per_hour.items()}


def counted_one_by_one(rows: list[Event], since: datetime, until: datetime) -> tuple[int, ...]:
    tally = Counter(score for instant, score in rows if since <= instant < until)
    return tuple(tally[v] for v in range(11))


@settings(deadline=None)
@given(st.one_of(realistic_points, arbitrary_points), windows, events)
def test_series_counts_equal_counting_each_window_one_by_one(
    points: list[datetime], window: timedelta, rows: list[Event]
) -> None:
    plan = plan_series(points, window)
    edge_rows = [(at, score) for at, score in rows if floor_hour(at) in plan.partial_hours]
    hourly = hourly_rollup(rows)

    expected = [counted_one_by_one(rows, t - window, t) for t in points]
    assert series_counts(points, window, hourly, edge_rows) == expected
    assert series_counts(points, window, hourly, rows) == expected
    assert expected == [
        window_counts(plan_window(t - window, t), t - window, t, hourly, edge_rows) for t in points
    ]


@given(st.one_of(realistic_points, arbitrary_points), windows)
def test_plan_series_covers_every_windows_plan(points: list[datetime], window: timedelta) -> None:
    plan = plan_series(points, window)

    for t in points:
        own = plan_window(t - window, t)
        assert set(own.partial_hours) <= set(plan.partial_hours)
        if own.full_hours_from < own.full_hours_to:
            assert plan.hours_from <= own.full_hours_from <= own.full_hours_to <= plan.hours_to


def test_a_thousand_hourly_points_with_a_13_week_window_take_one_pass_over_the_hours() -> None:
    until = utc(2026, 11, 20, 10, 17) + timedelta(seconds=3)
    points = series_points(until - timedelta(hours=1000), until, "hour", ZoneInfo("Asia/Kolkata"))
    window = timedelta(weeks=13)
    plan = plan_series(points, window)
    # A response every 5 minutes, rolled up by hour and raw in the partial hours.
    per_hour = counts_from_scores(minute % 11 for minute in range(0, 60, 5))
    hours = (plan.hours_to - plan.hours_from) // timedelta(hours=1)
    hourly = {plan.hours_from + timedelta(hours=h): per_hour for h in range(hours)}
    raw = [
        (hour + timedelta(minutes=m), m % 11)
        for hour in plan.partial_hours
        for m in range(0, 60, 5)
    ]

    started = time.perf_counter()
    counts = series_counts(points, window, hourly, raw)
    elapsed = time.perf_counter() - started

    assert len(counts) == len(points) == 1001
    assert {sum(point) for point in counts} == {13 * 7 * 24 * 12}
    assert elapsed < 2.0  # about 0.1 s; re-summing each window one by one takes minutes
