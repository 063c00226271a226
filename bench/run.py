"""Touchpoint's benchmark: the real service against the framework's ceiling, in one run.

    /work/venv/bin/python bench/run.py            # full run, ~15-20 min on 2 cores
    /work/venv/bin/python bench/run.py --quick    # smoke run, ~3 min

What it does, for SQLite (a file in a temp dir on disk) and PostgreSQL 15 (a throwaway
cluster from tests/pg_cluster.py, on disk, fsync on; ``--pg-fast`` for the test suite's
fsync=off tmpfs cluster):

1. starts ``touchpoint serve --workers 1`` pinned to core 0 (taskset), on a fresh database;
2. loads synthetic history (bench/history.py) through ``POST /v1/responses/batch``
   (1000 items a request, 4 requests in flight, client on core 1): responses/s; later
   also POS-like batches of answers from the last few hours (they share rollup rows);
3. times ``GET /v1/scores`` (30d), ``…&group_by=touchpoint`` and ``/v1/scores/series``
   (daily, 30d window): sequential keep-alive requests, p50/p90 client-side;
4. grows the history to 1M and times the scores again;
5. single-response ingest with wrk (64 connections, 1 thread, pinned to core 1), with no
   Idempotency-Key and with a unique key per request, each round paired with the same
   load on the bare endpoint (bench/bare_app.py, also on core 0): req/s, p50/p99, ratio;
6. restarts the service with ``--workers 2`` (server, wrk and client unpinned: there are
   only two cores) and repeats the single-ingest pairs against a 2-worker bare endpoint,
   then a batch load;
7. reads server memory (RSS summed over the process tree) after each phase.

It prints a table (figure, ratio, target, pass/miss) and writes it as JSON to
bench/results/. Every load goes to 127.0.0.1 only and is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import httpx
import orjson
import psutil

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import history  # noqa: E402  (bench/ is on the path, not a package)

LUA = BENCH / "ingest.lua"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
SERVER_CPU = "0"
CLIENT_CPU = "1"
ALL_CPUS = "0,1"
CONNECTIONS = 64
BATCH_CONCURRENCY = 4
SCORE_PATHS = {
    "healthz (floor)": "/healthz",  # the same client, HTTP and framework, no database
    "score 30d": "/v1/scores?metric=nps&window=30d",
    "score 30d by touchpoint": "/v1/scores?metric=nps&window=30d&group_by=touchpoint",
    "series daily 30d": "/v1/scores/series?metric=nps&interval=day&window=30d",
}
# p50 targets at 1M responses, in ms
SCORE_TARGETS_MS = {"score 30d": 10.0, "score 30d by touchpoint": 15.0, "series daily 30d": 25.0}
SCORE_GROWTH_LIMIT = 1.5
MIN_SCORE_REQUESTS = 50
SCORE_BUDGET_S = 60.0
BATCH_TARGETS = {"sqlite": 40_000, "postgresql": 30_000}
SINGLE_RATIO_TARGET = 0.5
SINGLE_P99_TARGET_MS = 50.0
MEMORY_TARGET_MB = 250.0


@dataclass(frozen=True)
class Plan:
    mode: str
    history_small: int
    history_large: int
    batch_extra: int  # responses loaded with 2 workers
    batch_recent: int  # POS-like answers of the last hours, loaded once per worker count
    warmup_s: int
    duration_s: int
    repeats: int
    score_requests: int
    score_warmup: int


FULL = Plan("full", 100_000, 1_000_000, 200_000, 100_000, 2, 10, 3, 100, 10)
QUICK = Plan("quick", 10_000, 50_000, 20_000, 10_000, 1, 3, 1, 50, 5)


# --------------------------------------------------------------------------
# Small helpers


def log(message: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pct(values: list[float], q: float) -> float:
    """Percentile by nearest rank on the sorted values (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def taskset(cpus: str | None) -> list[str]:
    if cpus is None or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", cpus]


def load_pg_cluster() -> ModuleType:
    """tests/support/pg_cluster.py, imported by path (bench/ runs without tests/ on sys.path)."""
    path = ROOT / "tests" / "support" / "pg_cluster.py"
    spec = importlib.util.spec_from_file_location("pg_cluster", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pg_cluster"] = module
    spec.loader.exec_module(module)
    return module


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: apt-get install -y wrk")
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, capture_output=True, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False)
            subprocess.run(install, capture_output=True, check=False)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit("wrk is needed: install it with `apt-get install -y wrk` (Debian/Ubuntu).")


# --------------------------------------------------------------------------
# Processes


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def memory_mb(pid: int) -> dict[str, Any]:
    """RSS summed over the process tree (and PSS, which counts shared pages once)."""
    rss = pss = 0
    per_process = []
    for proc in tree(pid):
        with contextlib.suppress(psutil.Error):
            info = proc.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
            per_process.append(round(info.rss / 2**20, 1))
    return {"rss_mb": round(rss / 2**20, 1), "pss_mb": round(pss / 2**20, 1), "each": per_process}


def cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    total = 0.0
    for proc in tree(pid):
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


class CpuMeter:
    """CPU used by a process tree since the meter started, counted per pid.

    A process that ends in between (a PostgreSQL backend, an autovacuum worker) would
    otherwise take its whole past CPU out of the sum; here it just stops counting
    (its last slice is lost, so the figure can only be a little low).
    """

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.start = self._per_pid()

    def _per_pid(self) -> dict[int, float]:
        found: dict[int, float] = {}
        for proc in tree(self.pid) if self.pid is not None else []:
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                found[proc.pid] = times.user + times.system
        return found

    def seconds(self) -> float:
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in self._per_pid().items())


