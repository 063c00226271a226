"""How fast the workers of `touchpoint serve --workers 2` answer their supervisor's pings.

    .venv/bin/python bench/worker_pings.py                      # 4 burners, 60 s of posts
    .venv/bin/python bench/worker_pings.py --burners 8 --batches
    TOUCHPOINT_WORKER_HEALTHCHECK_SECONDS=5 .venv/bin/python bench/worker_pings.py \
        --main-imports app.cli --seconds 10         # as before the fix: workers killed

Starts CPU burners (each in a session of its own, like other services), then the real
`touchpoint serve --workers 2` on a fresh SQLite file with uvicorn's health check timed
in the supervisor, then posts answers (or 1000-answer batches and CSV exports) over
keep-alive connections. Prints how long the start took, the ping round trips (count,
median, slowest), the workers the supervisor replaced, and the statuses answered.
The figures of docs/performance.md, "Workers killed at startup".

Every worker imports this file again first (multiprocessing's spawn), as it imports the
`touchpoint` script; so at module level this file imports only the standard library,
like app/__main__.py, or with ``--main-imports app.cli`` what the script imported
before the fix.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPLACED = re.compile(r"Child process \[\d+\] died")
_SERVE = "--serve-timing-pings-to"
_MAIN_IMPORTS = "WORKER_PINGS_MAIN_IMPORTS"

if os.environ.get(_MAIN_IMPORTS):
    importlib.import_module(os.environ[_MAIN_IMPORTS])


def serve_with_timed_pings(log_path: str, argv: list[str]) -> None:
    """The supervisor: `touchpoint serve`, each health-check round trip appended to a file."""
    from uvicorn.supervisors import multiprocess

    from app.cli import main

    checked = multiprocess.Process._healthcheck
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 - open until the process ends

    def timed(process: multiprocess.Process, timeout: float) -> bool | None:
        start = time.monotonic()
        answer = checked(process, timeout)
        log.write(f"{process.pid} {time.monotonic() - start:.4f} {answer}\n")
        return answer

    multiprocess.Process._healthcheck = timed  # type: ignore[method-assign]
    main(argv)


@contextlib.contextmanager
def burners(count: int) -> Iterator[None]:
    started = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for burner in started:
            burner.kill()
            burner.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def load(
    base: str, key: str, connections: int, seconds: float, batches: bool
) -> Counter[str]:
    import httpx

    statuses: Counter[str] = Counter()
    end = time.monotonic() + seconds
    one = {"metric": "nps", "score": 7, "survey": "pings"}
    batch = {"responses": [one | {"score": i % 11, "location": f"s{i % 7}"} for i in range(1000)]}

    async def client(index: int) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            while time.monotonic() < end:
                if not batches:
                    answer = await http.post("/v1/responses", json=one)
                elif index % 2:
                    answer = await http.post("/v1/responses/batch", json=batch)
                else:
                    answer = await http.get("/v1/responses", params={"format": "csv"})
                statuses[f"{answer.request.method} {answer.status_code}"] += 1

    await asyncio.gather(*(client(i) for i in range(connections)))
    return statuses


def run(arguments: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="worker-pings-"))
    pings, stderr = folder / "pings", folder / "serve.stderr"
    port = free_port()
    env = os.environ | {
        "TOUCHPOINT_DATABASE_URL": f"sqlite:///{folder / 'touchpoint.db'}",
        _MAIN_IMPORTS: arguments.main_imports or "",
    }
    serve = [sys.executable, __file__, _SERVE, str(pings), "serve", "--port", str(port)]
    with burners(arguments.burners):
        began = time.monotonic()
        with stderr.open("wb") as err:
            server = subprocess.Popen(
                [*serve, "--workers", "2"],
                stdout=subprocess.PIPE,
                stderr=err,
                env=env,
                start_new_session=True,
            )
        assert server.stdout is not None
        key = next(
            w for line in server.stdout for w in line.decode().split() if w.startswith("tp_sk_")
        )
        while stderr.read_text().count("Application startup complete.") < 2:
            time.sleep(0.05)
        ready = time.monotonic() - began
        base = f"http://127.0.0.1:{port}"
        connections = 8 if arguments.batches else 40
        statuses = asyncio.run(load(base, key, connections, arguments.seconds, arguments.batches))
    server.terminate()
    server.wait(60)
    trips: dict[bool, list[float]] = {False: [], True: []}
    for line in pings.read_text().splitlines():
        _pid, seconds, started = line.split()
        trips[started == "True"].append(float(seconds))
    print(f"burners: {arguments.burners} on {os.cpu_count()} cores; ready after {ready:.1f} s")
    for serving, label in ((False, "while starting"), (True, "while serving")):
        if times := trips[serving]:
            print(
                f"ping round trips {label}: {len(times)}, "
                f"median {statistics.median(times):.3f} s, slowest {max(times):.3f} s"
            )
    print(f"workers replaced: {len(REPLACED.findall(stderr.read_text()))}")
    print(f"answers: {dict(statuses)}  (logs in {folder})")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == _SERVE:
        serve_with_timed_pings(sys.argv[2], sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burners", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--batches", action="store_true", help="batches and CSV exports")
    parser.add_argument("--main-imports", metavar="MODULE", help="what workers import first")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
