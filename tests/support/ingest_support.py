"""What the responses and respondents tests share: the problem catalogue, table snapshots,
second app instances and small builders."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import Table, delete, func, select, update

from app.config import Settings
from app.counts.models import SCALE_COLUMNS, DimensionCounts, HourlyCounts
from app.db import Database
from app.main import create_app
from app.responses.models import SurveyResponse

RESPONSES = cast(Table, SurveyResponse.__table__)
HOURLY = cast(Table, HourlyCounts.__table__)
BY_DIMENSION = cast(Table, DimensionCounts.__table__)

# Every field of a stored response as the API returns it, and nothing else.
RESPONSE_FIELDS = {
    "id",
    "metric",
    "score",
    "comment",
    "survey",
    "touchpoint",
    "channel",
    "location",
    "properties",
    "locale",
    "responded_at",
    "received_at",
    "updated_at",
    "idempotency_key",
}
UTC_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class _AnyText:
    """Equal to any non-empty string: messages are for people, fields are the contract."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and bool(other)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<any non-empty text>"


ANY_TEXT: Any = _AnyText()


def assert_response_shape(body: Mapping[str, Any]) -> None:
    """A response object: every documented field, UTC ``Z`` timestamps, no respondent."""
    assert set(body) == RESPONSE_FIELDS, sorted(body)
    uuid.UUID(body["id"])
    for name in ("responded_at", "received_at", "updated_at"):
        assert UTC_Z.match(body[name]), (name, body[name])


def z(at: datetime) -> str:
    """How the API writes a timestamp."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_z(text: str) -> datetime:
    assert UTC_Z.match(text), text
    return datetime.fromisoformat(text)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def nps(score: int = 9, **fields: Any) -> dict[str, Any]:
    return {"metric": "nps", "score": score, **fields}


# --- what the database holds ---------------------------------------------------------


async def table_contents(db: Database) -> list[list[tuple[Any, ...]]]:
    """Every row of responses and of both rollups, every column, in a stable order."""
    contents = []
    async with db.engine.connect() as connection:
        for table in (RESPONSES, HOURLY, BY_DIMENSION):
            rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
            contents.append([tuple(row) for row in rows])
    return contents


@asynccontextmanager
async def changes_nothing(db: Database) -> AsyncIterator[None]:
    """The responses table and both rollups are the same after the block as before it."""
    before = await table_contents(db)
    yield
    after = await table_contents(db)
    assert after[0] == before[0], "the responses table changed"
    assert after[1] == before[1], "the hourly_counts table changed"
    assert after[2] == before[2], "the dimension_counts table changed"


async def stored_count(db: Database) -> int:
    async with db.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(RESPONSES)) or 0)


async def counted_total(db: Database) -> int:
    """How many answers the hourly counts hold, all dimensions together."""
    sums = [func.coalesce(func.sum(HOURLY.c[name]), 0) for name in SCALE_COLUMNS]
    async with db.engine.connect() as connection:
        row = (await connection.execute(select(*sums))).one()
        return sum(int(value) for value in row)


async def stored_rows(db: Database) -> list[dict[str, Any]]:
    """Every responses row with every column, internal ones included."""
    async with db.engine.connect() as connection:
        result = await connection.execute(select(RESPONSES).order_by(RESPONSES.c.id))
        return [dict(row._mapping) for row in result]


async def set_times(db: Database, response_id: str, **times: datetime) -> None:
    """Move a stored response's timestamps, e.g. to make a later change visible."""
    async with db.write_engine.begin() as connection:
        await connection.execute(
            update(RESPONSES).where(RESPONSES.c.id == uuid.UUID(response_id)).values(**times)
        )


async def empty_tables(db: Database) -> None:
    async with db.write_engine.begin() as connection:
        await connection.execute(delete(RESPONSES))
        await connection.execute(delete(HOURLY))


# --- more processes on the same database ---------------------------------------------


@asynccontextmanager
async def another_app(settings: Settings, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A second, independent instance of the service (its own engine and writer)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as client:
            yield client


def hours_ago(hours: float) -> datetime:
    return now() - timedelta(hours=hours)
