"""/healthz, /readyz, and the app refusing to start on a database it does not fit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app import schema
from app.config import Settings
from app.db import Database
from app.main import create_app
from tests.support import pg_cluster
from tests.support.fresh_databases import BACKENDS, fresh_database
from tests.support.problems import assert_problem
from tests.support.service import Service


@pytest.fixture(params=BACKENDS)
def fresh_url(
    request: pytest.FixtureRequest, postgres: pg_cluster.ThrowawayCluster | str, tmp_path: Path
) -> Iterator[str]:
    with fresh_database(request.param, postgres, tmp_path) as url:
        yield url


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[Database]:
    db = Database.connect(Settings(database_url=url), pool_size=1)
    try:
        yield db
    finally:
        await db.dispose()


async def test_healthz_answers_without_a_key(service: Service) -> None:
    response = await service.client.get("/healthz")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_on_a_migrated_database(service: Service) -> None:
    response = await service.client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "revision": schema.head_revision()}


async def test_readyz_is_503_when_the_database_falls_behind(fresh_url: str) -> None:
    head = schema.head_revision()
    async with connected(fresh_url) as db:
        await schema.upgrade(db)
        async with running(create_app(Settings(database_url=fresh_url))) as client:
            assert (await client.get("/readyz")).status_code == 200

            await schema.downgrade(db, "-1")
            previous = await schema.current_revision(db)
            one_behind = await client.get("/readyz")

            await schema.downgrade(db, "base")
            unmigrated = await client.get("/readyz")

    assert previous is not None
    assert previous != head
    assert_problem(
        one_behind,
        "service-unavailable",
        detail=f"The database is at revision {previous}; this service needs revision {head}.",
    )
    assert_problem(
        unmigrated,
        "service-unavailable",
        detail=f"The database is not migrated; this service needs revision {head}.",
    )


async def test_readyz_is_503_when_the_database_cannot_be_reached(
    settings: Settings, tmp_path: Path
) -> None:
    app = create_app(settings)
    async with running(app) as client:
        working = app.state.db
        unreachable = Database.connect(
            Settings(database_url=f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
        )
        app.state.db = unreachable
        try:
            response = await client.get("/readyz")
        finally:
            app.state.db = working
            await unreachable.dispose()

    problem = assert_problem(response, "service-unavailable", detail="cannot be reached")
    assert "missing-dir" not in problem["detail"]


async def test_the_app_refuses_to_start_on_an_unmigrated_database(fresh_url: str) -> None:
    app = create_app(Settings(database_url=fresh_url))

    with pytest.raises(RuntimeError, match=r"not migrated: run `touchpoint migrate`"):
        async with app.router.lifespan_context(app):
            pass


async def test_the_app_refuses_to_start_on_a_database_one_revision_behind(
    fresh_url: str,
) -> None:
    async with connected(fresh_url) as db:
        await schema.upgrade(db)
        await schema.downgrade(db, "-1")
    app = create_app(Settings(database_url=fresh_url))

    with pytest.raises(RuntimeError, match="touchpoint migrate"):
        async with app.router.lifespan_context(app):
            pass
