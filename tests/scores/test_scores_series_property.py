"""GET /v1/scores/series: each point equals a recount of the export over its window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import given
from hypothesis import strategies as st

from tests.support import scores_oracle as oracle
from tests.support.scores_support import (
    ANCHORS,
    DIMENSIONS,
    EXAMPLES,
    HOUR,
    METRICS,
    OFFSETS,
    SPAN,
    Filters,
    answer_sets,
    clear,
    expected_export,
    export,
    filter_params,
    filters,
    instants,
    load,
    stamp,
    utc_text,
)
from tests.support.service import Service

ZONES = ("UTC", "Europe/Warsaw", "Asia/Kolkata", "America/St_Johns")
# The longest range per interval: a few hundred points at most.
LONGEST = {"hour": timedelta(days=4), "day": timedelta(days=9), "week": timedelta(days=40)}
WINDOWS = st.one_of(
    st.sampled_from(["1h", "3h", "12h", "1d", "2d", "7d", "1w", "2w"]),
    st.integers(1, 80).map(lambda hours: f"{hours}h"),
)


@dataclass(frozen=True)
class SeriesQuery:
    metric: str
    filters: Filters
    interval: str
    window: str
    tz: str
    since: datetime
    until: datetime
    group_by: str | None
    offset: timedelta

    def params(self) -> list[tuple[str, str]]:
        params = [
            ("metric", self.metric),
            *filter_params(self.filters),
            ("interval", self.interval),
            ("window", self.window),
            ("tz", self.tz),
            ("since", stamp(self.since, self.offset)),
            ("until", stamp(self.until, self.offset)),
        ]
        if self.group_by is not None:
            params.append(("group_by", self.group_by))
        return params


@st.composite
def series_queries(draw: st.DrawFn, anchor: datetime) -> SeriesQuery:
    interval = draw(st.sampled_from(["hour", "day", "week"]))
    since = draw(instants(anchor - timedelta(days=2), int((SPAN + timedelta(days=3)) / HOUR)))
    longest = int(LONGEST[interval].total_seconds())
    length = draw(
        st.one_of(
            st.integers(1, longest),
            st.integers(1, longest // 3600).map(lambda hours: hours * 3600),
            st.integers(1, longest // 1800).map(lambda halves: halves * 1800),
        )
    )
    return SeriesQuery(
        metric=draw(st.sampled_from(METRICS)),
        filters=draw(filters()),
        interval=interval,
        window=draw(WINDOWS),
        tz=draw(st.sampled_from(ZONES)),
        since=since,
        until=since + timedelta(seconds=length),
        group_by=draw(st.none() | st.sampled_from(DIMENSIONS)),
        offset=draw(st.sampled_from(OFFSETS)),
    )


def _points(
    metric: str, points: list[datetime], window: timedelta, answers: list[oracle.Answer]
) -> list[dict[str, Any]]:
    return [
        {"at": utc_text(at), **oracle.summary(metric, oracle.scores_in(answers, at - window, at))}
        for at in points
    ]


async def check_series(
    api: httpx.AsyncClient, loaded: list[oracle.Answer], query: SeriesQuery
) -> None:
    response = await api.get("/v1/scores/series", params=tuple(query.params()))
    assert response.status_code == 200, response.text
    body = response.json()
    window = oracle.parse_window(query.window)
    assert oracle.parse_window(body["window"]) == window
    points = oracle.series_points(query.since, query.until, query.interval, ZoneInfo(query.tz))
    start = points[0] - window
    params = [
        ("metric", query.metric),
        *filter_params(query.filters),
        ("since", utc_text(start)),
        ("until", utc_text(query.until)),
    ]
    answers = await export(api, params)
    assert sorted(a.id for a in answers) == expected_export(
        loaded, query.metric, query.filters, start, query.until
    ), "the export disagrees with what was loaded"

    expected: dict[str, Any] = {
        "metric": query.metric,
        "interval": query.interval,
        "window": body["window"],
        "tz": query.tz,
        "since": utc_text(query.since),
        "until": utc_text(query.until),
        "filters": body["filters"],
    }
    assert {name: set(values) for name, values in body["filters"].items()} == {
        name: set(values) for name, values in query.filters.items()
    }
    if query.group_by is None:
        expected["points"] = _points(query.metric, points, window, answers)
    else:
        name = query.group_by
        # A group is listed when some point counts at least one of its answers.
        counted = [a for a in answers if any(at - window <= a.at < at for at in points)]
        keys = sorted({answer.dimension(name) for answer in counted}, key=oracle.group_order)
        expected["groups"] = [
            {
                "key": key,
                "points": _points(
                    query.metric,
                    points,
                    window,
                    [answer for answer in answers if answer.dimension(name) == key],
                ),
            }
            for key in keys
        ]
    assert body == expected, query


@EXAMPLES
@given(data=st.data())
async def test_series_points_equal_a_recount_of_the_export(
    service: Service, api: httpx.AsyncClient, data: st.DataObject
) -> None:
    await clear(service.db)
    anchor = data.draw(st.sampled_from(ANCHORS), label="anchor")
    payloads = data.draw(answer_sets(anchor), label="answers")
    loaded = await load(api, payloads) if payloads else []
    queries = data.draw(st.lists(series_queries(anchor), min_size=1, max_size=3), label="queries")
    for query in queries:
        await check_series(api, loaded, query)


def test_the_oracle_places_points_like_the_contract_example() -> None:
    """docs/scoring.md: a Warsaw day series over the clock change of 2026-10-25."""
    until = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)
    since = datetime(2026, 10, 23, 9, 15, tzinfo=UTC)
    points = oracle.series_points(since, until, "day", ZoneInfo("Europe/Warsaw"))
    assert len(points) == 31
    assert points[:3] == [
        datetime(2026, 10, 23, 22, tzinfo=UTC),
        datetime(2026, 10, 24, 22, tzinfo=UTC),
        datetime(2026, 10, 25, 23, tzinfo=UTC),
    ]
    assert points[-2:] == [datetime(2026, 11, 21, 23, tzinfo=UTC), until]


def test_every_clock_change_of_the_zones_falls_on_the_oracles_grid() -> None:
    """The oracle only looks at instants on GRID: offsets must not change in between."""
    for name in ZONES:
        tz = ZoneInfo(name)
        for anchor in ANCHORS:
            at = anchor - timedelta(days=60)
            while at < anchor + timedelta(days=60):
                last = at + oracle.GRID - timedelta(seconds=1)
                assert at.astimezone(tz).utcoffset() == last.astimezone(tz).utcoffset(), (name, at)
                at += oracle.GRID
