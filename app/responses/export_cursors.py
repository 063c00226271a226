"""Export cursors: where a walk stopped, in the server's word, for one query only.

A cursor is ``<payload>.<signature>`` (itsdangerous, URL-safe base64): the payload holds
the position (``responded_at`` in microseconds since 1970, the id) and a fingerprint of the
query's filters; the signature is an HMAC under a key derived for cursors alone from the
server secret (app/instance/signing.py: rotation included). A client can read a cursor
but not make one, so whatever it holds was given out by this service for these filters;
its time is still range-checked, so that a bug or a leaked secret cannot reach the
database with a time it cannot hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from itsdangerous import BadData
from itsdangerous.encoding import base64_decode, base64_encode

from app.config import Settings
from app.db import Database
from app.fields import EARLIEST_YEAR, LATEST_YEAR
from app.instance import signing
from app.problems import FieldError
from app.responses.errors import InvalidCursor
from app.responses.repository import ListPosition

GENERATED_SECRET = "export-cursor-key"
PURPOSE = b"touchpoint export cursors\x00v1"  # with NUL: see app/instance/signing.py
SALT = "touchpoint.export-cursor"
_VERSION = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST = datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC)
_LATEST = datetime(LATEST_YEAR, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_RANGE = range((_EARLIEST - _EPOCH) // _MICROSECOND, (_LATEST - _EPOCH) // _MICROSECOND + 1)
NOT_OURS = "not a cursor this service gave out"


class CursorSigner:
    """Issues cursors under the newest secret; reads those of every configured secret."""

    def __init__(self, server_secrets: Sequence[str]) -> None:
        self._serializer = signing.serializer(server_secrets, PURPOSE, SALT)

    def issue(self, position: ListPosition, fingerprint: str) -> str:
        at, response_id = position
        micros = (at - _EPOCH) // _MICROSECOND
        cursor: str = self._serializer.dumps([_VERSION, micros, response_id.hex, fingerprint])
        return cursor

    def read(self, cursor: str, fingerprint: str) -> ListPosition:
        """The position a genuine cursor for this query holds; InvalidCursor otherwise."""
        if not _canonical(cursor):
            raise _bad_cursor(NOT_OURS)
        try:
            version, micros, response_id, cursor_fingerprint = self._serializer.loads(cursor)
        except (BadData, TypeError, ValueError):
            raise _bad_cursor(NOT_OURS) from None
        if cursor_fingerprint != fingerprint:
            raise _bad_cursor("the cursor belongs to a query with other filters")
        valid = version == _VERSION and type(micros) is int and micros in _RANGE
        if not valid or not isinstance(response_id, str) or len(response_id) != 32:
            raise _bad_cursor(NOT_OURS)
        try:
            return _EPOCH + micros * _MICROSECOND, uuid.UUID(hex=response_id)
        except ValueError:
            raise _bad_cursor(NOT_OURS) from None


async def load(db: Database, settings: Settings) -> CursorSigner:
    return CursorSigner(await signing.load_secrets(db, settings, GENERATED_SECRET))


def _canonical(cursor: str) -> bool:
    """Each part is base64 as this service writes it. Base64 lets the last character of a
    part carry bits that decoding ignores; a cursor changed there must not pass either."""
    try:
        parts = cursor.encode("ascii").split(b".")
        return all(base64_encode(base64_decode(part)) == part for part in parts if part)
    except (UnicodeEncodeError, BadData):
        return False


def _bad_cursor(message: str) -> InvalidCursor:
    return InvalidCursor("Start again without `cursor`.", errors=[FieldError("cursor", message)])
