"""The PostgreSQL URLs operators copy from their hosting provider work as they are."""

from __future__ import annotations

from sqlalchemy import text

from app.config import Settings
from app.db import Database, async_url
from tests.support import pg_cluster
from tests.support.fresh_databases import require_postgres


def test_libpq_sslmode_reaches_asyncpg_as_its_ssl_mode() -> None:
    url = async_url(
        "postgresql://u:p@db.example.com/touchpoint?sslmode=require&prepared_statement_cache_size=100"
    )

    assert url.drivername == "postgresql+asyncpg"
    assert dict(url.query) == {"ssl": "require", "prepared_statement_cache_size": "100"}


async def test_a_url_with_sslmode_connects(postgres: pg_cluster.ThrowawayCluster | str) -> None:
    url = require_postgres(postgres).create_database("sslmode")
    db = Database.connect(Settings(database_url=f"{url}?sslmode=disable"), pool_size=1)
    try:
        async with db.engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await db.dispose()
