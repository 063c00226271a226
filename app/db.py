"""Engine, sessions and column types shared by every domain."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from app.config import Settings
from app.outages import OutageLog

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def async_url(database_url: str) -> URL:
    """``sqlite:///x.db`` and ``postgresql://…`` with the async drivers we ship."""
    url = make_url(database_url)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        return url.set(drivername="sqlite+aiosqlite")
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+psycopg"):
        url = url.set(drivername="postgresql+asyncpg")
    if url.drivername == "postgresql+asyncpg" and "sslmode" in url.query:
        # libpq's sslmode, as hosting providers write it; asyncpg takes the same modes as ssl.
        mode = url.query["sslmode"]
        url = url.difference_update_query(["sslmode"]).update_query_dict({"ssl": mode})
    return url


def make_engine(settings: Settings, *, pool_size: int | None = None) -> AsyncEngine:
    url = async_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, pool_size=pool_size or settings.db_pool_size)
        _configure_sqlite(engine, settings)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size or settings.db_pool_size,
        pool_pre_ping=True,
        # A 201 means the row is on disk: never let a server default of "off" weaken that.
        connect_args={
            "server_settings": {"synchronous_commit": "on", "application_name": "touchpoint"},
            "timeout": settings.db_connect_timeout_seconds,  # asyncpg's default is 60 s
        },
    )


def _configure_sqlite(engine: AsyncEngine, settings: Settings) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take BEGIN into our own hands (see _on_begin) instead of the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={settings.sqlite_synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front: a deferred transaction that reads and then writes
        # fails with SQLITE_BUSY instead of waiting when another writer got there first.
        mode = "IMMEDIATE" if conn.get_execution_options().get("writes") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


# PostgreSQL is down, starting, stopping or full: class 08 (connection exception) and these.
_OUTAGE_SQLSTATES = frozenset({"53300", "57P01", "57P02", "57P03"})
# SQLite's file cannot be opened, read, written or locked right now (primary result codes).
_SQLITE_OUTAGE_CODES = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)
# SQLAlchemy's error, the driver's under it and a `raise … from` or two; a cycle ends here.
_CHAIN_LIMIT = 8


def outage_cause(error: BaseException) -> BaseException | None:
    """What in ``error`` says the database cannot be reached right now, or None if nothing does.

    That is a 503 the client may retry, not a bug: a refused, reset or timed-out socket,
    a pool with no connection to give, a connection the driver saw die (SQLAlchemy's
    ``connection_invalidated``), PostgreSQL refusing connections (starting up, shutting
    down, too many clients) or dropping them, SQLite's file locked or unreadable. A bug
    that merely happens in a database call (bad SQL, a constraint) is not an outage.
    The search follows the driver error under a SQLAlchemy one and ``raise … from``.
    """
    current: BaseException | None = error
    for _ in range(_CHAIN_LIMIT):
        if current is None:
            return None
        if _names_an_outage(current):
            return current
        if isinstance(current, DBAPIError) and isinstance(current.orig, BaseException):
            if current.connection_invalidated and outage_cause(current.orig) is None:
                return current.orig
            current = current.orig
        else:
            current = current.__cause__
    return None


# The types an outage arrives as; outage_cause() tells which of their instances are one.
OUTAGE_CARRIERS: tuple[type[Exception], ...] = (SQLAlchemyError, OSError)


def _names_an_outage(error: BaseException) -> bool:
    if isinstance(error, OSError | PoolTimeout):  # OSError: refused, reset, TimeoutError
        return True
    if isinstance(error, DBAPIError):
        return error.connection_invalidated and not isinstance(error.orig, BaseException)
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith("08") or sqlstate in _OUTAGE_SQLSTATES
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _SQLITE_OUTAGE_CODES


# Deadlock and serialisation failures (PostgreSQL): the transaction may simply run again.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


class WriteRace(Exception):
    """A write transaction lost a race with another one; running it again is safe."""


