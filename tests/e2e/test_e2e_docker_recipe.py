"""The Dockerfile, checked without Docker (there is no engine on these machines).

It is parsed and held to what the image promises (slim Python 3.11, a non-root user, a
health check in Python, `touchpoint serve` as the command, SQLite on a volume). Then
the image is simulated: what the Dockerfile COPYs is copied into a directory laid out
like the image, the project is installed from it NON-editable into a fresh virtualenv,
the install step's clean-up runs (no source copy is left), and from the final WORKDIR —
the data volume, which holds no migrations — `touchpoint migrate` must work and the CMD
must serve and pass the HEALTHCHECK command.

The fast simulation installs the project with --no-deps and lends the new virtualenv
this one's dependencies. The full one (`pip install --no-cache-dir .` with every
dependency, exactly the Dockerfile's RUN line) takes 45 s on an idle machine (two
minutes on a busy one) and runs only with TOUCHPOINT_SLOW_TESTS=1.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import threading
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath

import pytest

from app import schema
from tests.support.e2e_support import Launcher, free_port

pytest_plugins = ["tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SLOW = os.environ.get("TOUCHPOINT_SLOW_TESTS") == "1"
ROOT_USERS = {"root", "0"}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        value = json.loads(self.arguments)
        assert isinstance(value, list), f"{self.keyword} is not in exec (JSON) form"
        return [str(part) for part in value]


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # Docker drops comment lines, also inside a continuation
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        full = pending + line
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continuation line"
    return instructions


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Docker's rule: the last pattern that matches the path, or a parent of it, wins."""
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    excluded = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        regex = _docker_glob(pattern.removeprefix("!").strip("/"))
        if any(regex.match(prefix) for prefix in prefixes):
            excluded = not negated
    return excluded


