"""Scores read whole hours from the hourly rollups and only the edge hours from raw rows.

This documents the design (docs/scoring.md, "Which answers count: windows") by
tampering with the database behind the service's back: a change to the rollup of a
whole hour inside the window shows in the score, a change to the rollup of a partial
edge hour does not, and for raw rows it is the other way round. A query with no
filter, or on one dimension, reads the per-dimension rollup; one that filters or
groups on two or more dimensions reads the rollup per combination of dimensions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

import httpx
import pytest
from sqlalchemy import Table, delete, text, update

from app.counts.models import DimensionCounts, HourlyCounts
from app.db import Database
from app.responses.models import SurveyResponse
from tests.support.scores_support import stamp
from tests.support.service import Service

HOURLY = cast(Table, HourlyCounts.__table__)
BY_DIMENSION = cast(Table, DimensionCounts.__table__)
RESPONSES = cast(Table, SurveyResponse.__table__)
DAY = (2026, 10, 20)
# The window [10:40:00, 12:40:00): edge hours 10:00 and 12:00, one whole hour 11:00.
SINCE, UNTIL = datetime(*DAY, 10, 40, tzinfo=UTC), datetime(*DAY, 12, 40, tzinfo=UTC)
INSIDE = {  # name: responded_at
    "edge-since": datetime(*DAY, 10, 45, tzinfo=UTC),
    "whole": datetime(*DAY, 11, 0, tzinfo=UTC),
    "edge-until": datetime(*DAY, 12, 39, 59, tzinfo=UTC),
}
# In the edge hours but outside the window; their location appears nowhere else.
OUTSIDE = (datetime(*DAY, 10, 39, 59, tzinfo=UTC), datetime(*DAY, 12, 40, tzinfo=UTC))


def hour(h: int) -> datetime:
    return datetime(*DAY, h, tzinfo=UTC)


async def counted(
    api: httpx.AsyncClient, since: datetime, until: datetime, **filters: str
) -> tuple[int, int]:
    """Responses counted by GET /v1/scores and by the series' final point."""
    score = await api.get(
        "/v1/scores",
        params={"metric": "nps", "since": stamp(since), "until": stamp(until), **filters},
    )
    assert score.status_code == 200, score.text
    window = f"{int((until - since).total_seconds()) // 3600}h"
    series = await api.get(
        "/v1/scores/series",
        params={
            "metric": "nps",
            "interval": "day",
            "window": window,
            "since": stamp(until - timedelta(minutes=1)),
            "until": stamp(until),
            **filters,
        },
    )
    assert series.status_code == 200, series.text
    [point] = series.json()["points"]
    return score.json()["overall"]["responses"], point["responses"]


async def add_to_rollup(db: Database, at: datetime, promoters: int) -> None:
    """Tamper with the hour's total row, which queries with no filter read."""
    async with db.write_engine.begin() as connection:
        result = await connection.execute(
            update(BY_DIMENSION)
            .where(
                BY_DIMENSION.c.hour == at,
                BY_DIMENSION.c.metric == "nps",
                BY_DIMENSION.c.dimension == "",
            )
            .values(c10=BY_DIMENSION.c.c10 + promoters)
        )
        assert result.rowcount == 1


async def add_to_combinations(db: Database, at: datetime, promoters: int) -> None:
    async with db.write_engine.begin() as connection:
        result = await connection.execute(
            update(HOURLY)
            .where(HOURLY.c.hour == at, HOURLY.c.metric == "nps")
            .values(c10=HOURLY.c.c10 + promoters)
        )
        assert result.rowcount >= 1


async def delete_raw(db: Database, at: datetime) -> None:
    async with db.write_engine.begin() as connection:
        result = await connection.execute(delete(RESPONSES).where(RESPONSES.c.responded_at == at))
        assert result.rowcount == 1


async def test_whole_hours_come_from_the_rollup_and_edges_from_raw_rows(
    service: Service, api: httpx.AsyncClient
) -> None:
    answers = [{"metric": "nps", "score": 10, "responded_at": stamp(at)} for at in INSIDE.values()]
    answers += [
        {"metric": "nps", "score": 10, "responded_at": stamp(at), "location": "elsewhere"}
        for at in OUTSIDE
    ]
    response = await api.post("/v1/responses/batch", json={"responses": answers})
    assert response.status_code == 200, response.text
    assert await counted(api, SINCE, UNTIL) == (3, 3)

    # Whole hour: the rollup is the truth.
    await add_to_rollup(service.db, hour(11), 100)
    assert await counted(api, SINCE, UNTIL) == (103, 103)
    assert await counted(api, hour(11), hour(12)) == (101, 101)
    await delete_raw(service.db, INSIDE["whole"])
    assert await counted(api, SINCE, UNTIL) == (103, 103)

    # Edge hours: the raw rows are the truth.
    await add_to_rollup(service.db, hour(10), 50)
    await add_to_rollup(service.db, hour(12), 50)
    assert await counted(api, SINCE, UNTIL) == (103, 103)
    await delete_raw(service.db, INSIDE["edge-since"])
    await delete_raw(service.db, INSIDE["edge-until"])
    assert await counted(api, SINCE, UNTIL) == (101, 101)


