"""A `touchpoint` that cannot start says why in one line and leaves nothing behind."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from app import schema
from app.cli import main
from app.config import Settings, get_settings
from app.db import Database
from tests.support import pg_cluster
from tests.support.fresh_databases import BACKENDS, fresh_database

COMMANDS = [("migrate",), ("serve", "--port", "1"), ("keys", "list")]


def run_in(folder: Path, url: str, *args: str) -> Result:
    get_settings.cache_clear()  # the command reads TOUCHPOINT_DATABASE_URL through it
    before = Path.cwd()
    os.chdir(folder)  # where a relative sqlite:///./touchpoint.db would land
    try:
        return CliRunner().invoke(main, list(args), env={"TOUCHPOINT_DATABASE_URL": url})
    finally:
        os.chdir(before)
        get_settings.cache_clear()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: args[0])
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "TOUCHPOINT_DATABASE_URL: not a URL: use sqlite:///"),
        ("mysql://x", "TOUCHPOINT_DATABASE_URL: mysql:// is not supported: use sqlite:///"),
        ("sqlitex://./x.db", "TOUCHPOINT_DATABASE_URL: sqlitex:// is not supported"),
        ("sqlite:////nonexistent-dir/x.db", "the folder /nonexistent-dir for the SQLite"),
        ("postgresql://u:secret@127.0.0.1:1/db", "cannot open the database: "),
        ("postgresql://u:secret@db:port/x", "TOUCHPOINT_DATABASE_URL: cannot be read (is the port"),
        ("postgresql://u:secret@[::1/x", "TOUCHPOINT_DATABASE_URL: cannot be read"),
        ("sqlite://", "TOUCHPOINT_DATABASE_URL: an in-memory SQLite database keeps nothing"),
        ("sqlite:///:memory:", "TOUCHPOINT_DATABASE_URL: an in-memory SQLite database"),
        ("postgresql://u:secret@127.0.0.1:1/db?foo=1", "cannot open the database: connect() got"),
    ],
)
def test_a_bad_database_url_is_one_line_on_stderr_and_makes_nothing(
    tmp_path: Path, url: str, message: str, args: tuple[str, ...]
) -> None:
    result = run_in(tmp_path, url, *args)

    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: {message}"), line
    assert "secret" not in line  # a URL may hold a password: it is never echoed
    assert list(tmp_path.iterdir()) == []


def test_every_wrong_setting_is_named_on_the_one_line(tmp_path: Path) -> None:
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            main,
            ["migrate"],
            env={"TOUCHPOINT_DATABASE_URL": "mysql://x", "TOUCHPOINT_LOG_LEVEL": "chatty"},
        )
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert "TOUCHPOINT_DATABASE_URL: mysql://" in line
    assert "; TOUCHPOINT_LOG_LEVEL: Input should be" in line


@pytest.fixture(params=BACKENDS)
def fresh_url(
    request: pytest.FixtureRequest, postgres: pg_cluster.ThrowawayCluster | str, tmp_path: Path
) -> Iterator[str]:
    with fresh_database(request.param, postgres, tmp_path) as url:
        yield url


def _half_a_migration(connection: Connection, action: str, revision: str) -> None:
    connection.execute(text("CREATE TABLE half_done (id INTEGER PRIMARY KEY)"))
    raise RuntimeError("a migration failed half-way")


async def _tables(url: str) -> list[str]:
    db = Database.connect(Settings(database_url=url), pool_size=1)
    try:
        async with db.engine.connect() as connection:
            return await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await db.dispose()


def test_a_start_whose_migration_fails_leaves_no_file_and_no_table(
    fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "_run_alembic", _half_a_migration)
    folder = tmp_path / "start"
    folder.mkdir()
    url = "sqlite:///./touchpoint.db" if fresh_url.startswith("sqlite") else fresh_url

    result = run_in(folder, url, "migrate")

    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
    assert list(folder.iterdir()) == []  # not even an empty touchpoint.db, -wal or -shm
    if not fresh_url.startswith("sqlite"):
        assert asyncio.run(_tables(fresh_url)) == []  # the migration's transaction is undone


def test_a_failed_migration_keeps_a_database_that_was_there_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    assert run_in(tmp_path, url, "migrate").exit_code == 0
    monkeypatch.setattr(schema, "_run_alembic", _half_a_migration)

    result = run_in(tmp_path, url, "migrate")

    assert result.exit_code == 1
    assert (tmp_path / "kept.db").stat().st_size > 0
    assert "responses" in asyncio.run(_tables(url))


def test_a_postgresql_database_that_does_not_exist_is_one_line(
    postgres: pg_cluster.ThrowawayCluster | str, tmp_path: Path
) -> None:
    with fresh_database("postgresql", postgres, tmp_path) as url:
        missing = url.rsplit("/", 1)[0] + "/no_such_database"
    result = run_in(tmp_path, missing, "migrate")

    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: cannot open the database: "), line
    assert "no_such_database" in line
