"""A throwaway PostgreSQL cluster for the test suite.

The suite runs its database tests on SQLite and on a real PostgreSQL server
that it starts itself, once per session, in a temporary directory::

    cluster = start_cluster()          # a started ThrowawayCluster, or a str
    if isinstance(cluster, str):       # PostgreSQL is not installed here
        skip_or_fail(cluster)
    try:
        engine = create_async_engine(cluster.url)
        fresh_url = cluster.create_database("migrations")
        ...
    finally:
        cluster.stop()

``ThrowawayCluster`` is also a context manager (``with ThrowawayCluster() as
c:``), which raises :class:`ClusterUnavailable` when there is no PostgreSQL.

How it works:

* binaries come from ``$TOUCHPOINT_PG_BINDIR`` when set (and only from
  there), else from ``pg_config --bindir``, else from the newest
  ``/usr/lib/postgresql/*/bin`` (Debian's layout, for when ``pg_config`` is
  libpq-dev's and points at a client-only directory);
* ``initdb`` (trust auth, UTF8, C locale, no fsync) into ``tempfile.mkdtemp``
  made in ``$TOUCHPOINT_PG_TMPDIR`` if set, else in /dev/shm when it is a
  roomy tmpfs (much faster: initdb ~0.7 s instead of ~2 s here), else in
  TMPDIR or /tmp;
* ``pg_ctl start`` on a free TCP port of 127.0.0.1 with the unix socket in
  the temp dir, ``fsync=off`` and ``full_page_writes=off`` (fine for
  throwaway test data; ``synchronous_commit`` stays ``on``);
* when run as root (PostgreSQL refuses to), ``initdb``/``pg_ctl`` run as the
  ``postgres`` OS user, which must exist; the temp dir is chowned to it;
* ``stop()`` is ``pg_ctl stop -m immediate`` and removal of the temp dir; it
  is idempotent, registered with ``atexit``, and backed by a small watchdog
  process that stops the cluster if this process dies without cleaning up
  (SIGKILL, a CI timeout).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = [
    "BINDIR_ENV",
    "DEFAULT_DATABASE",
    "TMPDIR_ENV",
    "ClusterError",
    "ClusterUnavailable",
    "ThrowawayCluster",
    "find_bindir",
    "in_ci",
    "start_cluster",
    "unavailable_reason",
]

BINDIR_ENV = "TOUCHPOINT_PG_BINDIR"
TMPDIR_ENV = "TOUCHPOINT_PG_TMPDIR"
DEFAULT_DATABASE = "touchpoint_test"
SUPERUSER = "postgres"
OS_USER_WHEN_ROOT = "postgres"
_REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_PORT_ATTEMPTS = 5
_START_TIMEOUT_S = 60
_SHM_DIR = "/dev/shm"
_SHM_MIN_FREE = 2 * 1024**3  # small Docker /dev/shm (64 MB) is not used
# sun_path is 108 bytes on Linux, including the trailing NUL.
_MAX_SOCKET_PATH = 107


class ClusterUnavailable(RuntimeError):
    """PostgreSQL cannot be run on this machine (binaries or OS user missing)."""


class ClusterError(RuntimeError):
    """PostgreSQL is installed but the throwaway cluster failed to start/work."""


def in_ci() -> bool:
    """True when env ``CI`` says we are in CI (where skipping is a failure)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


# --------------------------------------------------------------------------
# Finding PostgreSQL


def _has_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in _REQUIRED_BINARIES)


def _pg_config_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        out = subprocess.run(
            [pg_config, "--bindir"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out else None


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))


def _debian_bindirs() -> list[Path]:
    if not _DEBIAN_ROOT.is_dir():
        return []
    return sorted(_DEBIAN_ROOT.glob("*/bin"), key=_version_key, reverse=True)


def find_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None."""
    override = os.environ.get(BINDIR_ENV)
    if override:
        path = Path(override)
        return path if _has_binaries(path) else None
    candidates: list[Path] = []
    from_pg_config = _pg_config_bindir()
    if from_pg_config is not None:
        candidates.append(from_pg_config)
    candidates.extend(_debian_bindirs())
    on_path = shutil.which("initdb")
    if on_path is not None:
        candidates.append(Path(on_path).resolve().parent)
    for candidate in candidates:
        if _has_binaries(candidate):
            return candidate
    return None


def _os_user_when_root() -> pwd.struct_passwd | None:
    """None when not root; the ``postgres`` passwd entry when root."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam(OS_USER_WHEN_ROOT)


