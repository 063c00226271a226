"""run_retrying_races: the one place a write transaction that lost a race runs again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import Database, WriteRace, run_retrying_races


@pytest.fixture
async def probe(db: Database) -> AsyncIterator[Database]:
    """A table of unique ids holding 1, so inserting 1 again loses a unique-key race."""
    async with db.write_engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS retry_probe"))
        await connection.execute(text("CREATE TABLE retry_probe (id INTEGER PRIMARY KEY)"))
        await connection.execute(text("INSERT INTO retry_probe (id) VALUES (1)"))
    yield db
    async with db.write_engine.begin() as connection:
        await connection.execute(text("DROP TABLE retry_probe"))


async def _insert(connection: AsyncConnection, id_: int) -> None:
    await connection.execute(text("INSERT INTO retry_probe (id) VALUES (:id)"), {"id": id_})


async def _ids(db: Database) -> list[int]:
    async with db.engine.connect() as connection:
        result = await connection.execute(text("SELECT id FROM retry_probe ORDER BY id"))
        return list(result.scalars())


async def test_a_lost_race_rolls_back_and_runs_again_in_a_new_transaction_that_commits(
    probe: Database,
) -> None:
    runs: list[int] = []

    async def work(connection: AsyncConnection) -> str:
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            await _insert(connection, 2)
            await _insert(connection, 1)  # the other writer's row: a unique-key race
        await _insert(connection, 3)
        return "done"

    assert await run_retrying_races(probe, work) == "done"
    assert runs == [1, 2]
    assert await _ids(probe) == [1, 3]  # the first run's 2 was rolled back, 3 committed once


async def test_a_race_lost_on_every_run_reaches_the_caller_after_the_last_attempt(
    probe: Database,
) -> None:
    runs = 0

    async def work(connection: AsyncConnection) -> None:
        nonlocal runs
        runs += 1
        await _insert(connection, 10 + runs)
        await _insert(connection, 1)

    with pytest.raises(WriteRace):
        await run_retrying_races(probe, work, attempts=4)
    assert runs == 4
    assert await _ids(probe) == [1]


async def test_any_other_error_is_raised_at_once_and_its_writes_are_rolled_back(
    probe: Database,
) -> None:
    runs = 0

    async def work(connection: AsyncConnection) -> None:
        nonlocal runs
        runs += 1
        await _insert(connection, 2)
        await connection.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DBAPIError, match="no_such_table"):
        await run_retrying_races(probe, work)
    assert runs == 1
    assert await _ids(probe) == [1]


async def test_work_that_wins_runs_once(probe: Database) -> None:
    runs = 0

    async def work(connection: AsyncConnection) -> None:
        nonlocal runs
        runs += 1
        await _insert(connection, 2)

    await run_retrying_races(probe, work)
    assert runs == 1
    assert await _ids(probe) == [1, 2]