def _busy_seconds() -> float:
    times = psutil.cpu_times()
    busy: float = sum(times) - times.idle - getattr(times, "iowait", 0.0)
    return busy


def _own_cpu(extra_pids: list[int]) -> tuple[float, dict[int, float]]:
    """CPU of this process and of what it reaped, and per live process it started.

    Per pid, so that a process that ends during a measurement (a PostgreSQL backend, an
    autovacuum worker) does not take its whole past CPU out of the sum.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    flat = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    procs = list(psutil.Process().children(recursive=True))
    for pid in extra_pids:
        procs.extend(tree(pid))
    per_pid: dict[int, float] = {}
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            per_pid[proc.pid] = times.user + times.system
    return flat, per_pid


class Watch:
    """How much CPU other people's processes took while we measured (in cores)."""

    extra_pids: ClassVar[list[int]] = []  # the PostgreSQL postmaster, which pg_ctl detaches

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.busy = _busy_seconds()
        self.flat, self.per_pid = _own_cpu(self.extra_pids)

    def foreign_cores(self) -> float:
        elapsed = time.monotonic() - self.started
        busy = _busy_seconds() - self.busy
        flat, per_pid = _own_cpu(self.extra_pids)
        own = flat - self.flat
        # Processes alive at the end: what they used since the start (all of it if new).
        # One that ended meanwhile is not counted (its last CPU is not known): at worst
        # "elsewhere" is a little high, never absurd.
        own += sum(cpu - self.per_pid.get(pid, 0.0) for pid, cpu in per_pid.items())
        return round(min(psutil.cpu_count() or 2, max(0.0, busy - own) / elapsed), 2)


QUIET = {"threshold": 0.15, "max_wait": 30.0}


def wait_quiet() -> dict[str, float]:
    """Wait (bounded) until other processes use under ``threshold`` of a core in total.

    The machine is shared; a measurement taken while someone's test suite runs on
    "our" core says little. Returns the foreign load seen last and the time waited.
    """
    started = time.monotonic()
    while True:
        watch = Watch()
        time.sleep(1.0)
        load = watch.foreign_cores()
        waited = time.monotonic() - started
        if load < QUIET["threshold"] or waited >= QUIET["max_wait"]:
            if load >= QUIET["threshold"]:
                log(f"  (machine not quiet: {load:.2f} cores busy elsewhere; measuring anyway)")
            return {"foreign_before": load, "waited_s": round(waited, 1)}


