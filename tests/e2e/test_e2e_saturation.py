"""A saturated machine slows `touchpoint serve --workers 2` down; it kills no worker.

uvicorn's supervisor pings each worker and kills one that has not answered in time,
dropping every request that worker holds. A worker slowed by a busy machine must not
look hung: here the server starts and serves while CPU burners keep every core busy,
and the same two workers must answer every request, with nothing replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.support.e2e_support import (
    WORKER_REPLACED,
    FreshDatabase,
    Launcher,
    export_rows,
    unique_slug,
)

pytest_plugins = ["tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

# Two busy processes per core, each in a session of its own like another service's:
# Linux shares the CPU between sessions (autogroups) before processes, so the server's
# session, holding its parent and both workers, gets a fifth of the machine.
BURNERS_PER_CORE = 2
CONNECTIONS = 20
POSTS = 200


@contextlib.contextmanager
def every_core_saturated() -> Iterator[None]:
    count = BURNERS_PER_CORE * (os.cpu_count() or 1)
    burners = [
        subprocess.Popen(
            [sys.executable, "-c", "while True: pass"],
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait()


async def test_a_saturated_machine_kills_no_worker_and_drops_no_request(
    fresh_database: FreshDatabase, launcher: Launcher
) -> None:
    survey = unique_slug("saturated")
    body = {"metric": "nps", "score": 9, "survey": survey, "channel": "pos"}
    with every_core_saturated():
        server = launcher.start(fresh_database("saturated"), workers=2)
        workers = sorted(worker.pid for worker in server.worker_processes())
        async with server.connections(CONNECTIONS) as clients:

            async def post_share(client: httpx.AsyncClient) -> list[int]:
                share = range(POSTS // CONNECTIONS)
                return [(await client.post("/v1/responses", json=body)).status_code for _ in share]

            batches = await asyncio.gather(*map(post_share, clients))
        serving = sorted(worker.pid for worker in server.worker_processes())
    statuses = Counter(status for batch in batches for status in batch)
    assert statuses == {201: POSTS}, statuses
    assert len(workers) == 2
    assert serving == workers, "the supervisor replaced a worker"
    assert not WORKER_REPLACED.search(server.stderr()), server.describe()
    async with server.client() as api:
        assert len(await export_rows(api, survey)) == POSTS
    server.stop()