async def test_queries_on_two_dimensions_read_the_rollup_per_combination(
    service: Service, api: httpx.AsyncClient
) -> None:
    tagged = {"survey": "onboarding", "touchpoint": "signup"}
    answers = [
        {"metric": "nps", "score": 10, "responded_at": stamp(at), **tagged}
        for at in INSIDE.values()
    ]
    response = await api.post("/v1/responses/batch", json={"responses": answers})
    assert response.status_code == 200, response.text
    assert await counted(api, SINCE, UNTIL, **tagged) == (3, 3)
    assert await counted(api, SINCE, UNTIL, survey="onboarding") == (3, 3)

    await add_to_combinations(service.db, hour(11), 100)
    assert await counted(api, SINCE, UNTIL, **tagged) == (103, 103)
    assert await counted(api, SINCE, UNTIL, survey="onboarding") == (3, 3)  # one dimension
    assert await counted(api, SINCE, UNTIL) == (3, 3)  # no filter

    await add_to_rollup(service.db, hour(11), 7)
    assert await counted(api, SINCE, UNTIL) == (10, 10)
    assert await counted(api, SINCE, UNTIL, **tagged) == (103, 103)


async def test_rows_read_for_an_edge_hour_but_outside_the_window_make_no_group(
    api: httpx.AsyncClient,
) -> None:
    answers = [
        {"metric": "nps", "score": 10, "responded_at": stamp(at), "location": "store-1"}
        for at in INSIDE.values()
    ]
    answers += [
        {"metric": "nps", "score": 0, "responded_at": stamp(at), "location": "elsewhere"}
        for at in OUTSIDE
    ]
    response = await api.post("/v1/responses/batch", json={"responses": answers})
    assert response.status_code == 200, response.text
    window = {"since": stamp(SINCE), "until": stamp(UNTIL), "group_by": "location"}
    score = await api.get("/v1/scores", params={"metric": "nps", **window})
    assert [group["key"] for group in score.json()["groups"]] == ["store-1"]
    # One point, at UNTIL, whose trailing 2 h are exactly [SINCE, UNTIL).
    window["since"] = stamp(UNTIL - timedelta(minutes=30))
    series = await api.get(
        "/v1/scores/series", params={"metric": "nps", "interval": "day", "window": "2h", **window}
    )
    groups = series.json()["groups"]
    assert [group["key"] for group in groups] == ["store-1"]
    assert [point["responses"] for point in groups[0]["points"]] == [3]


async def test_an_erased_group_disappears_from_scores_and_series(api: httpx.AsyncClient) -> None:
    """Erasure leaves the group's rollup rows at zero; no group may be built from them."""
    at = INSIDE["whole"]
    answers = [
        {"metric": "nps", "score": 9, "responded_at": stamp(at), "location": "store-1"},
        {
            "metric": "nps",
            "score": 0,
            "responded_at": stamp(at),
            "location": "gone",
            "respondent": "cust-erased",
        },
    ]
    response = await api.post("/v1/responses/batch", json={"responses": answers})
    assert response.status_code == 200, response.text
    erased = await api.delete("/v1/respondents/cust-erased")
    assert erased.json() == {"responses_deleted": 1}

    window = {"metric": "nps", "since": stamp(SINCE), "until": stamp(UNTIL), "group_by": "location"}
    score = (await api.get("/v1/scores", params=window)).json()
    assert [group["key"] for group in score["groups"]] == ["store-1"]
    assert score["overall"]["responses"] == 1
    series = (await api.get("/v1/scores/series", params={**window, "window": "2h"})).json()
    assert [group["key"] for group in series["groups"]] == ["store-1"]


async def test_on_sqlite_per_dimension_counts_are_kept_in_key_order(db: Database) -> None:
    """WITHOUT ROWID (migration 0005): a score's hours are one contiguous run of the table."""
    async with db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            pytest.skip("SQLite only: PostgreSQL reads the range through the key's index")
        ddl = await connection.scalar(
            text("SELECT sql FROM sqlite_master WHERE name = 'dimension_counts'")
        )
    assert ddl is not None
    assert ddl.rstrip().upper().endswith("WITHOUT ROWID")
