"""PostgreSQL stops under load (`pg_ctl stop -m immediate`) and starts again.

`touchpoint serve --workers 2` runs on a throwaway cluster of its own, with clients on
both workers sending answers, reading scores and exporting the whole time. While the database is
down every answer is a 503 problem+json with Retry-After, never a 500; once it is back
the same connections get 201s again without a restart; and the log says when the outage
began and when it ended, once per worker, without a traceback per request.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.support import pg_cluster
from tests.support.e2e_support import Launcher, RunningServer
from tests.support.fresh_databases import require_postgres

pytest_plugins = ["tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

WORKERS = 2
CONNECTIONS = 8
OUTAGE_BEGAN = "the database cannot be reached"
OUTAGE_ENDED = "the database answers again"
_WAIT_S = 15.0


@dataclass
class Load:
    """Every answer the clients got, labelled with the phase it was sent in."""

    phase: str = "up"
    answers: list[tuple[str, str, httpx.Response]] = field(default_factory=list)
    stopping: bool = False

    def count(self, phase: str, status: int) -> int:
        return sum(1 for p, _, a in self.answers if p == phase and a.status_code == status)

    async def run(self, client: httpx.AsyncClient, worker: int) -> None:
        sent = 0
        while not self.stopping:
            phase, survey = self.phase, f"outage-{worker}"
            if sent % 4 == 2:
                answer = await client.get("/v1/scores", params={"metric": "nps"})
                self.answers.append((phase, "GET", answer))
            elif sent % 4 == 3:  # a stream: a 503 before it starts, never a cut-off 200
                params = {"format": "csv", "survey": survey}
                answer = await client.get("/v1/responses", params=params)
                self.answers.append((phase, "GET", answer))
            else:
                body = {"metric": "nps", "score": sent % 11, "survey": survey}
                answer = await client.post("/v1/responses", json=body)
                self.answers.append((phase, "POST", answer))
            sent += 1


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + _WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {_WAIT_S} s: {what}"
        await asyncio.sleep(0.02)


@pytest.fixture
def own_cluster() -> Iterator[pg_cluster.ThrowawayCluster]:
    """A cluster only this test uses: stopping it must not break anybody else's."""
    cluster = require_postgres(pg_cluster.start_cluster("outage"))
    try:
        yield cluster
    finally:
        cluster.stop()


def assert_retryable_503(method: str, answer: httpx.Response) -> None:
    what = f"{method} {answer.request.url.path}"
    assert answer.status_code == 503, f"{what}: {answer.status_code} {answer.text[:300]}"
    assert answer.headers["content-type"] == "application/problem+json", what
    assert answer.headers["retry-after"].isdigit(), what
    assert answer.json()["type"] == "/problems/service-unavailable", what
    assert "Traceback" not in answer.text, what
    assert "asyncpg" not in answer.text, what


async def test_a_postgres_outage_is_503s_with_retry_after_and_the_service_recovers_alone(
    own_cluster: pg_cluster.ThrowawayCluster, launcher: Launcher
) -> None:
    server: RunningServer = launcher.start(own_cluster.dsn, workers=WORKERS)
    server.allow_errors = True  # the outage is an ERROR line; what may be on stderr is below
    load = Load()
    async with server.connections(CONNECTIONS) as clients:
        assert min(server.connections_per_worker()) > 0, "one worker holds every connection"
        running = asyncio.gather(*(load.run(c, i) for i, c in enumerate(clients)))
        try:
            await until(lambda: load.count("up", 201) >= 20, "20 answers stored")
            load.phase = "down"
            await asyncio.to_thread(own_cluster.crash)
            await until(lambda: load.count("down", 503) >= 4 * CONNECTIONS, "503s while down")
            load.phase = "back"
            await asyncio.to_thread(own_cluster.start_again)
            await until(lambda: load.count("back", 201) >= 4 * CONNECTIONS, "201s once back")
            # Each worker says the outage is over once its statements work for a while.
            await until(lambda: server.stderr().count(OUTAGE_ENDED) >= WORKERS, "outage ended")
        finally:
            load.stopping = True
            await running
        # Every connection, so both workers, stores again: no restart, no stale pool.
        again = await asyncio.gather(
            *(c.post("/v1/responses", json={"metric": "nps", "score": 10}) for c in clients)
        )
    server.stop()

    assert [a.status_code for a in again] == [201] * CONNECTIONS
    for _phase, method, answer in load.answers:
        if answer.status_code != 503:
            assert answer.status_code == (201 if method == "POST" else 200), answer.text[:300]
        else:
            assert_retryable_503(method, answer)
    statuses = Counter((phase, answer.status_code) for phase, _, answer in load.answers)
    assert statuses[("down", 503)] >= 4 * CONNECTIONS, statuses
    log = server.stderr()
    assert "Traceback" not in log, server.describe()
    lines = log.splitlines()
    began = [line for line in lines if OUTAGE_BEGAN in line]
    ended = [line for line in lines if OUTAGE_ENDED in line]
    assert len(began) == WORKERS, began
    assert len(ended) == WORKERS, ended
    assert all(" ERROR " in line for line in began), began
    assert all(" INFO " in line for line in ended), ended
    errors = [line for line in lines if " ERROR " in line or " CRITICAL " in line]
    assert errors == began, errors[:10]