def unavailable_reason() -> str | None:
    """Why no cluster can be started here, or None if one can."""
    override = os.environ.get(BINDIR_ENV)
    if find_bindir() is None:
        if override:
            return (
                f"PostgreSQL binaries not found: ${BINDIR_ENV}={override!r} "
                f"lacks an executable {', '.join(_REQUIRED_BINARIES)}"
            )
        return (
            "PostgreSQL binaries not found: no initdb/pg_ctl/postgres in "
            "`pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH "
            f"(install postgresql-15, or set ${BINDIR_ENV})"
        )
    if os.geteuid() == 0:
        try:
            _os_user_when_root()
        except KeyError:
            return (
                "running as root, and PostgreSQL refuses to run as root, but "
                f"there is no {OS_USER_WHEN_ROOT!r} OS user to run it as "
                "(installing the postgresql package creates one)"
            )
    return None


def start_cluster(dbname: str = DEFAULT_DATABASE) -> ThrowawayCluster | str:
    """A started cluster, or the reason string when PostgreSQL is unavailable.

    Raises :class:`ClusterError` when PostgreSQL is there but fails to start:
    that is a real error, not a reason to skip.
    """
    reason = unavailable_reason()
    if reason is not None:
        return reason
    cluster = ThrowawayCluster(dbname=dbname)
    try:
        cluster.start()
    except ClusterUnavailable as exc:
        return str(exc)
    return cluster


# --------------------------------------------------------------------------
# Helpers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _traversable_by(path: Path, user: pwd.struct_passwd) -> bool:
    """Can ``user`` search every directory from / down to ``path``?"""
    groups = {user.pw_gid, *os.getgrouplist(user.pw_name, user.pw_gid)}
    for directory in [path, *path.parents]:
        try:
            st = directory.stat()
        except OSError:
            return False
        mode = st.st_mode
        if st.st_uid == user.pw_uid:
            ok = bool(mode & stat.S_IXUSR)
        elif st.st_gid in groups:
            ok = bool(mode & stat.S_IXGRP)
        else:
            ok = bool(mode & stat.S_IXOTH)
        if not ok:
            return False
    return True


def _base_dir_candidates() -> list[str | None]:
    """Where to make the temp dir, best first (None: tempfile's default).

    ``$TOUCHPOINT_PG_TMPDIR`` when set; else a RAM-backed /dev/shm when it has
    room (initdb there takes ~0.7 s instead of ~2 s on this VM's disk, and
    the whole suite's database I/O gets cheaper), then TMPDIR, then /tmp.
    """
    override = os.environ.get(TMPDIR_ENV)
    if override:
        return [override]
    candidates: list[str | None] = []
    try:
        shm = os.statvfs(_SHM_DIR)
        if shm.f_bavail * shm.f_frsize >= _SHM_MIN_FREE:
            candidates.append(_SHM_DIR)
    except OSError:
        pass
    return [*candidates, None, "/tmp"]


def _child_env() -> dict[str, str]:
    """The environment for initdb/pg_ctl/psql: no stray PG* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"  # English messages, which we grep for port clashes
    env["PGCLIENTENCODING"] = "UTF8"
    env["PGCONNECT_TIMEOUT"] = "10"
    return env


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:])


# The watchdog is a separate Python process holding the read end of a pipe.
# When this process ends without calling stop() (SIGKILL, a CI timeout, a
# hard crash), the pipe reaches EOF and the watchdog stops the cluster and
# removes its directory. stop() writes "done" first, so it then just exits.
_WATCHDOG = r"""
import json, os, shutil, subprocess, sys
spec = json.loads(sys.stdin.buffer.readline())
try:
    data = sys.stdin.buffer.read()
except BaseException:
    data = b""
if b"done" in data:
    sys.exit(0)
kwargs = {}
if spec["user"] is not None:
    kwargs = dict(user=spec["user"], group=spec["group"], extra_groups=[])
