"""widget.js as served: the hand-written file with its texts filled in, and its versions.

The script is built once per process (on first request, not at import) and kept as
plain and gzip bytes, each with a strong ETag: a hash of exactly the bytes sent, so a
new release (or new texts) is a new ETag and a cached copy is revalidated with a 304.
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass
from pathlib import Path

import orjson

from app.channels.widget.texts import UI_TEXTS
from app.http_caching import accepts_gzip, strong_etag
from app.scoring.metrics import Metric
from app.surveys.wording import SUPPORTED_LOCALES, default_wording

SOURCE = Path(__file__).parent / "static" / "widget.js"
PLACEHOLDER = "__TOUCHPOINT_TEXTS__"
# Browsers keep it 5 minutes, then revalidate (a 304 with no body) while still using the
# cached copy for up to a day: a fix reaches every shop within minutes, and no page ever
# waits for the script. See docs/widget.md.
CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"


@dataclass(frozen=True)
class Representation:
    body: bytes
    etag: str
    gzipped: bool


@dataclass(frozen=True)
class WidgetScript:
    plain: Representation
    gzip: Representation

    def for_request(self, accept_encoding: str) -> Representation:
        return self.gzip if accepts_gzip(accept_encoding) else self.plain


def texts() -> dict[str, object]:
    """What widget.js needs to speak every language without asking: UI words and the
    built-in survey wording (used only when the survey's own cannot be fetched)."""
    fallback = {
        metric.value: {
            locale: [
                wording.question,
                wording.low_label,
                wording.high_label,
                wording.followup,
                wording.thanks,
            ]
            for locale in SUPPORTED_LOCALES
            for wording in [default_wording(metric.value, locale)]
        }
        for metric in Metric
    }
    return {"ui": UI_TEXTS, "w": fallback}


@functools.cache
def script() -> WidgetScript:
    source = SOURCE.read_text(encoding="utf-8")
    if source.count(PLACEHOLDER) != 1:
        raise RuntimeError(f"{SOURCE} must hold {PLACEHOLDER} exactly once")
    body = source.replace(PLACEHOLDER, orjson.dumps(texts()).decode()).encode()
    # mtime=0: the same script always compresses to the same bytes (and the same ETag).
    compressed = gzip.compress(body, compresslevel=9, mtime=0)
    return WidgetScript(
        plain=Representation(body, strong_etag(body), gzipped=False),
        gzip=Representation(compressed, strong_etag(compressed), gzipped=True),
    )
