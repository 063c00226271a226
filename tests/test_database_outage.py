"""A database that cannot be reached answers 503 with Retry-After, and nothing is half-written.

What counts as "cannot be reached" is told from the real errors of asyncpg, SQLite and
SQLAlchemy's pool, wrapped the way SQLAlchemy raises them; an outage is logged when it
begins and when it ends, not once per request. tests/e2e/test_e2e_database_outage.py
stops a real PostgreSQL under a real `touchpoint serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_dbapi,
)
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import Message, Receive, Scope, Send

from app.config import Settings
from app.db import Database, outage_cause
from app.operations.unexpected_errors import UnexpectedErrorMiddleware
from app.outages import OutageLog, describe
from app.responses import repository
from app.responses.models import SurveyResponse
from tests.support.service import Service


async def test_an_unreachable_database_is_a_retryable_503(
    service: Service, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("INSERT …", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(repository, "insert_many", refuse)
    answer = await api.post("/v1/responses", json={"metric": "nps", "score": 9})

    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    body = answer.json()
    assert body["type"] == "/problems/service-unavailable"
    assert body["status"] == 503
    assert "INSERT" not in answer.text
    async with service.db.engine.connect() as connection:
        stored = await connection.scalar(select(func.count()).select_from(SurveyResponse))
    assert stored == 0


async def test_the_writer_keeps_working_after_an_outage(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = repository.insert_many
    failures = iter([True])

    async def flaky(*args: Any, **kwargs: Any) -> None:
        if next(failures, False):
            raise OperationalError("INSERT …", {}, ConnectionResetError("reset"))
        await original(*args, **kwargs)

    monkeypatch.setattr(repository, "insert_many", flaky)
    assert (await api.post("/v1/responses", json={"metric": "nps", "score": 1})).status_code == 503
    assert (await api.post("/v1/responses", json={"metric": "nps", "score": 2})).status_code == 201


# --- what counts as an outage -------------------------------------------------------------

_PG = AsyncAdapt_asyncpg_dbapi(asyncpg)  # type: ignore[no-untyped-call]


def through_sqlalchemy(error: Exception, *, invalidated: bool = False) -> BaseException:
    """``error`` from asyncpg as SQLAlchemy's asyncpg dialect raises it, statement and all."""
    try:
        AsyncAdapt_asyncpg_connection._handle_exception_no_connection(_PG, error)
    except Exception as translated:
        return DBAPIError.instance(
            "INSERT INTO responses (comment) VALUES ($1)",
            ("a customer's words",),
            translated,
            _PG.Error,
            connection_invalidated=invalidated,
        )
    raise AssertionError("asyncpg errors are always translated")


def sqlite_error(path: Path, sql: str) -> BaseException:
    """A real error of SQLite's, as SQLAlchemy wraps it."""
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=0)) as connection:
            connection.execute(sql)
    except sqlite3.Error as error:
        return DBAPIError.instance(sql, (), error, sqlite3.Error)
    raise AssertionError(f"{sql} did not fail")


OUTAGES: dict[str, Callable[[], BaseException]] = {
    "starting up": lambda: through_sqlalchemy(
        asyncpg.CannotConnectNowError("the database system is starting up")
    ),
    "not yet accepting connections": lambda: through_sqlalchemy(
        asyncpg.CannotConnectNowError("the database system is not yet accepting connections")
    ),
    "shutting down": lambda: through_sqlalchemy(
        asyncpg.CannotConnectNowError("the database system is shutting down")
    ),
    "terminated by an immediate shutdown": lambda: through_sqlalchemy(
        asyncpg.AdminShutdownError("terminating connection due to immediate shutdown command")
    ),
    "crash of another backend": lambda: through_sqlalchemy(
        asyncpg.CrashShutdownError("terminating connection because of crash of another process")
    ),
    "dropped mid-query": lambda: through_sqlalchemy(
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        invalidated=True,
    ),
    "too many clients": lambda: through_sqlalchemy(
        asyncpg.TooManyConnectionsError("sorry, too many clients already")
    ),
    "a closed connection the pool saw die": lambda: through_sqlalchemy(
        asyncpg.InterfaceError("connection is closed"), invalidated=True
    ),
    "asyncpg raw: starting up": lambda: asyncpg.CannotConnectNowError(
        "the database system is starting up"
    ),
    "refused": lambda: ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    "reset": lambda: ConnectionResetError(104, "Connection reset by peer"),
    "connect timed out": lambda: TimeoutError(),
    "no such host": lambda: socket.gaierror(-2, "Name or service not known"),
    "the pool has no connection to give": lambda: PoolTimeout(
        "QueuePool limit of size 10 overflow 10 reached, connection timed out"
    ),
}


@pytest.mark.parametrize("make", OUTAGES.values(), ids=OUTAGES.keys())
def test_a_database_that_cannot_be_reached_is_an_outage(make: Callable[[], BaseException]) -> None:
    error = make()

    cause = outage_cause(error)

    assert cause is not None
    # What the log says is the driver's reason, never the statement or its parameters.
    assert "INSERT" not in describe(cause)
    assert "a customer's words" not in describe(cause)


