"""Every database test runs twice: on SQLite and on a real PostgreSQL server.

The PostgreSQL server is a throwaway cluster this session starts itself (see
tests/support/pg_cluster.py). Without PostgreSQL binaries its half of the suite is skipped with the
reason, except under CI=true, where that is a failure.

Each test gets a migrated database emptied before it starts. Tests do not roll back an
outer transaction: the service commits on connections of its own (group commit), and
what the tests check is exactly that those commits happened.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.keys.scopes import Scope
from app.main import create_app
from tests.support import pg_cluster
from tests.support.fresh_databases import BACKENDS, migrate, require_postgres
from tests.support.service import Service

_EMPTIED_TABLES = ("responses", "hourly_counts", "dimension_counts", "api_keys", "surveys")


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg_cluster.ThrowawayCluster | str]:
    cluster = pg_cluster.start_cluster()
    yield cluster
    if not isinstance(cluster, str):
        cluster.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest,
    postgres: pg_cluster.ThrowawayCluster | str,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """A database migrated by Alembic (never create_all), once per backend per session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'touchpoint.db'}"
    else:
        url = require_postgres(postgres).create_database("suite")
    asyncio.run(migrate(url))
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, key_cache_seconds=0)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database.connect(settings, pool_size=2)
    async with database.write_engine.begin() as connection:
        for table in _EMPTIED_TABLES:
            await connection.execute(text(f"DELETE FROM {table}"))
    yield database
    await database.dispose()


@pytest.fixture
async def service(db: Database, settings: Settings) -> AsyncIterator[Service]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Service(client, db, settings)


@pytest.fixture
async def api(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding a key with every scope."""
    client = await service.client_with(*Scope)
    async with client:
        yield client


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def pytest_report_header() -> list[str]:
    reason = pg_cluster.unavailable_reason()
    where = "PostgreSQL: " + (f"UNAVAILABLE — {reason}" if reason else "throwaway cluster")
    return [where, f"CI={os.environ.get('CI', '')}"]
