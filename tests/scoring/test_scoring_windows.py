"""Windows [since, until): whole hours from the hourly rollup, edge hours from raw rows."""

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scoring import (
    EMPTY_COUNTS,
    WindowPlan,
    ceil_hour,
    floor_hour,
    parse_window,
    plan_window,
    window_counts,
)

Event = tuple[datetime, int]
START = datetime(2026, 3, 28, tzinfo=UTC)


def at(hour: int, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    """An instant on 2026-03-28 (UTC); hours past 23 run into the next days."""
    return START + timedelta(hours=hour, minutes=minute, seconds=second, microseconds=microsecond)


instants = st.datetimes(
    min_value=START.replace(tzinfo=None),
    max_value=(START + timedelta(days=3)).replace(tzinfo=None),
    timezones=st.just(UTC),
)
hour_starts = st.integers(0, 72).map(at)
whole_seconds = instants.map(lambda instant: instant.replace(microsecond=0))
events = st.lists(st.tuples(st.one_of(instants, hour_starts), st.integers(0, 10)), max_size=60)


def hourly_rollup(rows: list[Event]) -> dict[datetime, tuple[int, ...]]:
    """What the database's hourly rollup holds for these rows."""
    per_hour: defaultdict[datetime, Counter[int]] = defaultdict(Counter)
    for instant, score in rows:
        per_hour[instant.replace(minute=0, second=0, microsecond=0)][score] += 1
    return {hour: tuple(tally[v] for v in range(11)) for hour, tally in per_hour.items()}


def counted_one_by_one(rows: list[Event], since: datetime, until: datetime) -> tuple[int, ...]:
    tally = Counter(score for instant, score in rows if since <= instant < until)
    return tuple(tally[v] for v in range(11))


@st.composite
def windows_over_events(draw: st.DrawFn) -> tuple[datetime, datetime, list[Event]]:
    rows = draw(events)
    moments = [instants, hour_starts, whole_seconds]
    if rows:
        moments.append(st.sampled_from([instant for instant, _ in rows]))
    since, until = sorted([draw(st.one_of(moments)), draw(st.one_of(moments))])
    return since, until, rows


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("1h", timedelta(hours=1)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(hours=7 * 24)),
        ("30d", timedelta(days=30)),
        ("13w", timedelta(days=91)),
        ("1830d", timedelta(days=1830)),
        ("43920h", timedelta(days=1830)),
        ("261w", timedelta(days=1827)),
    ],
)
def test_window_lengths_are_absolute(text: str, length: timedelta) -> None:
    assert parse_window(text) == length


@pytest.mark.parametrize(
    "text",
    ["", "d", "0d", "07d", "1.5d", "-1d", "1m", "7D", " 7d", "7d\n", "7 d", "\u0661d", "123456h"],
)
def test_a_malformed_window_is_explained(text: str) -> None:
    with pytest.raises(ValueError, match=r"like 12h, 7d, 30d or 13w"):
        parse_window(text)


@pytest.mark.parametrize("text", ["1831d", "262w", "43921h", "99999h", "99999w"])
def test_windows_longer_than_about_five_years_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="maximum of 1830 days"):
        parse_window(text)


def test_floor_and_ceil_move_to_utc_hour_starts() -> None:
    assert floor_hour(at(10, 59, 59, 999_999)) == at(10)
    assert ceil_hour(at(10, 0, 0, 1)) == at(11)
    assert floor_hour(at(10)) == ceil_hour(at(10)) == at(10)


def test_floor_hour_works_in_utc_whatever_the_offset_given() -> None:
    india = timezone(timedelta(hours=5, minutes=30))

    assert floor_hour(datetime(2026, 3, 28, 16, 15, tzinfo=india)) == at(10)
    assert floor_hour(datetime(2026, 3, 28, 16, 15, tzinfo=india)).tzinfo is UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        floor_hour(datetime(2026, 3, 28))


def test_plan_of_a_window_on_hour_boundaries_has_no_partial_hours() -> None:
    assert plan_window(at(10), at(13)) == WindowPlan(at(10), at(13), ())


def test_plan_of_a_window_with_ragged_edges() -> None:
    assert plan_window(at(10, 30), at(13, 15)) == WindowPlan(at(11), at(13), (at(10), at(13)))
    assert plan_window(at(10, 30), at(13)) == WindowPlan(at(11), at(13), (at(10),))
    assert plan_window(at(10), at(13, 0, 1)) == WindowPlan(at(10), at(13), (at(13),))


def test_plan_of_a_window_across_two_adjacent_hours_has_no_full_hour() -> None:
    assert plan_window(at(10, 30), at(11, 15)) == WindowPlan(at(11), at(11), (at(10), at(11)))


def test_plan_of_a_window_inside_one_hour_is_that_partial_hour() -> None:
    assert plan_window(at(10, 15, 30), at(10, 45)) == WindowPlan(at(10), at(10), (at(10),))


def test_plan_of_an_empty_window_needs_nothing() -> None:
    assert plan_window(at(10, 30), at(10, 30)) == WindowPlan(at(10), at(10), ())


def test_a_window_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="is after until"):
        plan_window(at(11), at(10))


def test_window_counts_adds_whole_hours_and_the_raw_rows_inside_the_window() -> None:
    since, until = at(10, 30), at(12, 15)
    hourly = {at(9): (5,) + (0,) * 10, at(11): (0, 2) + (0,) * 9, at(12): (0, 0, 9) + (0,) * 8}
    raw = [(at(10, 29, 59), 3), (at(10, 30), 4), (at(12, 14, 59), 5), (at(12, 15), 6)]

    counts = window_counts(plan_window(since, until), since, until, hourly, raw)

    assert counts == (0, 2, 0, 0, 1, 1, 0, 0, 0, 0, 0)


@given(windows_over_events())
def test_window_counts_equal_counting_every_response_one_by_one(
    window: tuple[datetime, datetime, list[Event]],
) -> None:
    since, until, rows = window
    plan = plan_window(since, until)
    edge_rows = [
        (instant, score) for instant, score in rows if floor_hour(instant) in plan.partial_hours
    ]
    expected = counted_one_by_one(rows, since, until)

    assert window_counts(plan, since, until, hourly_rollup(rows), edge_rows) == expected
    # Supersets are fine: rollup hours and raw rows outside the plan are ignored.
    assert window_counts(plan, since, until, hourly_rollup(rows), rows) == expected


@given(windows_over_events())
def test_plan_covers_the_window_with_whole_hours_and_at_most_two_edge_hours(
    window: tuple[datetime, datetime, list[Event]],
) -> None:
    since, until, _ = window
    plan = plan_window(since, until)
    hour = timedelta(hours=1)

    assert plan.full_hours_from <= plan.full_hours_to
    assert floor_hour(plan.full_hours_from) == plan.full_hours_from
    assert floor_hour(plan.full_hours_to) == plan.full_hours_to
    assert len(plan.partial_hours) == len(set(plan.partial_hours)) <= 2
    if plan.full_hours_from < plan.full_hours_to:
        assert since <= plan.full_hours_from < plan.full_hours_to <= until
    for start in plan.partial_hours:
        assert floor_hour(start) == start
        assert start < until  # overlaps the window
        assert since < start + hour
        assert not (since <= start and start + hour <= until)  # but is not inside it


def test_an_empty_window_counts_nothing() -> None:
    plan = plan_window(at(10, 30), at(10, 30))

    assert window_counts(plan, at(10, 30), at(10, 30), {}, [(at(10, 30), 7)]) == EMPTY_COUNTS
