"""Bringing the database schema to the newest migration; Alembic is the only way in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.config import Settings
from app.db import Database

# Any fixed number: all replicas of this service agree on it, nothing else uses it.
_MIGRATION_LOCK = 7_312_026


# Shipped inside the package: pyproject.toml maps the repository's migrations/ to
# app.migrations, so an installed touchpoint migrates from any folder.
SCRIPT_LOCATION = "app.migrations:"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["skip_logging_config"] = True
    return config


def migrations_dir() -> Path:
    return Path(ScriptDirectory.from_config(alembic_config()).dir)


class DatabaseUnusable(RuntimeError):
    """The configured database cannot be opened; the message is one line for the operator."""


@asynccontextmanager
async def migrated(settings: Settings, *, pool_size: int | None = None) -> AsyncIterator[Database]:
    """The database at the newest revision; a SQLite file made here is removed if that failed."""
    head_revision()  # the scripts load before anything is made
    _check_url(settings.database_url)
    made = _sqlite_file_to_make(settings.database_url)
    db = Database.connect(settings, pool_size=pool_size)
    try:
        try:
            await _open(db)
            await upgrade(db)
        except BaseException:
            await db.dispose()  # closed before its files go
            if made is not None:
                for path in (made, *(made.with_name(made.name + s) for s in _SQLITE_SIDECARS)):
                    path.unlink(missing_ok=True)
            raise
        yield db
    finally:
        await db.dispose()


_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


# TypeError: the URL's query holds an option the driver does not take (`?foo=bar`).
_UNOPENABLE: tuple[type[Exception], ...] = (DBAPIError, TypeError, PoolTimeout, OSError)


async def _open(db: Database) -> None:
    """Connect once, so that what fails here is the address, not a migration."""
    try:
        async with db.engine.connect():
            pass
    except _UNOPENABLE as error:
        raise DatabaseUnusable(f"cannot open the database: {_reason(error)}") from error


def _check_url(database_url: str) -> None:
    """What app.config cannot judge without SQLAlchemy; the URL is never repeated."""
    try:
        url = make_url(database_url)
    except (ArgumentError, ValueError):
        raise DatabaseUnusable(
            "TOUCHPOINT_DATABASE_URL: cannot be read (is the port a number?): use "
            "sqlite:///path/to/file.db or postgresql://user:password@host/database"
        ) from None
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        # Every connection would get a database of its own, gone when it closes.
        raise DatabaseUnusable(
            "TOUCHPOINT_DATABASE_URL: an in-memory SQLite database keeps nothing: "
            "use sqlite:///path/to/file.db"
        )


def _sqlite_file_to_make(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database)
    if path.exists():
        return None
    if not path.parent.is_dir():
        raise DatabaseUnusable(f"the folder {path.parent} for the SQLite database does not exist")
    return path


def _reason(error: BaseException) -> str:
    cause = error.orig if isinstance(error, DBAPIError) else error
    return " ".join(str(cause).split()) or type(cause).__name__


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(db: Database, revision: str = "head") -> None:
    """Apply migrations; concurrent starters wait for each other instead of racing."""
    async with db.engine.execution_options(writes=True).begin() as connection:
        if db.dialect == "postgresql":
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        await connection.run_sync(_run_alembic, "upgrade", revision)


async def downgrade(db: Database, revision: str) -> None:
    async with db.engine.execution_options(writes=True).begin() as connection:
        await connection.run_sync(_run_alembic, "downgrade", revision)


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def _run_alembic(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)
