"""The SQL views BI tools read agree with the API, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from tests.support.service import Service

DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)


def _at(hours: float) -> str:
    return (DAY + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


ANSWERS = [
    {"metric": "nps", "score": 10, "touchpoint": "checkout", "responded_at": _at(1)},
    {"metric": "nps", "score": 9, "touchpoint": "checkout", "responded_at": _at(23.9)},
    {"metric": "nps", "score": 3, "touchpoint": "checkout", "responded_at": _at(5)},
    {"metric": "nps", "score": 8, "responded_at": _at(7)},
    {"metric": "nps", "score": 0, "touchpoint": "checkout", "responded_at": _at(24.5)},
    {"metric": "csat", "score": 4, "location": "store-1", "responded_at": _at(2)},
    {"metric": "csat", "score": 2, "location": "store-1", "responded_at": _at(3)},
]


async def _load(api: httpx.AsyncClient) -> None:
    answer = await api.post("/v1/responses/batch", json={"responses": ANSWERS})
    assert [r["status"] for r in answer.json()["results"]] == ["created"] * len(ANSWERS)


async def test_bi_responses_lists_every_answer_without_private_columns(
    service: Service, api: httpx.AsyncClient
) -> None:
    await _load(api)
    async with service.db.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM bi_responses"))).mappings().all()
    assert len(rows) == len(ANSWERS)
    assert set(rows[0]) == {
        "id", "metric", "score", "comment", "survey", "touchpoint", "channel", "location",
        "locale", "properties", "responded_at", "received_at", "updated_at",
    }  # fmt: skip


async def test_bi_daily_counts_add_up_to_the_api_score_of_that_utc_day(
    service: Service, api: httpx.AsyncClient
) -> None:
    await _load(api)
    async with service.db.engine.connect() as connection:
        rows = (
            (
                await connection.execute(
                    text(
                        "SELECT CAST(day AS TEXT) AS day, touchpoint, responses, promoters, "
                        "passives, detractors, c9, c10 FROM bi_daily_counts WHERE metric = 'nps'"
                    )
                )
            )
            .mappings()
            .all()
        )
    first_day = [row for row in rows if row["day"] == DAY.strftime("%Y-%m-%d")]
    assert sum(row["responses"] for row in first_day) == 4
    checkout = next(row for row in first_day if row["touchpoint"] == "checkout")
    assert (checkout["promoters"], checkout["passives"], checkout["detractors"]) == (2, 0, 1)
    untagged = next(row for row in first_day if row["touchpoint"] is None)
    assert (untagged["responses"], untagged["passives"]) == (1, 1)

    score = await api.get(
        "/v1/scores",
        params={"metric": "nps", "since": _at(0), "until": _at(24), "group_by": "touchpoint"},
    )
    groups = {group["key"]: group for group in score.json()["groups"]}
    assert groups["checkout"]["responses"] == checkout["responses"]
    assert groups["checkout"]["promoters"] == checkout["promoters"]
    assert groups[None]["responses"] == untagged["responses"]


async def test_bi_daily_counts_give_top_box_for_csat(
    service: Service, api: httpx.AsyncClient
) -> None:
    await _load(api)
    async with service.db.engine.connect() as connection:
        row = (
            (
                await connection.execute(
                    text(
                        "SELECT responses, top_box, promoters, location FROM bi_daily_counts "
                        "WHERE metric = 'csat'"
                    )
                )
            )
            .mappings()
            .one()
        )
    assert dict(row) == {"responses": 2, "top_box": 1, "promoters": None, "location": "store-1"}


async def test_bi_responses_shows_ids_and_times_as_the_api_does(
    service: Service, api: httpx.AsyncClient
) -> None:
    await _load(api)
    listed = (await api.get("/v1/responses", params={"limit": 100})).json()["data"]
    async with service.db.engine.connect() as connection:
        result = await connection.exec_driver_sql(
            "SELECT id, responded_at, received_at, updated_at FROM bi_responses"
        )
        rows = result.all()

    def api_text(value: object) -> str:
        if isinstance(value, datetime):  # PostgreSQL's timestamptz: the instant itself
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return str(value)  # PostgreSQL's uuid, or SQLite's text

    assert sorted(tuple(api_text(value) for value in row) for row in rows) == sorted(
        (r["id"], r["responded_at"], r["received_at"], r["updated_at"]) for r in listed
    )