def _docker_glob(pattern: str) -> re.Pattern[str]:
    """Go's filepath.Match (``*``, ``?``, ``[…]`` stay within a name) plus ``**``."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            regex, i = regex + "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]", end + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex + r"\Z")


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse_dockerfile((REPO / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def ignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def only(instructions: list[Instruction], keyword: str) -> list[Instruction]:
    return [i for i in instructions if i.keyword == keyword]


def env_of(instructions: list[Instruction]) -> dict[str, str]:
    values: dict[str, str] = {}
    for instruction in only(instructions, "ENV"):
        for pair in shlex.split(instruction.arguments):
            name, _, value = pair.partition("=")
            values[name] = value
    return values


def test_the_base_image_is_slim_python_3_11(dockerfile: list[Instruction]) -> None:
    stages = only(dockerfile, "FROM")
    assert stages, "no FROM"
    image = stages[-1].arguments.split()[0]
    name, _, tag = image.partition(":")
    assert name in {"python", "docker.io/library/python"}, image
    assert tag.split("@")[0].startswith("3.11-slim"), image


def test_it_runs_as_a_user_that_is_not_root(dockerfile: list[Instruction]) -> None:
    users = only(dockerfile, "USER")
    assert users, "no USER: the container would run as root"
    user, _, group = users[-1].arguments.partition(":")
    assert user not in ROOT_USERS
    assert group not in ROOT_USERS


def test_the_command_serves_on_the_exposed_port(dockerfile: list[Instruction]) -> None:
    [cmd] = only(dockerfile, "CMD")[-1:]
    argv = cmd.exec_form()  # exec form: SIGTERM reaches touchpoint, not a shell
    assert argv[:2] == ["touchpoint", "serve"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    port = argv[argv.index("--port") + 1]
    exposed = {word for i in only(dockerfile, "EXPOSE") for word in i.arguments.split()}
    assert port in exposed or f"{port}/tcp" in exposed
    assert not only(dockerfile, "ENTRYPOINT")


def test_sqlite_lives_on_a_volume(dockerfile: list[Instruction]) -> None:
    url = env_of(dockerfile)["TOUCHPOINT_DATABASE_URL"]
    assert url.startswith("sqlite:////"), url
    folder = str(PurePosixPath(url.removeprefix("sqlite:///")).parent)
    volumes: set[str] = set()
    for instruction in only(dockerfile, "VOLUME"):
        text = instruction.arguments
        volumes.update(json.loads(text) if text.startswith("[") else text.split())
    assert folder in volumes, (folder, volumes)
    # The non-root user owns it, made before VOLUME so the volume starts out owned so.
    user = only(dockerfile, "USER")[-1].arguments.partition(":")[0]
    assert any(f"chown {user}" in i.arguments and folder in i.arguments for i in dockerfile)


def test_the_install_is_not_editable_and_removes_its_source_copy(
    dockerfile: list[Instruction],
) -> None:
    installs = [i for i in only(dockerfile, "RUN") if "pip install" in i.arguments]
    assert len(installs) == 1
    pip_step, *cleanup = (part.strip() for part in installs[0].arguments.split("&&"))
    words = shlex.split(pip_step)
    assert words[:2] == ["pip", "install"]
    assert "--no-cache-dir" in words
    assert words[-1] == "."
    assert "-e" not in words
    assert "--editable" not in words
    source = _workdir_at(dockerfile, installs[0])
    assert _image_path(dockerfile, "migrations") == source
    assert cleanup == [f"rm -rf {source}"], "the same step removes the source copy"
    # The service runs from its data folder: nothing of the source is needed there.
    assert PurePosixPath(_final_workdir(dockerfile)) != source


def test_the_health_check_asks_healthz_in_python(dockerfile: list[Instruction]) -> None:
    [check] = only(dockerfile, "HEALTHCHECK")
    assert not check.arguments.upper().startswith("NONE")
    argv = _health_argv(check)
    assert argv[0] in {"python", "python3"}
    assert "/healthz" in argv[-1]
    assert "curl" not in check.arguments
    assert "wget" not in check.arguments


def test_the_health_check_command_tells_healthy_from_not(dockerfile: list[Instruction]) -> None:
    """Run the HEALTHCHECK's own command against a stand-in for the server."""
    argv = _health_argv(only(dockerfile, "HEALTHCHECK")[0])
    statuses = {"/healthz": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(statuses.get(self.path, 404))
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Handler) as stand_in:
        thread = threading.Thread(target=stand_in.serve_forever, daemon=True)
        thread.start()
        try:
            on_port = _health_on_port(argv, stand_in.server_address[1])
            assert _run_quietly(on_port) == 0
            statuses["/healthz"] = 503
            assert _run_quietly(on_port) != 0
        finally:
            stand_in.shutdown()
            thread.join()
    assert _run_quietly(_health_on_port(argv, free_port())) != 0  # nothing listening


def test_the_build_context_holds_what_is_copied_and_nothing_else(
    dockerfile: list[Instruction], ignore_patterns: list[str]
) -> None:
    for source, _destination in _copies(dockerfile):
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"
        assert not dockerignore_excludes(ignore_patterns, source), f"{source} is ignored"
        for file in (REPO / source).rglob("*.py") if (REPO / source).is_dir() else []:
            relative = file.relative_to(REPO).as_posix()
            if "__pycache__" not in relative:
                assert not dockerignore_excludes(ignore_patterns, relative), relative
    for kept_out in (".git/HEAD", "tests/conftest.py", ".venv/bin/python", "touchpoint.db"):
        assert dockerignore_excludes(ignore_patterns, kept_out), kept_out
    for cache in ("app/__pycache__/main.cpython-311.pyc", "app/keys/__pycache__/x.pyc"):
        assert dockerignore_excludes(ignore_patterns, cache), cache
    # What the build itself reads must be in the image context too.
    copied = {PurePosixPath(source).parts[0] for source, _ in _copies(dockerfile)}
    assert {"pyproject.toml", "README.md", "app", "migrations"} <= copied


