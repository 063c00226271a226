"""GET /v1/scores equals a recomputation from GET /v1/responses with the same filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from tests.support import scores_oracle as oracle
from tests.support.scores_support import (
    ANCHORS,
    DIMENSIONS,
    EXAMPLES,
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
    parse,
    stamp,
    utc_text,
)
from tests.support.service import Service

WINDOWS = st.one_of(
    st.sampled_from(["1h", "2h", "6h", "12h", "1d", "2d", "3d", "1w", "4d"]),
    st.integers(1, 150).map(lambda hours: f"{hours}h"),
)


@dataclass(frozen=True)
class ScoreQuery:
    metric: str
    filters: Filters
    since: datetime | None
    until: datetime | None
    window: str | None
    group_by: str | None
    compare: bool
    offset: timedelta  # how since and until are written
    page_size: int | None  # how the export is read: None streams NDJSON

    def params(self) -> list[tuple[str, str]]:
        params = [("metric", self.metric), *filter_params(self.filters)]
        if self.since is not None:
            params.append(("since", stamp(self.since, self.offset)))
        if self.until is not None:
            params.append(("until", stamp(self.until, self.offset)))
        if self.window is not None:
            params.append(("window", self.window))
        if self.group_by is not None:
            params.append(("group_by", self.group_by))
        if self.compare:
            params.append(("compare", "previous"))
        return params

    def export_params(self, since: datetime, until: datetime) -> list[tuple[str, str]]:
        return [
            ("metric", self.metric),
            *filter_params(self.filters),
            ("since", utc_text(since)),
            ("until", utc_text(until)),
        ]


@st.composite
def score_queries(draw: st.DrawFn, anchor: datetime, moments: list[datetime]) -> ScoreQuery:
    moment = instants(
        anchor - timedelta(days=1), int((SPAN + timedelta(days=2)).total_seconds()) // 3600
    )
    if moments:  # often exactly at an answer, or a second either side of it
        near = st.tuples(st.sampled_from(moments), st.integers(-1, 1)).map(
            lambda x: x[0] + timedelta(seconds=x[1])
        )
        moment = st.one_of(moment, near, near)
    since = until = None
    window = None
    how = draw(st.sampled_from(["explicit", "window", "window-until-now"]))
    if how == "explicit":
        since, until = sorted([draw(moment), draw(moment)])
        if since == until:
            until += timedelta(seconds=draw(st.integers(1, 7200)))
    elif how == "window":
        window, until = draw(WINDOWS), draw(moment)
    else:  # the default `until` (now): only a long window reaches the answers
        window = draw(st.sampled_from(["30d", "60d", "400d"]))
    return ScoreQuery(
        metric=draw(st.sampled_from(METRICS)),
        filters=draw(filters()),
        since=since,
        until=until,
        window=window,
        group_by=draw(st.none() | st.sampled_from(DIMENSIONS)),
        compare=draw(st.booleans()),
        offset=draw(st.sampled_from(OFFSETS)),
        page_size=draw(st.none() | st.integers(3, 120)),
    )


def _groups(
    query: ScoreQuery, current: list[oracle.Answer], previous: list[oracle.Answer] | None
) -> list[dict[str, Any]]:
    assert query.group_by is not None
    name = query.group_by
    keys = {answer.dimension(name) for answer in [*current, *(previous or [])]}
    groups = []
    for key in sorted(keys, key=oracle.group_order):
        now = [answer.score for answer in current if answer.dimension(name) == key]
        group: dict[str, Any] = {"key": key, **oracle.summary(query.metric, now)}
        if previous is not None:
            before = [answer.score for answer in previous if answer.dimension(name) == key]
            group["previous"] = oracle.summary(query.metric, before)
            group.update(oracle.change(query.metric, now, before))
        groups.append(group)
    return groups


async def check_score(
    api: httpx.AsyncClient, loaded: list[oracle.Answer], query: ScoreQuery
) -> None:
    response = await api.get("/v1/scores", params=tuple(query.params()))
    assert response.status_code == 200, response.text
    body = response.json()
    since, until = parse(body["since"]), parse(body["until"])
    if query.since is not None:
        assert since == query.since
    if query.until is not None:
        assert until == query.until
    else:
        assert abs(until - datetime.now(UTC)) < timedelta(seconds=10)
    if query.window is not None:
        assert until - since == oracle.parse_window(query.window)

    current = await export(api, query.export_params(since, until), query.page_size)
    assert sorted(a.id for a in current) == expected_export(
        loaded, query.metric, query.filters, since, until
    ), "the export disagrees with what was loaded"
    previous = None
    if query.compare:
        start = since - (until - since)
        previous = await export(api, query.export_params(start, since), query.page_size)
        assert sorted(a.id for a in previous) == expected_export(
            loaded, query.metric, query.filters, start, since
        ), "the export disagrees with what was loaded"

    scores = [answer.score for answer in current]
    expected: dict[str, Any] = {
        "metric": query.metric,
        "since": utc_text(since),
        "until": utc_text(until),
        "filters": body["filters"],
        "overall": oracle.summary(query.metric, scores),
    }
    assert {name: set(values) for name, values in body["filters"].items()} == {
        name: set(values) for name, values in query.filters.items()
    }
    if query.group_by is not None:
        expected["groups"] = _groups(query, current, previous)
    if previous is not None:
        before = [answer.score for answer in previous]
        expected["previous"] = oracle.summary(query.metric, before)
        expected.update(oracle.change(query.metric, scores, before))
    assert body == expected, query


@EXAMPLES
@given(data=st.data())
async def test_scores_equal_a_recount_of_the_export(
    service: Service, api: httpx.AsyncClient, data: st.DataObject
) -> None:
    await clear(service.db)
    anchor = data.draw(st.sampled_from(ANCHORS), label="anchor")
    payloads = data.draw(answer_sets(anchor), label="answers")
    loaded = await load(api, payloads) if payloads else []
    moments = [answer.at for answer in loaded]
    queries = data.draw(
        st.lists(score_queries(anchor, moments), min_size=1, max_size=4), label="queries"
    )
    for query in queries:
        await check_score(api, loaded, query)
