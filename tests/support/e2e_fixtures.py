"""The fixtures of the end-to-end tests; a test module takes them in with

    pytest_plugins = ["tests.support.e2e_fixtures"]

A plugin module rather than a conftest.py, so that only the modules asking for these
fixtures (in tests/e2e and in the browser tests of tests/channels) take them in. Test
modules import helpers from e2e_support, never from here: a plugin module imported
before pytest registers it cannot have its asserts rewritten.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import pg_cluster
from tests.support.e2e_support import FreshDatabase, Launcher, RunningServer
from tests.support.fresh_databases import BACKENDS, require_postgres

_databases = itertools.count(1)


@pytest.fixture(scope="session", params=BACKENDS)
def e2e_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture(scope="session")
def fresh_database(
    e2e_backend: str,
    postgres: pg_cluster.ThrowawayCluster | str,
    tmp_path_factory: pytest.TempPathFactory,
) -> FreshDatabase:
    """Makes an empty, unmigrated database (`touchpoint serve` migrates it); gives its URL."""
    if e2e_backend == "sqlite":

        def sqlite_database(label: str) -> str:
            return f"sqlite:///{tmp_path_factory.mktemp(f'e2e-{label}') / 'touchpoint.db'}"

        return sqlite_database
    cluster = require_postgres(postgres)

    def postgres_database(label: str) -> str:
        url = cluster.create_database(f"e2e_{label}_{next(_databases)}")
        # What an operator writes: the plain scheme, not SQLAlchemy's driver-qualified one.
        return url.replace("postgresql+asyncpg://", "postgresql://", 1)

    return postgres_database


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    """For tests that start, stop and restart servers themselves; stops what is left."""
    launched = Launcher(tmp_path)
    try:
        yield launched
    finally:
        launched.stop_all()


@contextlib.contextmanager
def _module_server(
    fresh_database: FreshDatabase, factory: pytest.TempPathFactory, label: str, workers: int
) -> Iterator[RunningServer]:
    launched = Launcher(factory.mktemp(f"serve-{label}"))
    try:
        yield launched.start(fresh_database(label), workers=workers)
    finally:
        launched.stop_all()


@pytest.fixture(scope="module")
def e2e_server(
    fresh_database: FreshDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """One single-worker server per module and backend, on its own fresh database."""
    with _module_server(fresh_database, tmp_path_factory, "one", workers=1) as server:
        yield server


@pytest.fixture(scope="module")
def e2e_server_2_workers(
    fresh_database: FreshDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """`touchpoint serve --workers 2`, one per module and backend, on its own fresh database."""
    with _module_server(fresh_database, tmp_path_factory, "two", workers=2) as server:
        yield server
