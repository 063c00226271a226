"""The real `touchpoint serve`, started as a subprocess, and what tests do with it.

Every server runs on a free port of 127.0.0.1 against a fresh database, once on
SQLite (a temp file) and once on PostgreSQL (a fresh database in the session's
throwaway cluster, given to the service as a plain ``postgresql://`` URL). Its
stdout and stderr go to files; the first admin key is read from stdout. Stopping it
sends SIGTERM and asserts a clean exit: in time, every worker through its
application shutdown, no traceback, no error line, the admin key nowhere on stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import itertools
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

TOUCHPOINT = Path(sys.executable).with_name("touchpoint")
ADMIN_KEY = re.compile(r"tp_sk_[0-9a-f]{16}[A-Za-z0-9]{40}")
ANNOUNCEMENT = "Touchpoint made its first admin key"
STARTED = "Application startup complete."
STOPPED = "Application shutdown complete."
# What uvicorn's supervisor logs (at INFO) when it killed a worker that did not answer
# its health ping, or found one dead; it then starts another. Never part of a clean run.
WORKER_REPLACED = re.compile(r"Child process \[\d+\] died")
# A bound for a hang, not a speed target: a 2-worker start with every core saturated
# took 15–23 s here (docs/performance.md, "Workers killed at startup").
START_TIMEOUT_S = 60.0
# SIGTERM to exit; the service itself allows requests in flight up to 30 s to finish.
STOP_TIMEOUT_S = 20.0
_PORT_ATTEMPTS = 3
_names = itertools.count(1)

# Makes an empty database and gives its URL; the argument labels it.
FreshDatabase = Callable[[str], str]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerFailed(AssertionError):
    pass


@dataclass
class RunningServer:
    """One `touchpoint serve` process (and its workers) and what it printed."""

    process: subprocess.Popen[bytes]
    port: int
    database_url: str
    workers: int
    stdout_path: Path
    stderr_path: Path
    admin_key: str | None = None
    # Errors on stderr are expected (a test that shows a 500): the exit check skips them.
    allow_errors: bool = False
    stopped_with: int | None = field(default=None, init=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def client(self, key: str | None = None, **options: Any) -> httpx.AsyncClient:
        """A client with ``key`` (default: the admin key) as its bearer token."""
        token = key if key is not None else self.admin_key
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        options.setdefault("timeout", 30.0)
        options.setdefault("verify", _TLS)
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, **options)

    @contextlib.asynccontextmanager
    async def connections(self, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
        """``count`` clients, each holding one keep-alive connection, spread evenly.

        Which worker accepts a connection is a race between the workers, and on a busy
        machine one of them can win every time. So more connections are opened than
        needed, and those that land on a worker that already has its share are closed.
        Kept ones are used again each round: the server closes a connection idle for 5 s.
        """
        share = -(-count // self.workers)
        async with contextlib.AsyncExitStack() as stack:
            kept: list[httpx.AsyncClient] = []
            for _round in range(10):
                ports = list(await asyncio.gather(*map(_client_port, kept)))
                for _ in range(2 * (count - len(kept))):
                    client = self.client(limits=httpx.Limits(max_connections=1))
                    stack.push_async_callback(client.aclose)
                    kept.append(client)
                    ports.append(await _client_port(client))
                workers = self._workers_by_client_port()
                held: Counter[int] = Counter()
                chosen: list[httpx.AsyncClient] = []
                for client, port in zip(kept, ports, strict=True):
                    worker = workers.get(port)
                    if worker is not None and held[worker] < share and len(chosen) < count:
                        held[worker] += 1
                        chosen.append(client)
                    else:
                        await client.aclose()
                kept = chosen
                if len(kept) == count:
                    break
            assert len(kept) == count, f"could not spread {count} connections: {held}"
            yield kept

    def _workers_by_client_port(self) -> dict[int, int]:
        """Which worker holds the connection from each client port."""
        return {
            conn.raddr.port: int(worker.pid)
            for worker in self.worker_processes()
            for conn in worker.net_connections(kind="tcp")
            if conn.raddr and conn.laddr.port == self.port
        }

    def worker_processes(self) -> list[Any]:
        """The processes that serve HTTP: the workers, or the server itself with one."""
        parent = psutil.Process(self.process.pid)
        if self.workers == 1:
            return [parent]
        return [child for child in parent.children() if _holds_listener(child, self.port)]

    def connections_per_worker(self) -> list[int]:
        """Open client connections each worker holds right now."""
        return [
            sum(
                1
                for conn in worker.net_connections(kind="tcp")
                if conn.status == psutil.CONN_ESTABLISHED and conn.laddr.port == self.port
            )
            for worker in self.worker_processes()
        ]

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        """Send SIGTERM (a graceful stop) without waiting."""
        self.process.send_signal(signal.SIGTERM)

    def wait_for_exit(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Wait for the exit that SIGTERM started and assert it was clean."""
        try:
            returncode = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ServerFailed(
                f"`touchpoint serve` did not exit within {timeout} s of SIGTERM\n" + self.describe()
            ) from None
        self.stopped_with = returncode
        assert_clean_exit(self, returncode)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM, then assert a clean exit within ``timeout`` seconds."""
        if self.stopped_with is not None:
            return
        workers = self.worker_processes() if self.running else []
        self.terminate()
        self.wait_for_exit(timeout)
        survivors = [w.pid for w in workers if _alive(w)]
        assert not survivors, f"workers {survivors} outlived the server\n{self.describe()}"

    def kill(self) -> None:
        """Last resort: SIGKILL the server's process group (it runs in a session of its own)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        if self.stopped_with is None:
            self.stopped_with = self.process.returncode

    def describe(self) -> str:
        return (
            f"--- stdout ({self.stdout_path}) ---\n{self.stdout()[-3000:]}\n"
            f"--- stderr ({self.stderr_path}) ---\n{self.stderr()[-6000:]}"
        )