NOT_OUTAGES: dict[str, Callable[[], BaseException]] = {
    "a unique key": lambda: through_sqlalchemy(
        asyncpg.UniqueViolationError('duplicate key value violates unique constraint "pk"')
    ),
    "a missing table": lambda: through_sqlalchemy(
        asyncpg.UndefinedTableError('relation "responses" does not exist')
    ),
    "a statement timeout": lambda: through_sqlalchemy(
        asyncpg.QueryCanceledError("canceling statement due to statement timeout")
    ),
    "two queries at once on one connection": lambda: through_sqlalchemy(
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress")
    ),
    "a value the column cannot take": lambda: through_sqlalchemy(
        asyncpg.DataError("invalid input for query argument $1")
    ),
    "a bug": lambda: KeyError("score"),
}


@pytest.mark.parametrize("make", NOT_OUTAGES.values(), ids=NOT_OUTAGES.keys())
def test_a_bug_in_a_database_call_is_not_an_outage(make: Callable[[], BaseException]) -> None:
    assert outage_cause(make()) is None


def test_sqlite_that_cannot_open_its_file_is_an_outage(tmp_path: Path) -> None:
    error = sqlite_error(tmp_path / "no-such-folder" / "touchpoint.db", "SELECT 1")

    assert isinstance(error, OperationalError)
    assert outage_cause(error) is not None


def test_sqlite_locked_by_another_writer_is_an_outage(tmp_path: Path) -> None:
    path = tmp_path / "touchpoint.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN IMMEDIATE")
        error = sqlite_error(path, "INSERT INTO t VALUES (1)")

    assert isinstance(error, OperationalError)
    assert outage_cause(error) is not None


def test_sqlite_asked_for_a_missing_table_is_a_bug(tmp_path: Path) -> None:
    error = sqlite_error(tmp_path / "touchpoint.db", "SELECT * FROM nowhere")

    assert isinstance(error, OperationalError)
    assert outage_cause(error) is None


def test_an_error_raised_from_an_outage_is_one() -> None:
    error = RuntimeError("could not load the origins")
    error.__cause__ = ConnectionRefusedError(111, "Connection refused")

    assert isinstance(outage_cause(error), ConnectionRefusedError)


# --- what the log says about an outage ----------------------------------------------------


def _app_database(service: Service) -> Database:
    transport = service.client._transport
    assert isinstance(transport, httpx.ASGITransport)
    db: Database = transport.app.state.db  # type: ignore[attr-defined]
    return db


@contextlib.asynccontextmanager
async def unreachable(db: Database, tmp_path: Path) -> AsyncIterator[None]:
    """New connections fail as the driver fails them for real; pooled ones are gone."""
    with pytest.MonkeyPatch.context() as outage:
        if db.dialect == "postgresql":

            async def starting_up(*_args: Any, **_kwargs: Any) -> None:
                raise asyncpg.CannotConnectNowError("the database system is starting up")

            outage.setattr(asyncpg, "connect", starting_up)
        else:
            unopenable = str(tmp_path / "gone" / "touchpoint.db")
            connect = sqlite3.connect
            outage.setattr(sqlite3, "connect", lambda *_a, **kw: connect(unopenable, **kw))
        await db.engine.dispose()
        yield


