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

import pg_cluster
import pytest

BACKENDS = ("sqlite", "postgresql")


@contextmanager
def fresh_database(
    backend: str, postgres: pg_cluster.ThrowawayCluster | str, tmp_path: Path
) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        return
    if isinstance(postgres, str):
        message = f"PostgreSQL half of the suite cannot run: {postgres}"
        if pg_cluster.in_ci():
            pytest.fail(message + " (CI=true: this is a failure, not a skip)")
        pytest.skip(message)
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    url = postgres.create_database(name)
    try:
        yield url
    finally:
        postgres.drop_database(name)