# One TLS context for every client: building one per client (httpx's default) costs
# tens of milliseconds, and these clients only ever speak plain HTTP.
_TLS = ssl.create_default_context()


async def _client_port(client: httpx.AsyncClient) -> int:
    """Use the client's connection (opening it if needed); its local port."""
    answer = await client.get("/healthz")
    answer.raise_for_status()
    _host, port = answer.extensions["network_stream"].get_extra_info("client_addr")
    return int(port)


def _holds_listener(process: Any, port: int) -> bool:
    try:
        return any(
            conn.status == psutil.CONN_LISTEN and conn.laddr.port == port
            for conn in process.net_connections(kind="tcp")
        )
    except psutil.NoSuchProcess:
        return False


def _alive(process: Any) -> bool:
    try:
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def assert_clean_exit(server: RunningServer, returncode: int) -> None:
    """Exit 0, or death by the SIGTERM that uvicorn re-raises once it has shut down."""
    stderr = server.stderr()
    problems = []
    if returncode not in (0, -signal.SIGTERM):
        problems.append(f"exit status {returncode}")
    if stderr.count(STOPPED) < server.workers:
        problems.append(f"{STOPPED!r} logged {stderr.count(STOPPED)}×, not {server.workers}×")
    if "Traceback" in stderr and not server.allow_errors:
        problems.append("a traceback on stderr")
    if replaced := WORKER_REPLACED.findall(stderr):
        problems.append(f"the supervisor replaced workers: {replaced}")
    errors = [line for line in stderr.splitlines() if " ERROR " in line or " CRITICAL " in line]
    if errors and not server.allow_errors:
        problems.append(f"error lines: {errors[:5]}")
    if server.admin_key and server.admin_key in stderr:
        problems.append("the admin key is on stderr")
    if problems:
        raise ServerFailed("unclean exit: " + "; ".join(problems) + "\n" + server.describe())


# The argv to start a server on a port with a number of workers.
Command = Callable[[int, int], list[str]]