@asynccontextmanager
async def races_are_retryable() -> AsyncIterator[None]:
    """Turn unique-key races, deadlocks and serialisation failures into ``WriteRace``."""
    try:
        yield
    except IntegrityError as error:
        raise WriteRace from error
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            raise WriteRace from error
        raise


T = TypeVar("T")

# The loser of a unique-key race needs one more run to see the winner's row; the third
# covers a deadlock or serialisation failure (PostgreSQL) meeting it on the way.
RACE_ATTEMPTS = 3


async def run_retrying_races(
    db: Database,
    work: Callable[[AsyncConnection], Awaitable[T]],
    *,
    attempts: int = RACE_ATTEMPTS,
) -> T:
    """Run ``work`` in a write transaction and commit; run it again while it loses a race.

    A unique-key race, deadlock or serialisation failure rolls the transaction back and
    runs ``work`` afresh in a new one, up to ``attempts`` runs in all; the last one's
    ``WriteRace`` reaches the caller. Any other error is raised at once. ``work`` must
    therefore only touch the database through the connection it is given.
    """
    for attempt in range(1, attempts + 1):
        try:
            async with races_are_retryable(), db.write_engine.begin() as connection:
                return await work(connection)
        except WriteRace:
            if attempt == attempts:
                raise
    raise ValueError(f"attempts must be at least 1, not {attempts}")


@dataclass(frozen=True)
class Database:
    """What a process holds to reach the database: built in the app's lifespan.

    The ways in, by what the caller does:

    - writes that may race another writer (a unique key, a deadlock):
      ``run_retrying_races(db, work)``, the one place a lost race runs again;
    - other writes: ``write_engine.begin()`` (Core) or ``writers()`` and
      ``session.begin()`` (ORM); both take SQLite's write lock up front;
    - reads: ``engine.connect()`` (Core) or ``readers()`` (ORM);
      ``snapshot()`` when several queries must see one state of the database.
    """

    engine: AsyncEngine
    # The same pool; its transactions take SQLite's write lock up front.
    write_engine: AsyncEngine
    readers: async_sessionmaker[AsyncSession]
    writers: async_sessionmaker[AsyncSession]
    # Fed by the statements that succeed and the callers that meet an outage.
    outages: OutageLog

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def connect(cls, settings: Settings, *, pool_size: int | None = None) -> Database:
        engine = make_engine(settings, pool_size=pool_size)
        write_engine = engine.execution_options(writes=True)
        outages = OutageLog()

        @event.listens_for(engine.sync_engine, "after_cursor_execute")
        def _answered(*_args: Any) -> None:
            outages.answered()

        return cls(
            engine=engine,
            write_engine=write_engine,
            readers=async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
            writers=async_sessionmaker(write_engine, expire_on_commit=False, autoflush=False),
            outages=outages,
        )

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncConnection]:
        """A read transaction that sees one state of the database for all its queries."""
        async with self.engine.connect() as connection:
            if self.dialect == "postgresql":
                await connection.execution_options(isolation_level="REPEATABLE READ")
            async with connection.begin():
                yield connection

    async def dispose(self) -> None:
        await self.engine.dispose()


@dataclass(frozen=True)
class DriverStatement:
    """A Core statement compiled once for one dialect, run with ``exec_driver_sql``.

    The hot ingest path skips SQLAlchemy's per-row parameter processing: rows are
    tuples in ``names`` order, with values as the driver wants them (``driver_value``).
    """

    sql: str
    names: tuple[str, ...]

    @classmethod
    def compile(cls, statement: Any, dialect: Dialect, column_keys: list[str]) -> DriverStatement:
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        names = tuple(compiled.positiontup or ())
        if names != tuple(column_keys):
            raise RuntimeError(f"parameters compiled as {names}, expected {column_keys}")
        return cls(str(compiled), names)


def driver_value(dialect_name: str, value: Any) -> Any:
    """UUIDs and timestamps as the raw driver takes them (what SQLAlchemy would have sent)."""
    if dialect_name != "sqlite":
        return value
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return sqlite_timestamp(value)
    return value


def sqlite_timestamp(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text (always 6 fraction digits); much faster than strftime."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
