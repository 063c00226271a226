"""Debian's Chromium driven by Playwright, and a static site on another origin.

The browser is the machine's own `/usr/bin/chromium` (`.ci/run` installs Debian's
package when it is missing), launched by path: Playwright never downloads one. Without
it the browser tests are skipped with the reason, except under CI=true, where that is
a failure, like a missing PostgreSQL.
"""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import pg_cluster

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
)


def chromium_path() -> str:
    """The installed Chromium, or a skip (a failure under CI) saying why there is none."""
    candidates = [os.environ.get("TOUCHPOINT_CHROMIUM"), "/usr/bin/chromium"]
    candidates.append(shutil.which("chromium"))
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = "browser tests cannot run: no /usr/bin/chromium (apt-get install chromium)"
    if pg_cluster.in_ci():
        pytest.fail(message + " (CI=true: this is a failure, not a skip)")
    pytest.skip(message)


@dataclass(frozen=True)
class StaticSite:
    """Pages served from their own origin, e.g. a shop that embeds the widget."""

    origin: str

    def url(self, path: str) -> str:
        return self.origin + path


@contextmanager
def static_site(pages: Mapping[str, str], host: str = "127.0.0.1") -> Iterator[StaticSite]:
    """Serves `pages` (path → HTML) on a free port of `host` until the block ends."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?", 1)[0])
            if body is None:
                self.send_error(404)
                return
            encoded = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer((host, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StaticSite(f"http://{host}:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """Where a test's screenshot goes: docs/img/ (shown by the README) when
    TOUCHPOINT_UPDATE_SCREENSHOTS=1, else the test's temporary folder, so an ordinary
    run still renders it but leaves the repository untouched."""
    if os.environ.get("TOUCHPOINT_UPDATE_SCREENSHOTS") == "1":
        folder = Path(__file__).resolve().parents[2] / "docs" / "img"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name
    return tmp_path / name