def _serve(port: int, workers: int) -> list[str]:
    argv = [str(TOUCHPOINT), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return [*argv, "--workers", str(workers)]


class Launcher:
    """Starts servers into a directory of logs, and stops whatever is left at teardown."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.servers: list[RunningServer] = []

    def start(
        self,
        database_url: str,
        *,
        workers: int = 1,
        command: Command | None = None,
        cwd: Path | None = None,
    ) -> RunningServer:
        """Start and wait until ready. ``command`` gives another argv for a port."""
        last: ServerFailed | None = None
        for _attempt in range(_PORT_ATTEMPTS):
            try:
                return self._start_once(database_url, workers, command or _serve, cwd)
            except ServerFailed as error:  # another process took the port: try another
                if "address already in use" not in str(error).lower():
                    raise
                last = error
        assert last is not None
        raise last

    def _start_once(
        self, database_url: str, workers: int, command: Command, cwd: Path | None
    ) -> RunningServer:
        run = next(_names)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOUCHPOINT_")}
        env["TOUCHPOINT_DATABASE_URL"] = database_url
        env.pop("PYTHONPATH", None)
        stdout_path = self.directory / f"serve-{run}.stdout"
        stderr_path = self.directory / f"serve-{run}.stderr"
        argv = command(port, workers)
        with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
            process = subprocess.Popen(
                argv,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=cwd or self.directory,  # a stray ./touchpoint.db lands here, not in the repo
                start_new_session=True,  # Ctrl-C of pytest is not its SIGINT; killpg reaches all
            )
        server = RunningServer(process, port, database_url, workers, stdout_path, stderr_path)
        self.servers.append(server)
        try:
            _wait_until_ready(server)
        except BaseException:
            server.kill()
            raise
        keys = set(ADMIN_KEY.findall(server.stdout()))
        if len(keys) > 1:
            server.stop()
            raise ServerFailed(f"one start printed {len(keys)} different admin keys")
        server.admin_key = keys.pop() if keys else None
        return server

    def stop_all(self) -> None:
        """Stop every server still running; the first unclean exit is raised after all stop."""
        failures: list[BaseException] = []
        for server in self.servers:
            if server.stopped_with is None:
                try:
                    server.stop()
                except BaseException as error:
                    server.kill()
                    failures.append(error)
        if failures:
            raise failures[0]


def _wait_until_ready(server: RunningServer) -> None:
    """/readyz answers 200 and every worker has finished its startup."""
    deadline = time.monotonic() + START_TIMEOUT_S
    with httpx.Client(base_url=server.base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not server.running:
                raise ServerFailed(
                    f"`touchpoint serve` exited with {server.process.returncode} "
                    f"before it was ready\n{server.describe()}"
                )
            if WORKER_REPLACED.search(server.stderr()):
                raise ServerFailed(f"a worker was replaced while starting\n{server.describe()}")
            with contextlib.suppress(httpx.TransportError):
                ready = client.get("/readyz").status_code == 200
                if ready and server.stderr().count(STARTED) >= server.workers:
                    return
            time.sleep(0.05)
    raise ServerFailed(f"not ready within {START_TIMEOUT_S} s\n{server.describe()}")


async def export_rows(client: httpx.AsyncClient, survey: str | None = None) -> list[dict[str, str]]:
    """Every response (of ``survey``), read through the CSV export."""
    params = {"format": "csv"} | ({"survey": survey} if survey else {})
    answer = await client.get("/v1/responses", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert all(row["survey"] == survey for row in rows if survey)
    return rows


async def overall_score(
    client: httpx.AsyncClient, metric: str, survey: str | None = None
) -> dict[str, Any]:
    """The ``overall`` part of /v1/scores (of ``survey``; default window, ending now)."""
    params = {"metric": metric} | ({"survey": survey} if survey else {})
    answer = await client.get("/v1/scores", params=params)
    assert answer.status_code == 200, answer.text
    overall: dict[str, Any] = answer.json()["overall"]
    return overall


def unique_slug(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
