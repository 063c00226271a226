"""docs/bi.md is true: its SQL recipes give the right rows on the database they are for."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.support.service import Service

NOW = datetime.now(UTC).replace(microsecond=0)
SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)
TITLE = re.compile(r"^-- (?P<title>.*?)(?: \((?P<dialect>PostgreSQL|SQLite)\))?\n")
NPS_30_DAYS = "NPS per touchpoint over the last 30 complete UTC days"
CSAT_ALL_TIME = "CSAT (% of 4–5) per location, all time"
DETRACTORS_7_DAYS = "Detractors' comments of the last 7 days, newest first"
READ_ONLY_USER = "A read-only user for a BI tool"


def _ago(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


ANSWERS = [
    {"metric": "nps", "score": 10, "touchpoint": "checkout", "responded_at": _ago(3)},
    {"metric": "nps", "score": 3, "touchpoint": "checkout", "responded_at": _ago(3),
     "comment": "Queue too long"},
    {"metric": "nps", "score": 0, "touchpoint": "checkout", "responded_at": _ago(40),
     "comment": "Old complaint"},
    {"metric": "nps", "score": 1, "touchpoint": "checkout", "responded_at": _ago(0),
     "comment": "Card reader broken"},
    {"metric": "nps", "score": 9, "touchpoint": "delivery", "responded_at": _ago(10)},
    {"metric": "nps", "score": 10, "touchpoint": "delivery", "responded_at": _ago(10)},
    {"metric": "nps", "score": 6, "touchpoint": "delivery", "responded_at": _ago(10),
     "comment": "Late"},
    {"metric": "csat", "score": 4, "location": "store-1", "responded_at": _ago(50)},
    {"metric": "csat", "score": 2, "location": "store-1", "responded_at": _ago(2)},
    {"metric": "csat", "score": 5, "location": "store-2", "responded_at": _ago(400)},
]  # fmt: skip


def recipes(repo_root: Path) -> dict[tuple[str, str | None], str]:
    """Each ```sql block of docs/bi.md by (title, dialect); no dialect means both."""
    found = {}
    for block in SQL_BLOCK.findall((repo_root / "docs" / "bi.md").read_text()):
        title = TITLE.match(block)
        assert title, f"a recipe in docs/bi.md starts with a '-- title' line:\n{block}"
        found[(title["title"], title["dialect"])] = block
    return found


def for_dialect(repo_root: Path, dialect: str) -> dict[str, str]:
    name = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[dialect]
    return {
        title: sql for (title, given), sql in recipes(repo_root).items() if given in (None, name)
    }


def statements(sql: str) -> list[str]:
    return [part for part in re.split(r";\s*$", sql, flags=re.MULTILINE) if part.strip()]


async def rows(connection: AsyncConnection, sql: str) -> list[tuple[Any, ...]]:
    [statement] = statements(sql)
    return [tuple(row) for row in (await connection.exec_driver_sql(statement)).all()]


async def _load(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = await api.post("/v1/responses/batch", json={"responses": ANSWERS})
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["created"] * len(ANSWERS)
    listed = (await api.get("/v1/responses", params={"limit": 100})).json()["data"]
    by_id = {response["id"]: response for response in listed}
    return [by_id[result["id"]] for result in results]


def _numbers(found: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """ROUND gives numeric on PostgreSQL and a float on SQLite; compare them as floats."""
    return [
        tuple(float(v) if not isinstance(v, str | None | int) else v for v in row) for row in found
    ]


def _as_api_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


async def _check_nps_30_days(
    connection: AsyncConnection, sql: str, stored: list[dict[str, Any]]
) -> None:
    # Today's answer is not in a complete day; the 40-day-old one is outside the range.
    assert _numbers(await rows(connection, sql)) == [("delivery", 3, 33.33), ("checkout", 2, 0.0)]


async def _check_csat_all_time(
    connection: AsyncConnection, sql: str, stored: list[dict[str, Any]]
) -> None:
    found = sorted(_numbers(await rows(connection, sql)))
    assert found == [("store-1", 2, 50.0), ("store-2", 1, 100.0)]


async def _check_detractors_7_days(
    connection: AsyncConnection, sql: str, stored: list[dict[str, Any]]
) -> None:
    found = [
        tuple(_as_api_text(v) for v in row[:2]) + row[2:] for row in await rows(connection, sql)
    ]
    expected = [stored[3], stored[1]]  # newest first; 10 and 40 days old are left out
    assert found == [
        (r["id"], r["responded_at"], r["touchpoint"], r["score"], r["comment"]) for r in expected
    ]


async def _check_read_only_user(
    connection: AsyncConnection, sql: str, stored: list[dict[str, Any]]
) -> None:
    for statement in statements(sql):
        await connection.exec_driver_sql(statement)
    await connection.exec_driver_sql("SET ROLE metabase")
    for view in ("bi_responses", "bi_daily_counts"):
        assert (await connection.exec_driver_sql(f"SELECT count(*) FROM {view}")).scalar()
    with pytest.raises(DBAPIError, match="permission denied"):
        await connection.exec_driver_sql("SELECT count(*) FROM responses")


Check = Callable[[AsyncConnection, str, list[dict[str, Any]]], Any]
CHECKS: dict[str, Check] = {
    NPS_30_DAYS: _check_nps_30_days,
    CSAT_ALL_TIME: _check_csat_all_time,
    DETRACTORS_7_DAYS: _check_detractors_7_days,
    READ_ONLY_USER: _check_read_only_user,
}
ON_BOTH = {NPS_30_DAYS, CSAT_ALL_TIME, DETRACTORS_7_DAYS}


def test_every_recipe_is_given_for_both_databases_and_checked_here(repo_root: Path) -> None:
    assert set(for_dialect(repo_root, "sqlite")) == ON_BOTH
    assert set(for_dialect(repo_root, "postgresql")) == ON_BOTH | {READ_ONLY_USER}


async def test_each_recipe_gives_the_documented_rows(
    service: Service, api: httpx.AsyncClient, repo_root: Path
) -> None:
    stored = await _load(api)
    dialect = service.db.dialect
    for title, sql in for_dialect(repo_root, dialect).items():
        async with service.db.engine.connect() as connection:
            try:
                await CHECKS[title](connection, sql, stored)
            except AssertionError as failure:
                raise AssertionError(f"docs/bi.md, {title!r} on {dialect}") from failure
            finally:
                await connection.rollback()  # the read-only user is made for this test only