try:
    subprocess.run(spec["stop"], env=spec["env"], cwd="/", timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
except Exception:
    pass
shutil.rmtree(spec["base"], ignore_errors=True)
"""


# --------------------------------------------------------------------------
# The cluster


class ThrowawayCluster:
    """One PostgreSQL server in a temporary directory, for one test session.

    Attributes (valid after :meth:`start`):

    * ``url`` -- SQLAlchemy URL of the default database,
      ``postgresql+asyncpg://postgres@127.0.0.1:PORT/touchpoint_test``
    * ``dsn`` -- the same as a libpq/asyncpg DSN (``postgresql://...``)
    * ``host`` (127.0.0.1), ``port``, ``user`` (postgres), ``dbname``
    * ``bindir``, ``base_dir`` (the temp dir), ``data_dir``, ``socket_dir``,
      ``log_file``
    * ``timings`` -- seconds spent in initdb / start / createdb / total
    * ``stop_seconds`` -- how long :meth:`stop` took (None before)
    """

    host = "127.0.0.1"
    user = SUPERUSER

    def __init__(
        self,
        dbname: str = DEFAULT_DATABASE,
        *,
        bindir: str | os.PathLike[str] | None = None,
        settings: Mapping[str, str] | None = None,
        watchdog: bool = True,
    ) -> None:
        self.dbname = dbname
        self._bindir_arg = Path(bindir) if bindir is not None else None
        self.settings: dict[str, str] = {
            "fsync": "off",  # throwaway test data only
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "128MB",
        }
        if settings:
            self.settings.update(settings)
        self._use_watchdog = watchdog
        self._lock = threading.RLock()
        self._started = False
        self._stopped = False
        self._owner_pid = os.getpid()
        self._os_user: pwd.struct_passwd | None = None
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._bindir: Path | None = None
        self._base_dir: Path | None = None
        self.timings: dict[str, float] = {}
        self.stop_seconds: float | None = None

    # -- attributes ---------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise ClusterError("the cluster is not started")
        return self._port

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            raise ClusterError("the cluster is not started")
        return self._bindir

    @property
    def base_dir(self) -> Path:
        if self._base_dir is None:
            raise ClusterError("the cluster is not started")
        return self._base_dir

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "sock"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "postgres.log"

    @property
    def running(self) -> bool:
        return self._started and not self._stopped

    def url_for(self, dbname: str) -> str:
        """SQLAlchemy (asyncpg) URL of database ``dbname`` in this cluster."""
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{dbname}"

    def dsn_for(self, dbname: str) -> str:
        """libpq/asyncpg DSN of database ``dbname`` in this cluster."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    @property
    def url(self) -> str:
        return self.url_for(self.dbname)

    @property
    def dsn(self) -> str:
        return self.dsn_for(self.dbname)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped" if self._stopped else "new"
        where = f" port={self._port} dir={self._base_dir}" if self._started else ""
        return f"<ThrowawayCluster {state}{where}>"

    # -- running commands ---------------------------------------------------

    def _run_as_pg(
        self, argv: Sequence[str], *, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run a server command, as the postgres OS user when we are root."""
        kwargs: dict[str, Any] = {}
        env = _child_env()
        if self._os_user is not None:
            kwargs = {
                "user": self._os_user.pw_uid,
                "group": self._os_user.pw_gid,
                "extra_groups": [],
            }
            env["HOME"] = self._os_user.pw_dir
            env["USER"] = env["LOGNAME"] = self._os_user.pw_name
        return subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            env=env,
            cwd=self.base_dir,
            timeout=timeout,
            check=False,
            **kwargs,
        )

    def _stop_argv(self) -> list[str]:
        return [
            str(self.bindir / "pg_ctl"),
            "stop",
            "-D",
            str(self.data_dir),
            "-m",
            "immediate",
            "-w",
            "-t",
            "30",
        ]

    # -- lifecycle ----------------------------------------------------------

    def __enter__(self) -> ThrowawayCluster:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> ThrowawayCluster:
        """initdb, start the server, create ``dbname``. Returns self."""
        with self._lock:
            if self._started:
                raise ClusterError("a ThrowawayCluster can be started only once")
            self._started = True
            t0 = time.perf_counter()
            try:
                self._bindir = self._resolve_bindir()
                if os.geteuid() == 0:
                    try:
                        self._os_user = _os_user_when_root()
                    except KeyError:
                        raise ClusterUnavailable(unavailable_reason() or "") from None
                self._base_dir = self._make_base_dir()
                atexit.register(self._atexit_stop)
                self._start_watchdog()
                self._initdb()
                t1 = time.perf_counter()
                self._start_server()
                t2 = time.perf_counter()
                self._run_sql(f"CREATE DATABASE {_quote_ident(self.dbname)}")
                t3 = time.perf_counter()
            except BaseException:
                self.stop()
                raise
            self.timings = {
                "initdb": t1 - t0,
                "start": t2 - t1,
                "createdb": t3 - t2,
                "total": t3 - t0,
            }
            return self

    def stop(self) -> None:
        """Stop the server at once and remove the temp dir. Idempotent."""
        with self._lock:
            if self._stopped or not self._started:
                self._stopped = True
                return
            self._stopped = True
            t0 = time.perf_counter()
            with contextlib.suppress(Exception):
                atexit.unregister(self._atexit_stop)
            if self._base_dir is not None:
                self._stop_server()
                shutil.rmtree(self._base_dir, ignore_errors=True)
            self._release_watchdog()
            self.stop_seconds = time.perf_counter() - t0

    def crash(self) -> None:
        """``pg_ctl stop -m immediate``, keeping the data: what an outage looks like to clients.

        Every backend is killed mid-query and new connections are refused until
        :meth:`start_again`; the next start runs crash recovery.
        """
        with self._lock:
            if not self.running:
                raise ClusterError("the cluster is not running")
            result = self._run_as_pg(self._stop_argv(), timeout=60)
            if result.returncode != 0:
                raise ClusterError(f"pg_ctl stop failed:\n{result.stdout}{result.stderr}")

    def start_again(self) -> None:
        """Start the server after :meth:`crash`, on the same port and data directory."""
        with self._lock:
            if not self.running:
                raise ClusterError("the cluster is not running")
            result = self._pg_ctl_start(self.port)
            if result.returncode != 0:
                raise ClusterError(
                    f"pg_ctl start failed (exit {result.returncode}):\n"
                    f"{result.stdout}{result.stderr}\n--- server log ---\n"
                    f"{_log_tail(self.log_file)}"
                )

    def _atexit_stop(self) -> None:
        if os.getpid() == self._owner_pid:  # not in a forked child
            self.stop()

    def _resolve_bindir(self) -> Path:
        if self._bindir_arg is not None:
            if not _has_binaries(self._bindir_arg):
                raise ClusterUnavailable(
                    f"{self._bindir_arg} lacks {', '.join(_REQUIRED_BINARIES)}"
                )
            return self._bindir_arg
        bindir = find_bindir()
        if bindir is None:
            raise ClusterUnavailable(unavailable_reason() or "no PostgreSQL")
        return bindir

    def _make_base_dir(self) -> Path:
        """mkdtemp where PostgreSQL is fast and the postgres user can reach it."""
        tried: list[str] = []
        for base in _base_dir_candidates():
            tried.append(base or tempfile.gettempdir())
            try:
                path = Path(tempfile.mkdtemp(prefix="touchpoint-pg-", dir=base))
            except OSError:
                continue
            sock_path = path / "sock" / ".s.PGSQL.65535"
            if len(os.fsencode(sock_path)) > _MAX_SOCKET_PATH or (
                self._os_user is not None and not _traversable_by(path.parent, self._os_user)
            ):
                shutil.rmtree(path, ignore_errors=True)
                continue
            (path / "sock").mkdir(mode=0o700)
            if self._os_user is not None:
                uid, gid = self._os_user.pw_uid, self._os_user.pw_gid
                for item in (path, path / "sock"):
                    os.chown(item, uid, gid)
            return path
        raise ClusterError(
            f"no temp directory usable for PostgreSQL (tried {', '.join(tried)}): "
            "not writable, its socket path would be too long, or the postgres "
            "OS user cannot traverse its parents"
        )

    def _initdb(self) -> None:
        result = self._run_as_pg(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",  # throwaway data: skip the final fsync of ~40 MB
                "--no-instructions",
            ]
        )
        if result.returncode != 0:
            raise ClusterError(
                f"initdb failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def _server_options(self, port: int) -> str:
        options = [
            "-p",
            str(port),
            "-k",
            str(self.socket_dir),
            "-c",
            f"listen_addresses={self.host}",
        ]
        for key, value in self.settings.items():
            options += ["-c", f"{key}={value}"]
        # pg_ctl hands -o to /bin/sh, so quote every word.
        return " ".join(shlex.quote(word) for word in options)

    def _pg_ctl_start(self, port: int) -> subprocess.CompletedProcess[str]:
        return self._run_as_pg(
            [
                str(self.bindir / "pg_ctl"),
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                self._server_options(port),
                "-w",
                "-t",
                str(_START_TIMEOUT_S),
            ],
            timeout=_START_TIMEOUT_S + 30,
        )

    def _start_server(self) -> None:
        last_error = ""
        for _attempt in range(_PORT_ATTEMPTS):
            port = _free_port()
            result = self._pg_ctl_start(port)
            if result.returncode == 0:
                self._port = port
                return
            log = _log_tail(self.log_file)
            last_error = (
                f"pg_ctl start failed (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n--- server log ---\n{log}"
            )
            # Another process took the port between our probe and the bind:
            # stop whatever is left of this attempt and try another port.
            if "could not bind" in log or "already in use" in log:
                self._run_as_pg(self._stop_argv(), timeout=60)
                self.log_file.unlink(missing_ok=True)
                continue
            break
        raise ClusterError(last_error)

    def _stop_server(self) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        with contextlib.suppress(Exception):
            result = self._run_as_pg(self._stop_argv(), timeout=60)
            if result.returncode == 0:
                return
        # pg_ctl failed: signal the postmaster ourselves (SIGQUIT is what
        # "immediate" sends), then SIGKILL if it lingers.
        with contextlib.suppress(Exception):
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                os.kill(pid, 0)
                time.sleep(0.05)
            os.kill(pid, signal.SIGKILL)

    def _start_watchdog(self) -> None:
        if not self._use_watchdog:
            return
        spec = {
            "stop": self._stop_argv(),
            "env": {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C"},
            "base": str(self.base_dir),
            "user": self._os_user.pw_uid if self._os_user else None,
            "group": self._os_user.pw_gid if self._os_user else None,
        }
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # survive the Ctrl-C that pytest handles
        )
        if self._watchdog.stdin is not None:
            self._watchdog.stdin.write(json.dumps(spec).encode() + b"\n")
            self._watchdog.stdin.flush()

    def _release_watchdog(self) -> None:
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is None:
            return
        stdin: IO[bytes] | None = watchdog.stdin
        with contextlib.suppress(OSError):
            if stdin is not None:
                stdin.write(b"done")
                stdin.close()
        try:
            watchdog.wait(timeout=10)
        except subprocess.TimeoutExpired:
            watchdog.kill()
            watchdog.wait()

    # -- databases ----------------------------------------------------------

    def _run_sql(self, sql: str, dbname: str = "postgres") -> None:
        psql = self.bindir / "psql"
        psql_path = str(psql) if os.access(psql, os.X_OK) else shutil.which("psql")
        if psql_path is None:
            self._run_sql_asyncpg(sql, dbname)
            return
        result = subprocess.run(
            [
                psql_path,
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                dbname,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            env=_child_env(),
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise ClusterError(f"psql {sql!r} failed:\n{result.stdout}{result.stderr}")

    def _run_sql_asyncpg(self, sql: str, dbname: str) -> None:
        """Fallback without psql; in a thread, so it works inside a running loop."""
        import asyncio

        import asyncpg  # type: ignore[import-untyped]

        async def run() -> None:
            conn = await asyncpg.connect(self.dsn_for(dbname))
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        errors: list[BaseException] = []

        def target() -> None:
            try:
                asyncio.run(run())
            except BaseException as exc:  # re-raised below
                errors.append(exc)

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if errors:
            raise ClusterError(f"{sql!r} failed: {errors[0]!r}") from errors[0]

    def create_database(self, name: str) -> str:
        """Create a fresh, empty database; return its SQLAlchemy URL."""
        if not self.running:
            raise ClusterError("the cluster is not running")
        self._run_sql(f"CREATE DATABASE {_quote_ident(name)}")
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing its connections first."""
        if not self.running:
            raise ClusterError("the cluster is not running")
        self._run_sql(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")
