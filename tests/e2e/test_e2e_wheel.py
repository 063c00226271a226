"""The wheel built from the repository is a whole touchpoint: it migrates, manages keys and
serves from an empty folder, with nothing of the repository around it.

The wheel is installed NON-editable, without dependencies, into a fresh virtualenv that
borrows this one's dependencies, so the test takes seconds. `.ci/run` also installs it
with every dependency from PyPI into a clean virtualenv and starts it the same way.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from app import schema
from tests.support.e2e_support import FreshDatabase, Launcher

pytest_plugins = ["tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
# What setuptools reads to build the wheel (pyproject.toml says so).
BUILD_INPUTS = ("pyproject.toml", "README.md", "app", "migrations")
KEY_LINE = re.compile(r"^tp_sk_[0-9a-f]{16}[A-Za-z0-9]{40}$", re.MULTILINE)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")  # not the repository: no stale build/ in it
    for name in BUILD_INPUTS:
        if (REPO / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(REPO / name, source / name, ignore=ignore)
        else:
            shutil.copy2(REPO / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("-q", "-w", str(dist), str(source)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = dist.glob("touchpoint-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``touchpoint`` command of a fresh virtualenv holding only the wheel."""
    environment = tmp_path_factory.mktemp("venv")
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Appended after the venv's own site-packages; the .pth files inside (this venv's
    # editable touchpoint) are not run, so `app` can only be the wheel's.
    lent = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    (Path(site) / "_lent_dependencies.pth").write_text("".join(f"{p}\n" for p in lent))
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", wheel],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return environment / "bin" / "touchpoint"


def _clean_env(**extra: str) -> dict[str, str]:
    drop = ("TOUCHPOINT_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)} | extra


def test_every_package_under_app_is_in_the_package_list() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "app").rglob("__init__.py")
    }

    assert set(config["packages"]) == on_disk | {"app.migrations"}, (
        "pyproject.toml's [tool.setuptools] packages must list every package under app/"
    )
    assert config["package-dir"] == {"app.migrations": "migrations"}


def test_the_wheel_carries_every_migration(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    versions = {path.name for path in (REPO / "migrations" / "versions").glob("*.py")}

    assert {"app/migrations/env.py", "app/migrations/script.py.mako"} <= names
    assert {n.removeprefix("app/migrations/versions/") for n in names if "/versions/" in n} == (
        versions
    )
    assert not [n for n in names if n.startswith(("migrations/", "tests/"))]


def test_the_installed_wheel_migrates_manages_keys_and_serves_from_an_empty_folder(
    installed: Path,
    e2e_backend: str,
    fresh_database: FreshDatabase,
    tmp_path: Path,
    launcher: Launcher,
) -> None:
    folder = tmp_path / "anywhere"
    folder.mkdir()
    url = "sqlite:///./touchpoint.db" if e2e_backend == "sqlite" else fresh_database("wheel")
    env = _clean_env(TOUCHPOINT_DATABASE_URL=url)

    def touchpoint(*args: str) -> str:
        done = subprocess.run(
            [str(installed), *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert touchpoint("migrate") == f"database at revision {schema.head_revision()}\n"
    created = touchpoint("keys", "create", "--name", "from the wheel", "--scope", "admin")
    [key] = KEY_LINE.findall(created)
    assert "from the wheel" in touchpoint("keys", "list")

    server = launcher.start(
        url, command=lambda port, _w: [str(installed), "serve", "--port", str(port)], cwd=folder
    )

    async def ask() -> tuple[int, int]:
        async with server.client() as anonymous, server.client(key) as admin:
            ready = await anonymous.get("/readyz")
            keys = await admin.get("/v1/keys")
            return ready.status_code, keys.status_code

    assert asyncio.run(ask()) == (200, 200)
    server.stop()
    if e2e_backend == "sqlite":
        assert {path.name for path in folder.iterdir()} <= {
            "touchpoint.db",
            "touchpoint.db-wal",
            "touchpoint.db-shm",
        }
