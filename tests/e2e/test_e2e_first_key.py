"""The first start on an empty database prints an admin key, once; later starts print none."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.e2e_support import (
    ADMIN_KEY,
    ANNOUNCEMENT,
    FreshDatabase,
    Launcher,
    RunningServer,
)

pytest_plugins = ["tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e


async def _key_works(server: RunningServer, key: str) -> None:
    async with server.client(key) as api:
        answer = await api.get("/v1/scores", params={"metric": "nps"})
        assert answer.status_code == 200, answer.text
        keys = await api.get("/v1/keys")
        assert keys.status_code == 200, keys.text


async def test_the_first_start_prints_the_key_once_and_a_restart_prints_none(
    fresh_database: FreshDatabase, launcher: Launcher
) -> None:
    database = fresh_database("firstkey")
    first = launcher.start(database)
    printed = first.stdout()
    assert printed.count(ANNOUNCEMENT) == 1, printed
    assert first.admin_key is not None
    assert set(ADMIN_KEY.findall(printed)) == {first.admin_key}
    # Its lines are shown with the real address to try them on.
    assert f"curl -X POST {first.base_url}/v1/responses" in printed
    await _key_works(first, first.admin_key)
    first.stop()

    again = launcher.start(database)
    assert again.admin_key is None
    assert ANNOUNCEMENT not in again.stdout()
    assert "tp_" not in again.stdout() + again.stderr()
    await _key_works(again, first.admin_key)  # the key of the first start still opens it
    again.stop()


async def test_two_servers_starting_at_once_on_an_empty_database_print_one_key(
    fresh_database: FreshDatabase,
    launcher: Launcher,
) -> None:
    """Two replicas deployed together: one admin key between them, not one each."""
    database = fresh_database("together")
    servers = await asyncio.gather(*(asyncio.to_thread(launcher.start, database) for _ in range(2)))
    keys = [server.admin_key for server in servers if server.admin_key is not None]
    assert len(keys) == 1, f"{len(keys)} admin keys printed"
    for server in servers:
        await _key_works(server, keys[0])