def test_the_image_layout_installs_migrates_and_serves(
    dockerfile: list[Instruction], ignore_patterns: list[str], tmp_path: Path, launcher: Launcher
) -> None:
    root = _lay_out_image(dockerfile, ignore_patterns, tmp_path / "image")
    python = _fast_install(dockerfile, root, tmp_path / "venv")
    _check_image(dockerfile, python, root, launcher)


@pytest.mark.skipif(not SLOW, reason="a full `pip install .` takes 45+ s: TOUCHPOINT_SLOW_TESTS=1")
def test_the_image_layout_with_the_dockerfiles_own_install_step(
    dockerfile: list[Instruction], ignore_patterns: list[str], tmp_path: Path, launcher: Launcher
) -> None:
    root = _lay_out_image(dockerfile, ignore_patterns, tmp_path / "image")
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    [install] = [i for i in only(dockerfile, "RUN") if "pip install" in i.arguments]
    pip_step, *cleanup = (part.strip() for part in install.arguments.split("&&"))
    path = f"{environment / 'bin'}{os.pathsep}{os.environ.get('PATH', os.defpath)}"
    subprocess.run(
        ["/bin/sh", "-c", pip_step],  # the RUN line's install, with the venv's pip
        cwd=_in_image(root, _workdir_at(dockerfile, install)),
        env=_clean_env() | {"PATH": path},
        check=True,
        timeout=600,
    )
    _clean_up(cleanup, root)
    _check_image(dockerfile, environment / "bin" / "python", root, launcher)


# ---------------------------------------------------------------------------
# The simulation


def _final_workdir(dockerfile: list[Instruction]) -> str:
    workdirs = only(dockerfile, "WORKDIR")
    assert workdirs, "no WORKDIR"
    return workdirs[-1].arguments


def _workdir_at(dockerfile: list[Instruction], target: Instruction) -> PurePosixPath:
    workdir = PurePosixPath("/")
    for instruction in dockerfile:
        if instruction is target:
            return workdir
        if instruction.keyword == "WORKDIR":
            workdir = workdir / instruction.arguments
    raise AssertionError(f"{target} is not in the Dockerfile")


def _in_image(root: Path, path: PurePosixPath) -> Path:
    return root / path.relative_to("/")


def _copies(dockerfile: list[Instruction]) -> Iterator[tuple[str, PurePosixPath]]:
    """(source in the context, absolute destination in the image) of every COPY."""
    workdir = PurePosixPath("/")
    for instruction in dockerfile:
        if instruction.keyword == "WORKDIR":
            workdir = workdir / instruction.arguments
        elif instruction.keyword == "COPY":
            words = [w for w in shlex.split(instruction.arguments) if not w.startswith("--")]
            assert "--from" not in instruction.arguments, "multi-stage COPY: update this test"
            *sources, target = words
            destination = workdir / target
            for source in sources:
                if target.endswith("/") or len(sources) > 1:
                    yield source, destination / PurePosixPath(source).name
                else:
                    yield source, destination


def _image_path(dockerfile: list[Instruction], source: str) -> PurePosixPath:
    matches = [PurePosixPath(dest).parent for src, dest in _copies(dockerfile) if src == source]
    assert matches, f"{source} is not copied"
    return matches[0]


def _lay_out_image(dockerfile: list[Instruction], ignored: list[str], root: Path) -> Path:
    """Copy what the Dockerfile COPYs (less what .dockerignore keeps out) under ``root``."""

    def skip(folder: str, names: list[str]) -> list[str]:
        relative = Path(folder).relative_to(REPO)
        return [n for n in names if dockerignore_excludes(ignored, (relative / n).as_posix())]

    for source, destination in _copies(dockerfile):
        target = _in_image(root, destination)
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / source).is_dir():
            shutil.copytree(REPO / source, target, ignore=skip)
        else:
            shutil.copy2(REPO / source, target)
    return root