async def test_an_outage_is_logged_when_it_begins_and_when_it_ends_not_per_request(
    service: Service, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    db = _app_database(service)
    db.outages.settle_seconds = 0  # over at the first success (settling: tested below)
    async with unreachable(db, tmp_path):
        with caplog.at_level(logging.INFO, logger="touchpoint"):
            answers = await asyncio.gather(
                *(api.post("/v1/responses", json={"metric": "nps", "score": 7}) for _ in range(20)),
                *(api.get("/v1/scores", params={"metric": "nps"}) for _ in range(20)),
            )
    with caplog.at_level(logging.INFO, logger="touchpoint"):
        assert (
            await api.post("/v1/responses", json={"metric": "nps", "score": 8})
        ).status_code == 201
        assert (
            await api.post("/v1/responses", json={"metric": "nps", "score": 9})
        ).status_code == 201

    assert {answer.status_code for answer in answers} == {503}
    assert all(answer.headers["retry-after"] == "1" for answer in answers)
    outage_lines = [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name != "touchpoint.access"
    ]
    assert len(outage_lines) == 2, outage_lines
    (began_level, began), (ended_level, ended) = outage_lines
    assert began_level == "ERROR"
    assert began.startswith("the database cannot be reached (")
    assert ended_level == "INFO"
    assert ended.startswith("the database answers again")
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"


async def test_a_group_of_writes_that_meets_an_outage_is_503s_without_tracebacks(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def dropped(*_args: Any, **_kwargs: Any) -> None:
        raise through_sqlalchemy(
            asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
            invalidated=True,
        )

    monkeypatch.setattr(repository, "insert_many", dropped)
    with caplog.at_level(logging.INFO, logger="touchpoint"):
        answers = await asyncio.gather(
            *(api.post("/v1/responses", json={"metric": "csat", "score": 4}) for _ in range(30))
        )

    assert {answer.status_code for answer in answers} == {503}
    logged = [(r.name, r.levelname) for r in caplog.records if r.name != "touchpoint.access"]
    assert logged == [("touchpoint.outage", "ERROR")]
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"


@pytest.mark.parametrize("export", ["csv", "ndjson"])
async def test_an_export_that_meets_an_outage_is_a_503_not_a_cut_off_200(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, export: str
) -> None:
    def starting_up(*_args: Any, **_kwargs: Any) -> AsyncIterator[Any]:
        raise through_sqlalchemy(
            asyncpg.CannotConnectNowError("the database system is starting up")
        )

    monkeypatch.setattr(repository, "stream", starting_up)
    answer = await api.get("/v1/responses", params={"format": export})

    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"


def _bare_scope(db: SimpleNamespace) -> dict[str, Any]:
    return {
        "type": "http", "method": "GET", "path": "/v1/responses", "headers": [],
        "app": SimpleNamespace(state=SimpleNamespace(db=db)),
    }  # fmt: skip


@pytest.mark.parametrize("after_headers", [False, True], ids=["before", "after the headers"])
async def test_an_outage_outside_the_routes_is_a_503_or_a_closed_stream_never_a_traceback(
    caplog: pytest.LogCaptureFixture, after_headers: bool
) -> None:
    async def exporting(_scope: Scope, _receive: Receive, send: Send) -> None:
        if after_headers:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("the export stopped") from ConnectionResetError(104, "reset")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    db = SimpleNamespace(outages=OutageLog())
    with caplog.at_level(logging.INFO, logger="touchpoint"):
        await UnexpectedErrorMiddleware(exporting)(_bare_scope(db), receive, send)

    if after_headers:  # all that is left to do is to close the stream
        assert [(m["type"], m["status"]) for m in sent] == [("http.response.start", 200)]
    else:
        assert sent[0]["status"] == 503
        assert dict(sent[0]["headers"])[b"retry-after"] == b"1"
    assert db.outages.ongoing
    assert [record.name for record in caplog.records] == ["touchpoint.outage"]
    assert not caplog.records[0].exc_info


async def test_a_bug_in_a_database_call_is_still_a_500_logged_with_its_traceback(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def misused(*_args: Any, **_kwargs: Any) -> None:
        raise through_sqlalchemy(
            asyncpg.InterfaceError("cannot perform operation: another operation is in progress")
        )

    monkeypatch.setattr(repository, "insert_many", misused)
    with caplog.at_level(logging.INFO, logger="touchpoint"):
        answer = await api.post("/v1/responses", json={"metric": "nps", "score": 3})

    assert answer.status_code == 500
    [bug] = [record for record in caplog.records if record.name == "touchpoint.errors"]
    assert bug.exc_info is not None
    assert not [record for record in caplog.records if record.name == "touchpoint.outage"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_outage_ends_once_nothing_has_failed_for_the_settling_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    log = OutageLog(settle_seconds=2.0, clock=clock)
    refused = ConnectionRefusedError(111, "Connection refused")

    with caplog.at_level(logging.INFO, logger="touchpoint.outage"):
        log.answered()  # no outage: nothing to say
        log.met(refused)
        clock.now += 1
        log.answered()  # a BEGIN that worked, in a transaction that will fail
        log.met(refused)
        clock.now += 1.5
        log.answered()  # 1.5 s after the last failure: not settled yet
        clock.now += 0.5
        log.answered()
        log.answered()

    lines = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert lines == [
        (
            "ERROR",
            "the database cannot be reached (ConnectionRefusedError: [Errno 111] Connection "
            "refused); answering 503 until it answers again",
        ),
        ("INFO", "the database answers again; it could not be reached for 1.0 s"),
    ]
    assert not log.ongoing


async def test_a_postgres_host_that_never_answers_is_an_outage_after_the_connect_timeout() -> None:
    with socket.socket() as silent:  # completes TCP handshakes, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = Settings(
            database_url=f"postgresql://postgres@127.0.0.1:{port}/touchpoint",
            db_connect_timeout_seconds=0.2,
        )
        db = Database.connect(settings)
        try:
            async with asyncio.timeout(30) as guard:
                with pytest.raises(Exception) as raised:  # noqa: PT011 (the type is the point)
                    async with db.engine.connect():
                        pass
        finally:
            await db.dispose()

    assert not guard.expired()
    assert isinstance(outage_cause(raised.value), TimeoutError)


async def test_the_pool_replaces_connections_the_server_killed(
    service: Service, api: httpx.AsyncClient
) -> None:
    db = _app_database(service)
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    assert (await api.post("/v1/responses", json={"metric": "nps", "score": 1})).status_code == 201
    async with service.db.engine.connect() as killer:
        killed = await killer.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert killed

    answers = [
        await api.post("/v1/responses", json={"metric": "nps", "score": s}) for s in range(4)
    ]

    assert [answer.status_code for answer in answers] == [201] * 4
