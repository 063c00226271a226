"""The throwaway PostgreSQL cluster starts, serves, and cleans up after itself.

Self-contained (no conftest): skips when PostgreSQL is not installed, but
FAILS instead when env CI=true, where a skipped PostgreSQL half would hide.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from tests.support import pg_cluster


def _require_postgres() -> None:
    reason = pg_cluster.unavailable_reason()
    if reason is None:
        return
    if pg_cluster.in_ci():
        pytest.fail(f"CI=true, so PostgreSQL must be available: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


async def _query(dsn: str, *sql: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return [str(await conn.fetchval(statement)) for statement in sql]
    finally:
        await conn.close()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_throwaway_cluster_lifecycle() -> None:
    _require_postgres()
    cluster = pg_cluster.ThrowawayCluster()
    with cluster:
        assert cluster.url == (
            f"postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}/touchpoint_test"
        )
        version, sync_commit, fsync, db = asyncio.run(
            _query(
                cluster.dsn,
                "SHOW server_version",
                "SHOW synchronous_commit",
                "SHOW fsync",
                "SELECT current_database()",
            )
        )
        assert int(version.split(".")[0]) >= 13, version
        assert sync_commit == "on"
        assert fsync == "off"
        assert db == "touchpoint_test"

        url = cluster.create_database("second_db")
        assert url == cluster.url_for("second_db")
        assert url.endswith(f":{cluster.port}/second_db")
        (other_db,) = asyncio.run(_query(cluster.dsn_for("second_db"), "SELECT current_database()"))
        assert other_db == "second_db"
        cluster.drop_database("second_db")

        base_dir = cluster.base_dir
        port = cluster.port
        assert base_dir.is_dir()
        assert set(cluster.timings) >= {"initdb", "start", "createdb", "total"}
        print(f"\nthrowaway cluster startup: {cluster.timings}")

    # Stopped: server gone, directory removed, stop() safe to call again.
    assert not cluster.running
    assert not Path(base_dir).exists()
    assert not _port_open(port)
    assert cluster.stop_seconds is not None
    print(f"throwaway cluster stop: {cluster.stop_seconds:.3f}s")
    cluster.stop()


def test_a_crashed_cluster_refuses_connections_and_starts_again_with_its_data() -> None:
    _require_postgres()
    with pg_cluster.ThrowawayCluster() as cluster:
        asyncio.run(_query(cluster.dsn, "CREATE TABLE kept (x int)", "INSERT INTO kept VALUES (7)"))

        cluster.crash()
        assert not _port_open(cluster.port)
        cluster.start_again()

        assert asyncio.run(_query(cluster.dsn, "SELECT x FROM kept")) == ["7"]


def test_missing_binaries_give_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pg_cluster.BINDIR_ENV, "/nonexistent/bin")
    reason = pg_cluster.unavailable_reason()
    assert reason is not None
    assert "/nonexistent/bin" in reason
    assert pg_cluster.start_cluster() == reason
    with pytest.raises(pg_cluster.ClusterUnavailable):
        pg_cluster.ThrowawayCluster().start()
