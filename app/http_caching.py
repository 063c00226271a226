"""Conditional requests and content coding, shared by every route that serves cached bytes.

Scores, survey wording, widget.js and the kiosk's files all answer with an ETag and a
304 when the client already holds the current copy; scripts and assets are also sent
gzipped to clients that accept it.
"""

from __future__ import annotations

import hashlib


def strong_etag(body: bytes) -> str:
    """A strong validator of exactly these bytes (RFC 9110 §8.8.3), quoted."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: any listed tag equal under the weak comparison, or ``*``."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether ``Accept-Encoding`` admits gzip (by name or ``*``) with a quality above 0."""
    for part in (accept_encoding or "").split(","):
        coding, *params = (piece.strip() for piece in part.split(";"))
        if coding.lower() not in ("gzip", "*"):
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                return _positive(value.strip())
        return True
    return False


def _positive(quality: str) -> bool:
    try:
        return float(quality) > 0
    except ValueError:
        return False