class Server:
    """A server process this bench started: waited for, measured, stopped by its pid."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        port: int,
        ready_path: str,
        workdir: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.stdout_path = workdir / f"{name}.out"
        self.stderr_path = workdir / f"{name}.err"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(
                argv, stdout=out, stderr=err, env=env, cwd=workdir, start_new_session=True
            )
        self._wait_ready(ready_path)

    def _wait_ready(self, path: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.stderr_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + path, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout}s")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def workers(self) -> list[int]:
        return [p.pid for p in tree(self.pid)]

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            for proc in reversed(tree(self.pid)):
                with contextlib.suppress(psutil.Error):
                    proc.kill()
            self.proc.wait(timeout=10)


SOURCE: dict[str, Path] = {"root": ROOT}  # where the service's code is run from


def source_env() -> dict[str, str]:
    """The environment that makes ``import app`` load the code under test."""
    env = dict(os.environ)
    if SOURCE["root"] != ROOT:  # a snapshot: ahead of the editable install on sys.path
        env["PYTHONPATH"] = str(SOURCE["root"])
    else:
        env["PYTHONPATH"] = str(ROOT)
    return env


def snapshot(rev: str, workdir: Path) -> tuple[Path, str]:
    """``git archive`` of the service at ``rev`` into the temp dir; the repo is untouched."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = workdir / "source"
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "app", "migrations", "alembic.ini"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    where = subprocess.run(
        [sys.executable, "-c", "import app; print(app.__file__)"],
        env={**os.environ, "PYTHONPATH": str(target)},
        cwd=workdir,  # as the servers run
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not where.startswith(str(target)):
        raise RuntimeError(f"the snapshot is not what `import app` loads ({where})")
    return target, commit


def start_service(
    db_url: str, workers: int, cpus: str | None, workdir: Path, name: str
) -> tuple[Server, str | None]:
    env = {**source_env(), "TOUCHPOINT_DATABASE_URL": db_url}
    argv = [
        *taskset(cpus),
        str(BIN / "touchpoint"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(free_port()),
        "--workers",
        str(workers),
    ]
    port = int(argv[argv.index("--port") + 1])
    server = Server(name, argv, port, "/readyz", workdir, env)
    found = re.search(r"tp_sk_\S+", server.stdout_path.read_text())
    return server, found.group(0) if found else None


def start_bare(workers: int, cpus: str, workdir: Path) -> Server:
    port = free_port()
    argv = [
        *taskset(cpus),
        sys.executable,
        str(BENCH / "bare_app.py"),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    return Server(f"bare-{workers}w", argv, port, "/healthz", workdir, source_env())


# --------------------------------------------------------------------------
# Single-response ingest with wrk


@dataclass
class WrkRun:
    target: str
    variant: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    non_2xx: int
    server_cpu_s: float
    db_cpu_s: float
    foreign_cores: float
    foreign_before: float

    @property
    def server_cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / self.requests if self.requests else float("nan")


def run_wrk(
    wrk: str,
    server: Server,
    variant: str,
    token: str,
    seconds: int,
    cpus: str,
    db_pid: int | None = None,
    *,
    gate: bool = True,
) -> WrkRun:
    nonce = uuid.uuid4().hex[:12]
    quiet = wait_quiet() if gate else {"foreign_before": float("nan")}
    argv = [
        *taskset(cpus),
        wrk,
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        server.base + "/v1/responses",
        "--",
        variant,
        token,
        nonce,
    ]
    server_cpu, db_cpu = CpuMeter(server.pid), CpuMeter(db_pid)
    watch = Watch()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    foreign = watch.foreign_cores()
    server_s, db_s = server_cpu.seconds(), db_cpu.seconds()
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    statuses = {str(k): int(v) for k, v in data["statuses"].items()}
    socket_errors = {k: v for k, v in data["errors"].items() if k != "status"}
    non_2xx = sum(n for code, n in statuses.items() if not code.startswith("2"))
    non_2xx += sum(socket_errors.values())
    secs = data["duration_us"] / 1e6
    lat = data["latency_us"]
    return WrkRun(
        target=server.name,
        variant=variant,
        requests=data["requests"],
        seconds=round(secs, 2),
        rps=data["requests"] / secs,
        p50_ms=lat["p50"] / 1000,
        p90_ms=lat["p90"] / 1000,
        p99_ms=lat["p99"] / 1000,
        max_ms=lat["max"] / 1000,
        statuses=statuses,
        socket_errors=socket_errors,
        non_2xx=non_2xx,
        server_cpu_s=round(server_s, 3),
        db_cpu_s=round(db_s, 3),
        foreign_cores=foreign,
        foreign_before=quiet["foreign_before"],
    )


@dataclass
class PairedIngest:
    """Rounds of (bare, service) under the same load; ratios are taken round by round."""

    variant: str
    workers: int
    service: list[WrkRun] = field(default_factory=list)
    bare: list[WrkRun] = field(default_factory=list)

    def ratios(self) -> list[float]:
        return [s.rps / b.rps for s, b in zip(self.service, self.bare, strict=True)]

    def summary(self) -> dict[str, Any]:
        def med(runs: list[WrkRun], attr: str) -> float:
            return round(median([getattr(r, attr) for r in runs]), 2)

        return {
            "variant": self.variant,
            "workers": self.workers,
            "rps": med(self.service, "rps"),
            "rps_each": [round(r.rps) for r in self.service],
            "p50_ms": med(self.service, "p50_ms"),
            "p99_ms": med(self.service, "p99_ms"),
            "p99_each": [round(r.p99_ms, 1) for r in self.service],
            "non_2xx": sum(r.non_2xx for r in self.service),
            "statuses": dict(sum((Counter(r.statuses) for r in self.service), Counter())),
            "bare_rps": med(self.bare, "rps"),
            "bare_rps_each": [round(r.rps) for r in self.bare],
            "bare_p50_ms": med(self.bare, "p50_ms"),
            "bare_p99_ms": med(self.bare, "p99_ms"),
            "bare_non_2xx": sum(r.non_2xx for r in self.bare),
            "ratio": round(median(self.ratios()), 3),
            "ratio_each": [round(x, 3) for x in self.ratios()],
            "service_cpu_ms_per_req": round(
                median([r.server_cpu_ms_per_request for r in self.service]), 3
            ),
            "bare_cpu_ms_per_req": round(
                median([r.server_cpu_ms_per_request for r in self.bare]), 3
            ),
            "db_cpu_ms_per_req": round(
                median([1000 * r.db_cpu_s / r.requests for r in self.service]), 3
            ),
            "foreign_cores": max(r.foreign_cores for r in self.service + self.bare),
            "foreign_each": [r.foreign_cores for r in self.service],
            "bare_foreign_each": [r.foreign_cores for r in self.bare],
        }


def paired_ingest(
    wrk: str,
    service: Server,
    bare: Server,
    token: str,
    variant: str,
    workers: int,
    plan: Plan,
    wrk_cpus: str,
    db_pid: int | None,
) -> PairedIngest:
    result = PairedIngest(variant, workers)
    for target in (bare, service):  # warm both up; discarded
        run_wrk(wrk, target, variant, token, plan.warmup_s, wrk_cpus, db_pid, gate=False)
    for round_no in range(plan.repeats):
        # Alternate the order so a drift in the machine's speed hits both alike.
        order = (bare, service) if round_no % 2 == 0 else (service, bare)
        for target in order:
            run = run_wrk(wrk, target, variant, token, plan.duration_s, wrk_cpus, db_pid)
            (result.bare if target is bare else result.service).append(run)
            log(
                f"  {target.name:<22} {variant:<5} {run.rps:8.0f} req/s  "
                f"p50 {run.p50_ms:6.1f} ms  p99 {run.p99_ms:7.1f} ms  "
                f"non-2xx {run.non_2xx}  cpu {run.server_cpu_ms_per_request:.3f} ms/req  "
                f"elsewhere {run.foreign_cores:.2f} cores"
            )
    return result


# --------------------------------------------------------------------------
# Batch ingest and scores (Python clients)


async def _post_batches(
    base: str, token: str, bodies: list[bytes], concurrency: int
) -> dict[str, Any]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    statuses: Counter[str] = Counter()
    http_statuses: Counter[int] = Counter()
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=120
    ) as client:

        async def worker() -> None:
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                response = await client.post("/v1/responses/batch", content=body)
                latencies.append(time.perf_counter() - started)
                http_statuses[response.status_code] += 1
                if response.status_code == 200:
                    for result in orjson.loads(response.content)["results"]:
                        statuses[result["status"]] += 1
                else:
                    statuses["http_error"] += history.items_in(body)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    sent = sum(statuses.values())
    return {
        "responses": sent,
        "created": statuses["created"],
        "seconds": round(elapsed, 2),
        "rps": round(statuses["created"] / elapsed),
        "statuses": dict(statuses),
        "http_statuses": {str(k): v for k, v in http_statuses.items()},
        "not_created": sent - statuses["created"],
        "request_p50_ms": round(1000 * pct(latencies, 50), 1),
        "request_p99_ms": round(1000 * pct(latencies, 99), 1),
    }


def batch_load(
    server: Server, token: str, bodies: list[bytes], label: str, db_pid: int | None
) -> dict[str, Any]:
    quiet = wait_quiet()
    server_cpu, db_cpu = CpuMeter(server.pid), CpuMeter(db_pid)
    watch = Watch()
    result = asyncio.run(_post_batches(server.base, token, bodies, BATCH_CONCURRENCY))
    result["foreign_cores"] = watch.foreign_cores()
    result["foreign_before"] = quiet["foreign_before"]
    result["server_cpu_s"] = round(server_cpu.seconds(), 2)
    result["db_cpu_s"] = round(db_cpu.seconds(), 2)
    result["label"] = label
    log(
        f"  batch {label}: {result['created']:,} created in {result['seconds']} s = "
        f"{result['rps']:,} responses/s (not created: {result['not_created']}, "
        f"request p50 {result['request_p50_ms']} ms, server cpu {result['server_cpu_s']} s, "
        f"db cpu {result['db_cpu_s']} s, elsewhere {result['foreign_cores']:.2f} cores)"
    )
    return result


def score_latency(server: Server, token: str, plan: Plan) -> dict[str, Any]:
    results: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
        for name, path in SCORE_PATHS.items():
            for _ in range(plan.score_warmup):
                client.get(path)
            quiet = wait_quiet()
            watch = Watch()
            times: list[float] = []
            statuses: Counter[int] = Counter()
            body: dict[str, Any] = {}
            budget_ends = time.monotonic() + SCORE_BUDGET_S
            for n in range(plan.score_requests):
                if n >= MIN_SCORE_REQUESTS and time.monotonic() > budget_ends:
                    break  # slow endpoint: 50 samples are enough for a p50/p90
                started = time.perf_counter()
                response = client.get(path)
                times.append(1000 * (time.perf_counter() - started))
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    body = response.json()
            counted = (
                body.get("overall", {}).get("responses")
                if "overall" in body
                else (body.get("points") or [{}])[-1].get("responses")
            )
            results[name] = {
                "p50_ms": round(pct(times, 50), 2),
                "p90_ms": round(pct(times, 90), 2),
                "max_ms": round(max(times), 2),
                "requests": len(times),
                "statuses": {str(k): v for k, v in statuses.items()},
                "responses_in_window": counted,
                "groups": len(body.get("groups", [])),
                "points": len(body.get("points", [])),
                "foreign_cores": watch.foreign_cores(),
                "foreign_before": quiet["foreign_before"],
            }
            log(
                f"  {name:<24} p50 {results[name]['p50_ms']:7.2f} ms  "
                f"p90 {results[name]['p90_ms']:7.2f} ms  (n={len(times)}, "
                f"{counted} responses in window, statuses {dict(statuses)}, "
                f"elsewhere {results[name]['foreign_cores']:.2f} cores)"
            )
    return results


# --------------------------------------------------------------------------
# Database facts


def db_stats(backend: str, url: str, sqlite_path: Path | None) -> dict[str, Any]:
    if backend == "sqlite":
        assert sqlite_path is not None
        with contextlib.closing(sqlite3.connect(sqlite_path, timeout=30)) as conn:
            responses = conn.execute("SELECT count(*) FROM responses").fetchone()[0]
            hourly = conn.execute("SELECT count(*) FROM hourly_counts").fetchone()[0]
        size = sum(p.stat().st_size for p in sqlite_path.parent.glob(sqlite_path.name + "*"))
        return {"responses": responses, "hourly_rows": hourly, "size_mb": round(size / 2**20, 1)}

    async def query() -> dict[str, Any]:
        import asyncpg  # type: ignore[import-untyped]

        conn = await asyncpg.connect(url)
        try:
            return {
                "responses": await conn.fetchval("SELECT count(*) FROM responses"),
                "hourly_rows": await conn.fetchval("SELECT count(*) FROM hourly_counts"),
                "size_mb": round(
                    await conn.fetchval("SELECT pg_database_size(current_database())") / 2**20, 1
                ),
            }
        finally:
            await conn.close()

    return asyncio.run(query())


# --------------------------------------------------------------------------
# One backend, start to end


def bench_backend(
    backend: str,
    db_url: str,
    sqlite_path: Path | None,
    db_pid: int | None,
    bodies: list[bytes],
    recent_bodies: list[list[bytes]],
    small_batches: int,
    large_batches: int,
    bare: dict[int, Server],
    wrk: str,
    plan: Plan,
    workdir: Path,
) -> dict[str, Any]:
    out: dict[str, Any] = {"memory": {}, "db": {}, "scores": {}, "batch": {}, "single": {}}
    log(f"== {backend}: service, 1 worker pinned to core {SERVER_CPU}")
    service, token = start_service(db_url, 1, SERVER_CPU, workdir, f"{backend}-1w")
    try:
        if token is None:
            raise RuntimeError("the service printed no first admin key (database not fresh?)")
        out["memory"]["1w started"] = memory_mb(service.pid)
        out["batch"]["1w load to small"] = batch_load(
            service, token, bodies[:small_batches], f"1w 0 -> {plan.history_small:,}", db_pid
        )
        out["db"]["small"] = db_stats(backend, db_url, sqlite_path)
        out["memory"]["1w after small load"] = memory_mb(service.pid)
        log(f"  database: {out['db']['small']}")
        out["scores"]["small"] = score_latency(service, token, plan)
        out["batch"]["1w grow to large"] = batch_load(
            service,
            token,
            bodies[small_batches:large_batches],
            f"1w {plan.history_small:,} -> {plan.history_large:,}",
            db_pid,
        )
        out["db"]["large"] = db_stats(backend, db_url, sqlite_path)
        out["memory"]["1w after large load"] = memory_mb(service.pid)
        log(f"  database: {out['db']['large']}")
        out["scores"]["large"] = score_latency(service, token, plan)
        out["memory"]["1w after scores"] = memory_mb(service.pid)
        out["batch"]["1w recent"] = batch_load(
            service, token, recent_bodies[0], f"1w +{plan.batch_recent:,} recent (POS)", db_pid
        )
        for variant in ("plain", "key"):
            paired = paired_ingest(
                wrk, service, bare[1], token, variant, 1, plan, CLIENT_CPU, db_pid
            )
            out["single"][f"1w {variant}"] = paired.summary()
            out["memory"][f"1w after single {variant}"] = memory_mb(service.pid)
        log(f"  memory 1w: {out['memory']['1w after single key']}")
    finally:
        service.stop()

    log(f"== {backend}: service, 2 workers, unpinned (cores {ALL_CPUS})")
    service, _ = start_service(db_url, 2, ALL_CPUS, workdir, f"{backend}-2w")
    try:
        out["memory"]["2w started"] = memory_mb(service.pid)
        for variant in ("plain", "key"):
            paired = paired_ingest(wrk, service, bare[2], token, variant, 2, plan, ALL_CPUS, db_pid)
            out["single"][f"2w {variant}"] = paired.summary()
        out["batch"]["2w"] = batch_load(
            service, token, bodies[large_batches:], f"2w +{plan.batch_extra:,}", db_pid
        )
        out["batch"]["2w recent"] = batch_load(
            service, token, recent_bodies[1], f"2w +{plan.batch_recent:,} recent (POS)", db_pid
        )
        out["memory"]["2w after load"] = memory_mb(service.pid)
        log(f"  memory 2w: {out['memory']['2w after load']}")
        out["db"]["end"] = db_stats(backend, db_url, sqlite_path)
    finally:
        service.stop()
    out["server_log_lines"] = {
        name: sum(1 for _ in (workdir / f"{name}.err").open("rb"))
        for name in (f"{backend}-1w", f"{backend}-2w")
    }
    out["server_errors"] = _error_lines(workdir, backend)
    return out


_SERVER_ERROR = re.compile(r" 5\d\d [\d.]+ms$")


def _error_lines(workdir: Path, backend: str) -> list[str]:
    found: list[str] = []
    for path in sorted(workdir.glob(f"{backend}-*.err")):
        with path.open(errors="replace") as lines:
            for line in lines:
                if len(found) < 20 and (
                    " ERROR " in line or "Traceback" in line or _SERVER_ERROR.search(line)
                ):
                    found.append(f"{path.name}: {line.rstrip()[:300]}")
    return found


# --------------------------------------------------------------------------
# The table


@dataclass
class Row:
    backend: str
    workers: str
    measure: str
    figure: str
    latency: str
    ratio: str
    target: str
    result: str  # PASS / MISS / "" (reference)
    detail: dict[str, Any] = field(default_factory=dict)
    elsewhere: str = ""  # CPU (cores) other people's processes used while this was measured


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def build_rows(backend: str, out: dict[str, Any], bare_memory: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    variants = {"plain": "single ingest, no key", "key": "single ingest, unique key"}
    for workers in (1, 2):
        first = out["single"].get(f"{workers}w plain")
        if first:
            rows.append(
                Row(
                    backend,
                    f"{workers}",
                    "bare endpoint (ceiling)",
                    f"{first['bare_rps']:,.0f} req/s",
                    f"p50 {first['bare_p50_ms']:.1f} / p99 {first['bare_p99_ms']:.1f} ms",
                    "1.00×",
                    "reference",
                    "",
                    {
                        "bare_rps_each": first["bare_rps_each"],
                        "bare_foreign_each": first["bare_foreign_each"],
                    },
                )
            )
        for variant, label in variants.items():
            s = out["single"].get(f"{workers}w {variant}")
            if not s:
                continue
            ok = (
                s["ratio"] >= SINGLE_RATIO_TARGET
                and s["p99_ms"] < SINGLE_P99_TARGET_MS
                and s["non_2xx"] == 0
            )
            rows.append(
                Row(
                    backend,
                    f"{workers}",
                    label,
                    f"{s['rps']:,.0f} req/s",
                    f"p50 {s['p50_ms']:.1f} / p99 {s['p99_ms']:.1f} ms; "
                    f"cpu {1000 * s['service_cpu_ms_per_req']:.0f} µs/req "
                    f"(bare {1000 * s['bare_cpu_ms_per_req']:.0f})",
                    f"{s['ratio']:.2f}× bare",
                    f"≥{SINGLE_RATIO_TARGET:.2f}× bare, p99<{SINGLE_P99_TARGET_MS:.0f} ms, "
                    f"0 non-2xx (non-2xx: {s['non_2xx']})",
                    verdict(ok),
                    s,
                )
            )
    target = BATCH_TARGETS[backend]
    for key, b in out["batch"].items():
        workers = key[0]
        rows.append(
            Row(
                backend,
                workers,
                f"batch ingest {b['label'][3:]}",
                f"{b['rps']:,} resp/s",
                f"p50 {b['request_p50_ms']:.0f} ms / 1000-item request; "
                f"cpu {1e6 * b['server_cpu_s'] / max(1, b['created']):.0f} µs/resp",
                "",
                f"≥{target:,} resp/s, all created (not created: {b['not_created']})",
                verdict(b["rps"] >= target and b["not_created"] == 0),
                b,
            )
        )
    small, large = out["scores"].get("small", {}), out["scores"].get("large", {})
    n_small = out["db"]["small"]["responses"]
    n_large = out["db"]["large"]["responses"]
    for size in ("small", "large"):
        facts = out["db"][size]
        rows.append(
            Row(
                backend,
                "",
                f"history {size}",
                f"{facts['responses']:,} responses",
                f"{facts['hourly_rows']:,} hourly rollup rows",
                "",
                f"database {facts['size_mb']:,.0f} MB",
                "",
                facts,
            )
        )
    floor_small, floor_large = small.get("healthz (floor)"), large.get("healthz (floor)")
    if floor_small and floor_large:
        rows.append(
            Row(
                backend,
                "1",
                "GET /healthz (client+HTTP floor)",
                f"p50 {floor_small['p50_ms']:.1f} / {floor_large['p50_ms']:.1f} ms",
                f"p90 {floor_small['p90_ms']:.1f} / {floor_large['p90_ms']:.1f} ms",
                "",
                "reference (at small / large)",
                "",
                floor_large,
            )
        )
    for name, limit in SCORE_TARGETS_MS.items():
        if name in small:
            s = small[name]
            rows.append(
                Row(
                    backend,
                    "1",
                    f"{name} @ {n_small:,}",
                    f"p50 {s['p50_ms']:.1f} ms",
                    f"p90 {s['p90_ms']:.1f} ms",
                    "",
                    "reference for growth",
                    "",
                    s,
                )
            )
        if name in large:
            lg = large[name]
            growth = lg["p50_ms"] / small[name]["p50_ms"] if name in small else float("nan")
            ok = lg["p50_ms"] < limit and growth <= SCORE_GROWTH_LIMIT
            rows.append(
                Row(
                    backend,
                    "1",
                    f"{name} @ {n_large:,}",
                    f"p50 {lg['p50_ms']:.1f} ms",
                    f"p90 {lg['p90_ms']:.1f} ms",
                    f"{growth:.2f}× small",
                    f"p50<{limit:.0f} ms, ≤{SCORE_GROWTH_LIMIT}× small",
                    verdict(ok),
                    {**lg, "growth": round(growth, 3)},
                )
            )
    for label, key in (("1", "1w after single key"), ("2", "2w after load")):
        mem = out["memory"].get(key)
        if mem:
            rows.append(
                Row(
                    backend,
                    label,
                    f"server memory ({key})",
                    f"{mem['rss_mb']:.0f} MB RSS",
                    f"PSS {mem['pss_mb']:.0f} MB, {len(mem['each'])} proc",
                    "",
                    f"<{MEMORY_TARGET_MB:.0f} MB",
                    verdict(mem["rss_mb"] < MEMORY_TARGET_MB),
                    mem,
                )
            )
    return rows


def _fill_elsewhere(rows: list[Row]) -> None:
    for row in rows:
        d = row.detail
        if row.measure.startswith("bare"):
            value = max(d.get("bare_foreign_each") or [0.0])
        elif "foreign_each" in d:
            value = max(d["foreign_each"])
        else:
            value = d.get("foreign_cores")
        row.elsewhere = "" if value is None else f"{value:.2f}"


def render(rows: list[Row]) -> str:
    header = ("DB", "W", "measure", "figure", "latency", "ratio", "target", "result", "elsewhere")
    table = [header] + [
        (
            r.backend,
            r.workers,
            r.measure,
            r.figure,
            r.latency,
            r.ratio,
            r.target,
            r.result,
            r.elsewhere,
        )
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(header))]
    lines = []
    for n, line in enumerate(table):
        lines.append(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_markdown(rows: list[Row]) -> str:
    header = "| DB | W | measure | figure | latency | ratio | target | result | elsewhere |"
    lines = [header, "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = (r.backend, r.workers, r.measure, r.figure, r.latency, r.ratio, r.target)
        result = f"**{r.result}**" if r.result == "MISS" else r.result
        lines.append("| " + " | ".join(cells) + f" | {result} | {r.elsewhere} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Machine and provenance


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break

    def version(argv: list[str]) -> str:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
            return (done.stdout or done.stderr).strip().splitlines()[0]
        return "unknown"

    import fastapi
    import uvicorn

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "os": version(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "python": platform.python_version(),
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
        "sqlite": sqlite3.sqlite_version,
        "wrk": version(["wrk", "--version"]),
        "loadavg_start": os.getloadavg(),
    }


def provenance() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty_app": bool(git("status", "--porcelain", "--", "app", "migrations")),
        "app_sha_start": app_fingerprint(),
    }


def app_fingerprint() -> str:
    """A hash of the service's source, to tell whether it changed during the run."""
    digest = hashlib.sha256()
    root = SOURCE["root"]
    for path in sorted((root / "app").rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --------------------------------------------------------------------------
# Main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Touchpoint benchmark (see the module doc).")
    parser.add_argument("--quick", action="store_true", help="small history, short runs")
    parser.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument(
        "--pg-fast",
        action="store_true",
        help="PostgreSQL as the test suite runs it (tmpfs, fsync=off) instead of on disk",
    )
    parser.add_argument("--repeats", type=int, help="wrk rounds per measure (median taken)")
    parser.add_argument("--duration", type=int, help="seconds per wrk round")
    parser.add_argument("--history", type=int, nargs=2, metavar=("SMALL", "LARGE"))
    parser.add_argument(
        "--quiet-threshold",
        type=float,
        default=QUIET["threshold"],
        help="before each measure, wait until other processes use less CPU than this (cores)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        help="...but at most this long, in seconds (default 30; 5 with --quick)",
    )
    parser.add_argument(
        "--source",
        default="worktree",
        help="the service's code: 'worktree' (the files as they are) or a git revision, "
        "e.g. HEAD, run from a `git archive` snapshot so edits in progress cannot break "
        "or change the run",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server logs)")
    parser.add_argument("--out", type=Path, help="JSON results path (default bench/results/)")
    return parser.parse_args()


def make_plan(args: argparse.Namespace) -> Plan:
    plan = QUICK if args.quick else FULL
    changes: dict[str, Any] = {}
    if args.repeats:
        changes["repeats"] = args.repeats
    if args.duration:
        changes["duration_s"] = args.duration
    if args.history:
        changes["history_small"], changes["history_large"] = args.history
    if changes:
        plan = Plan(**{**asdict(plan), **changes, "mode": plan.mode + "+custom"})
    return plan


def main() -> int:
    args = parse_args()
    plan = make_plan(args)
    max_wait = args.quiet_wait if args.quiet_wait is not None else (5.0 if args.quick else 30.0)
    QUIET.update(threshold=args.quiet_threshold, max_wait=max_wait)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    wrk = ensure_wrk()
    started = time.time()
    command = " ".join([Path(sys.executable).name, *sys.argv])
    log(f"plan: {plan}")
    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-bench-"))
    source = {"source": "worktree"}
    if args.source != "worktree":
        try:
            SOURCE["root"], commit = snapshot(args.source, workdir)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        source = {"source": f"git archive of {args.source}", "source_commit": commit}
        log(f"service code: {args.source} = {commit[:12]}, from {SOURCE['root']}")
    results: dict[str, Any] = {
        "plan": asdict(plan),
        "command": command,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "provenance": {**provenance(), **source},
        "setup": {
            "connections": CONNECTIONS,
            "wrk_threads": 1,
            "batch_concurrency": BATCH_CONCURRENCY,
            "pinning_1w": f"server core {SERVER_CPU}, wrk and Python clients core {CLIENT_CPU}",
            "pinning_2w": f"server, wrk and clients all on cores {ALL_CPUS} (unpinned)",
            "pg": "throwaway cluster, tmpfs, fsync=off"
            if args.pg_fast
            else "throwaway cluster on disk, fsync=on, full_page_writes=on",
            "sqlite": "file in a temp dir on disk, WAL, synchronous=FULL (service default)",
            "quiet_gate": dict(QUIET),
        },
        "backends": {},
    }
    cluster = None
    servers: list[Server] = []
    all_rows: list[Row] = []
    try:
        log("generating synthetic history")
        total = plan.history_large + plan.batch_extra
        bodies = history.batch_bodies(total, seed=20261122)
        sizes = [history.items_in(b) for b in bodies]
        recent_bodies = [
            history.batch_bodies(plan.batch_recent, seed=seed, recent=True) for seed in (1, 2)
        ]
        small_batches = _batches_for(sizes, plan.history_small)
        large_batches = _batches_for(sizes, plan.history_large)
        log(f"  {total:,} responses in {len(bodies)} bodies, largest {max(map(len, bodies)):,} B")

        if "postgresql" in backends:
            pg = load_pg_cluster()
            if not args.pg_fast:
                os.environ[pg.TMPDIR_ENV] = tempfile.gettempdir()  # on disk, not /dev/shm
            settings = {} if args.pg_fast else {"fsync": "on", "full_page_writes": "on"}
            log("starting a throwaway PostgreSQL cluster (unpinned)")
            cluster = pg.ThrowawayCluster(dbname="bench", settings=settings)
            cluster.start()
            version = subprocess.run(
                [str(cluster.bindir / "postgres"), "--version"], capture_output=True, text=True
            )
            results["machine"]["postgresql"] = version.stdout.strip()
        # From here the bench itself (batch and score clients) runs on the client core;
        # the servers it starts are given their cores explicitly with taskset.
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {int(CLIENT_CPU)})

        bare = {1: start_bare(1, SERVER_CPU, workdir), 2: start_bare(2, ALL_CPUS, workdir)}
        servers.extend(bare.values())
        for backend in backends:
            if backend == "sqlite":
                sqlite_path = workdir / "sqlite" / "touchpoint.db"
                sqlite_path.parent.mkdir()
                url, db_pid = f"sqlite:///{sqlite_path}", None
            elif backend == "postgresql":
                assert cluster is not None
                sqlite_path = None
                url = cluster.dsn
                db_pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
                Watch.extra_pids = [db_pid]
            else:
                raise SystemExit(f"unknown backend {backend!r}")
            out = bench_backend(
                backend,
                url,
                sqlite_path,
                db_pid,
                bodies,
                recent_bodies,
                small_batches,
                large_batches,
                bare,
                wrk,
                plan,
                workdir,
            )
            results["backends"][backend] = out
            rows = build_rows(backend, out, {})
            _fill_elsewhere(rows)
            all_rows.extend(rows)
        results["bare_memory"] = {f"{w}w": memory_mb(s.pid) for w, s in bare.items()}
        results["provenance"]["app_sha_end"] = app_fingerprint()  # before the snapshot goes
        results["provenance"]["app_changed_during_run"] = (
            results["provenance"]["app_sha_end"] != results["provenance"]["app_sha_start"]
        )
    except BaseException:
        RESULTS.mkdir(exist_ok=True)
        partial = RESULTS / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{plan.mode}-partial.json"
        partial.write_text(json.dumps(results, indent=2, default=str))
        log(f"failed; what was measured is in {partial}")
        raise
    finally:
        for server in servers:
            server.stop()
        if cluster is not None:
            cluster.stop()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    results["seconds"] = round(time.time() - started)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["rows"] = [asdict(r) for r in all_rows]
    results["table"] = render(all_rows)
    results["markdown"] = render_markdown(all_rows)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = args.out or RESULTS / f"{stamp}-{plan.mode}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print()
    print(results["table"])
    print()
    bare_mem = results["bare_memory"]
    print(
        f"bare endpoint memory: 1w {bare_mem['1w']['rss_mb']} MB, 2w {bare_mem['2w']['rss_mb']} MB"
    )
    if results["provenance"]["app_changed_during_run"]:
        print("WARNING: app/ changed during the run; the figures mix two versions")
    noisy = [r for r in all_rows if r.elsewhere and float(r.elsewhere) >= QUIET["threshold"]]
    if noisy:
        print(
            f"WARNING: {len(noisy)} line(s) measured while other processes used "
            f">= {QUIET['threshold']} cores (column 'elsewhere')"
        )
    misses = [r for r in all_rows if r.result == "MISS"]
    print(f"{len(misses)} target(s) missed of {sum(1 for r in all_rows if r.result)}")
    print(f"took {results['seconds']} s; results: {path}")
    return 0


def _batches_for(sizes: list[int], responses: int) -> int:
    """How many leading bodies hold exactly ``responses`` items."""
    total = 0
    for n, size in enumerate(sizes):
        if total >= responses:
            return n
        total += size
    return len(sizes)


if __name__ == "__main__":
    sys.exit(main())