def _fast_install(dockerfile: list[Instruction], root: Path, environment: Path) -> Path:
    """The install RUN, its pip part made fast: no dependencies fetched, this venv's lent."""
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    lent = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    # Plain paths in a .pth are appended after the venv's own site-packages, and the
    # .pth files inside them (this venv's editable install of touchpoint) are not run.
    (site / "_lent_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(lent)))
    [install] = [i for i in only(dockerfile, "RUN") if "pip install" in i.arguments]
    pip_step, *cleanup = (part.strip() for part in install.arguments.split("&&"))
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"),
            # The build backend too comes from this venv (tests extra), not from PyPI.
            *("--no-build-isolation", "-q", *shlex.split(pip_step)[2:]),
        ],
        cwd=_in_image(root, _workdir_at(dockerfile, install)),
        env=_clean_env(),
        check=True,
        timeout=300,
        capture_output=True,
    )
    _clean_up(cleanup, root)
    return python


def _clean_up(steps: list[str], root: Path) -> None:
    for step in steps:
        words = shlex.split(step)
        assert words[:2] == ["rm", "-rf"], f"unknown step {step!r}: teach the simulation"
        for pattern in words[2:]:
            assert pattern.startswith("/"), f"{pattern}: say which folder"
            assert ".." not in pattern, pattern
            for found in root.glob(pattern.removeprefix("/")):
                shutil.rmtree(found) if found.is_dir() else found.unlink()


def _check_image(
    dockerfile: list[Instruction], python: Path, root: Path, launcher: Launcher
) -> None:
    env = _clean_env()
    workdir = _in_image(root, PurePosixPath(_final_workdir(dockerfile)))
    workdir.mkdir(parents=True, exist_ok=True)  # made by the Dockerfile's RUN mkdir -p /data
    where = subprocess.run(
        [python, "-I", "-c", "import app, sys; print(app.__file__)"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(python.parent.parent)), f"not the installed copy: {where}"
    source = _in_image(root, _image_path(dockerfile, "app"))
    assert not source.exists(), "the image keeps a second, source copy of the project"
    assert list(workdir.iterdir()) == [], "the service's folder starts out empty"

    url = env_of(dockerfile)["TOUCHPOINT_DATABASE_URL"]
    database = _in_image(root, PurePosixPath(url.removeprefix("sqlite:///")))
    env["TOUCHPOINT_DATABASE_URL"] = f"sqlite:///{database}"
    touchpoint = str(python.parent / "touchpoint")
    migrated = subprocess.run(
        [touchpoint, "migrate"], cwd=workdir, env=env, capture_output=True, text=True, timeout=120
    )
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.strip() == f"database at revision {schema.head_revision()}"

    cmd = only(dockerfile, "CMD")[-1].exec_form()

    def as_in_the_image(port: int, _workers: int) -> list[str]:
        argv = [touchpoint, *cmd[1:]]
        argv[argv.index("--port") + 1] = str(port)
        argv[argv.index("--host") + 1] = "127.0.0.1"  # not every interface of this machine
        return argv

    server = launcher.start(env["TOUCHPOINT_DATABASE_URL"], command=as_in_the_image, cwd=workdir)
    health = _health_on_port(_health_argv(only(dockerfile, "HEALTHCHECK")[0]), server.port)
    assert _run_quietly([str(python), *health[1:]], cwd=workdir) == 0
    server.stop()


def _health_argv(check: Instruction) -> list[str]:
    options, cmd, command = check.arguments.partition("CMD ")
    assert cmd, "HEALTHCHECK without CMD"
    assert all(word.startswith("--") for word in options.split()), options
    return Instruction("CMD", command.strip()).exec_form()


def _health_on_port(argv: list[str], port: int) -> list[str]:
    assert "127.0.0.1:8000" in argv[-1]
    return [sys.executable, *argv[1:-1], argv[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")]


def _run_quietly(argv: list[str], cwd: Path | None = None) -> int:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=30, env=_clean_env())
    return done.returncode


def _clean_env() -> dict[str, str]:
    drop = ("TOUCHPOINT_", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}
