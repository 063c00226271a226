"""The hourly counts always equal a GROUP BY recount of the responses table.

Random sequences of creates (single, batch, idempotent retries and conflicts), comment
edits and respondent erasures; after every step the rollup is compared with a recount.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import httpx
from conftest import Service
from hypothesis import given
from hypothesis import strategies as st
from scores_oracle import SCALES
from scores_support import ANCHORS, EXAMPLES, METRICS, clear, export, new_answers
from sqlalchemy import Table, func, select

from app.counts.models import DimensionCounts, HourlyCounts
from app.db import Database
from app.responses.models import SurveyResponse

RESPONSES = cast(Table, SurveyResponse.__table__)
HOURLY = cast(Table, HourlyCounts.__table__)
BY_DIMENSION = cast(Table, DimensionCounts.__table__)
COUNT_COLUMNS = [f"c{value}" for value in range(11)]
RESPONDENTS = ("cust-1", "cust-2", "cust-3")
IDEMPOTENCY_KEYS = ("k-1", "k-2", "k-3")
COMMENT_CHARACTERS = st.characters(exclude_characters="\x00")
RollupKey = tuple[str, datetime, str, str, str, str]


@dataclass(frozen=True)
class Create:
    items: list[dict[str, Any]]
    batch: bool


@dataclass(frozen=True)
class Patch:
    pick: int  # which created response, modulo how many exist
    comment: str | None


@dataclass(frozen=True)
class Erase:
    respondent: str


@st.composite
def tagged_answers(draw: st.DrawFn) -> dict[str, Any]:
    item = draw(new_answers(ANCHORS[2]))
    respondent = draw(st.none() | st.sampled_from(RESPONDENTS))
    if respondent is not None:
        item["respondent"] = respondent
    key = draw(st.none() | st.sampled_from(IDEMPOTENCY_KEYS))
    if key is not None:  # a retry (same payload) or a conflict (another payload)
        item["idempotency_key"] = key
    return item


operations = st.one_of(
    st.builds(Create, st.lists(tagged_answers(), min_size=1, max_size=12), st.booleans()),
    # No NUL: PostgreSQL cannot store it (a bug of the responses domain, reported apart).
    st.builds(Patch, st.integers(0, 1000), st.none() | st.text(COMMENT_CHARACTERS, max_size=20)),
    st.builds(Erase, st.sampled_from(RESPONDENTS)),
)


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


async def apply(api: httpx.AsyncClient, operation: object, created: list[str]) -> None:
    if isinstance(operation, Create) and operation.batch:
        response = await api.post("/v1/responses/batch", json={"responses": operation.items})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert {result["status"] for result in results} <= {"created", "duplicate", "conflict"}
        created += [result["id"] for result in results if result["status"] == "created"]
    elif isinstance(operation, Create):
        for item in operation.items:
            response = await api.post("/v1/responses", json=item)
            assert response.status_code in (200, 201, 409), response.text
            if response.status_code == 201:
                created.append(response.json()["id"])
    elif isinstance(operation, Patch) and created:
        target = created[operation.pick % len(created)]
        response = await api.patch(f"/v1/responses/{target}", json={"comment": operation.comment})
        assert response.status_code in (200, 404), response.text  # 404: erased meanwhile
    elif isinstance(operation, Erase):
        response = await api.delete(f"/v1/respondents/{operation.respondent}")
        assert response.status_code == 200, response.text


@EXAMPLES
@given(steps=st.lists(operations, min_size=1, max_size=10))
async def test_hourly_counts_equal_a_recount_after_any_history(
    service: Service, api: httpx.AsyncClient, steps: list[object]
) -> None:
    await clear(service.db)
    created: list[str] = []
    for step in steps:
        await apply(api, step, created)
        recounted = await recount(service.db)
        assert await rollup(service.db) == recounted, step
        assert await per_dimension(service.db) == per_dimension_recount(recounted), step
    # And what the scores say agrees with the export once the dust has settled.
    for metric in METRICS:
        scores = await api.get("/v1/scores", params={"metric": metric, "window": "400d"})
        assert scores.status_code == 200, scores.text
        body = scores.json()
        params = [("metric", metric), ("since", body["since"]), ("until", body["until"])]
        tally = Counter(answer.score for answer in await export(api, params))
        expected = {str(value): tally[value] for value in SCALES[metric]}
        assert body["overall"]["distribution"] == expected
