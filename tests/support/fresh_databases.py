"""Empty, never-migrated databases, for tests of migrations, the CLI and startup checks.

The shared ``database_url`` fixture is migrated once per session; these tests need a
database of their own that they can migrate, downgrade and break. Use it from a
fixture parametrized over ``BACKENDS``::

    @pytest.fixture(params=BACKENDS)
    def fresh_url(request, postgres, tmp_path):
        with fresh_database(request.param, postgres, tmp_path) as url:
            yield url
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import schema
from app.config import Settings
from app.db import Database
from tests.support import pg_cluster

BACKENDS = ("sqlite", "postgresql")


def require_postgres(cluster: pg_cluster.ThrowawayCluster | str) -> pg_cluster.ThrowawayCluster:
    """The cluster, or a skip with the reason; under CI=true a failure instead."""
    if isinstance(cluster, str):
        message = f"PostgreSQL half of the suite cannot run: {cluster}"
        if pg_cluster.in_ci():
            pytest.fail(message + " (CI=true: this is a failure, not a skip)")
        pytest.skip(message)
    return cluster


@contextmanager
def fresh_database(
    backend: str, postgres: pg_cluster.ThrowawayCluster | str, tmp_path: Path
) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        return
    cluster = require_postgres(postgres)
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    url = cluster.create_database(name)
    try:
        yield url
    finally:
        cluster.drop_database(name)


async def migrate(url: str) -> None:
    """Bring the database at ``url`` to the head revision with Alembic (never create_all)."""
    db = Database.connect(Settings(database_url=url), pool_size=1)
    try:
        await schema.upgrade(db)
    finally:
        await db.dispose()
