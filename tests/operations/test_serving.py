"""`touchpoint serve`: what its workers import first, and the supervisor settings it uses.

Why the first matters is in app/__main__.py; the behaviour on a saturated machine is
tests/e2e/test_e2e_saturation.py.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from app.cli import main
from app.config import get_settings

# What a spawned worker must not import before uvicorn's ping thread runs: the command
# itself, and the libraries that take seconds to import on a busy machine.
HEAVY_LIBRARIES = ("sqlalchemy", "alembic", "pydantic", "fastapi", "starlette", "click")


def test_the_console_script_imports_a_module_that_imports_nothing_heavy() -> None:
    [script] = importlib.metadata.entry_points(group="console_scripts", name="touchpoint")
    module = script.value.partition(":")[0]
    probe = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout
    )

    heavy = sorted({n.split(".")[0] for n in loaded} & set(HEAVY_LIBRARIES))
    heavy += ["app.cli"] if "app.cli" in loaded else []
    assert heavy == [], f"importing {module} (the `touchpoint` script's module) loads {heavy}"


class UvicornRun:
    """Stands in for uvicorn.run: keeps the arguments, serves nothing."""

    def __init__(self) -> None:
        self.options: dict[str, Any] = {}

    def __call__(self, app: str, **options: Any) -> None:
        self.options = options


@pytest.fixture
def uvicorn_run(monkeypatch: pytest.MonkeyPatch) -> UvicornRun:
    fake = UvicornRun()
    monkeypatch.setattr(uvicorn, "run", fake)
    return fake


def serve(tmp_path: Path, **environment: str) -> None:
    env = {"TOUCHPOINT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", **environment}
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["serve", "--workers", "2"], env=env)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output


def test_serve_gives_a_worker_30_s_to_answer_and_requests_30_s_to_finish(
    tmp_path: Path, uvicorn_run: UvicornRun
) -> None:
    serve(tmp_path)

    assert uvicorn_run.options["workers"] == 2
    assert uvicorn_run.options["timeout_worker_healthcheck"] == 30
    assert uvicorn_run.options["timeout_graceful_shutdown"] == 30
    assert uvicorn_run.options["limit_concurrency"] is None  # a burst waits, it is not a 503


def test_serve_takes_both_timeouts_from_the_environment(
    tmp_path: Path, uvicorn_run: UvicornRun
) -> None:
    serve(
        tmp_path,
        TOUCHPOINT_WORKER_HEALTHCHECK_SECONDS="90",
        TOUCHPOINT_SHUTDOWN_GRACE_SECONDS="8",
    )

    assert uvicorn_run.options["timeout_worker_healthcheck"] == 90
    assert uvicorn_run.options["timeout_graceful_shutdown"] == 8


def test_a_health_check_timeout_of_zero_is_refused_in_one_line(tmp_path: Path) -> None:
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            main,
            ["serve"],
            env={
                "TOUCHPOINT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
                "TOUCHPOINT_WORKER_HEALTHCHECK_SECONDS": "0",
            },
        )
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: TOUCHPOINT_WORKER_HEALTHCHECK_SECONDS: Input should be"), line
