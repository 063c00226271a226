"""The kiosk's static files (script, styles, service worker, manifest, icon), read once.

They ship inside the package (pyproject's package-data), so they are read next to this
module, never from the repository. One version, a hash of them all, names them in the
page's URLs (``?v=…``) and in the service worker's cache, so a deploy that changes any
file makes tablets fetch all of them again and drop the old cache.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

STATIC = Path(__file__).parent / "static"
PREFIX = "/kiosk/"
SERVICE_WORKER = "sw.js"
MEDIA_TYPES = {
    "kiosk.js": "text/javascript; charset=utf-8",
    "kiosk.css": "text/css; charset=utf-8",
    "manifest.webmanifest": "application/manifest+json",
    "icon.svg": "image/svg+xml",
    SERVICE_WORKER: "text/javascript; charset=utf-8",
}
# What the service worker stores when it installs; the pages themselves are stored as
# they are opened (each address is its own configuration).
PRECACHED = ("kiosk.js", "kiosk.css", "manifest.webmanifest", "icon.svg")


@dataclass(frozen=True)
class Asset:
    name: str
    media_type: str
    body: bytes
    gzipped: bytes
    etag: str  # of the plain body; the gzipped one is served as "<etag>-gz"

    def etag_for(self, gzipped: bool) -> str:
        return f'"{self.etag}-gz"' if gzipped else f'"{self.etag}"'


@dataclass(frozen=True)
class Bundle:
    version: str
    assets: dict[str, Asset]

    def url(self, name: str) -> str:
        return f"{PREFIX}{name}?v={self.version}"


def _asset(name: str, body: bytes) -> Asset:
    return Asset(
        name=name,
        media_type=MEDIA_TYPES[name],
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        etag=hashlib.sha256(body).hexdigest()[:20],
    )


@cache
def bundle() -> Bundle:
    """Every asset, read on first use (importing the app reads no file)."""
    raw = {name: (STATIC / name).read_bytes() for name in MEDIA_TYPES}
    digest = hashlib.sha256()
    for name in sorted(raw):
        digest.update(name.encode() + b"\0" + raw[name] + b"\0")
    version = digest.hexdigest()[:12]
    urls = [f"{PREFIX}{name}?v={version}" for name in PRECACHED]
    worker = (
        raw[SERVICE_WORKER]
        .replace(b"__VERSION__", version.encode())
        .replace(b"__PRECACHED__", json.dumps(urls).encode())
    )
    assets = {name: _asset(name, body) for name, body in raw.items() if name != SERVICE_WORKER}
    assets[SERVICE_WORKER] = _asset(SERVICE_WORKER, worker)
    return Bundle(version, assets)
