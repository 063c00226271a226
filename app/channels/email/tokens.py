"""Email-link tokens: everything needed to record one answer, signed, with an expiry.

A token is ``<payload>.<signature>`` in URL-safe base64 (itsdangerous). The payload is
signed, not encrypted: anyone holding a link can read it, so it never holds the
respondent's id, only its keyed hash (the same one the responses table keeps). The
signature is an HMAC-SHA256 under a key derived for this purpose alone from the server
secret, so a link token is never mistaken for a follow-up token or anything else signed
with the same secret. Rotation: tokens are signed with the current secret and verified
with it and every old secret still configured.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadData

from app.instance import signing

_SALT = "touchpoint.email-link"
# With NUL, like every purpose label: see app/instance/signing.py.
_PURPOSE = b"touchpoint email links\x00v1"
_VERSION = 1
# Longer than any token this service issues (see service.MAX_TOKEN_LENGTH): not worth a MAC.
MAX_READ_LENGTH = 4096


@dataclass(frozen=True)
class LinkClaims:
    """What a link says: who answers what, where, until when; and which key issued it."""

    nonce: str  # unique per token: the answer's idempotency key is made from it
    metric: str
    survey: str
    expires_at: datetime
    respondent_hash: str | None = None  # hex, as the responses table keeps it
    touchpoint: str | None = None
    location: str | None = None
    locale: str | None = None
    properties: dict[str, str] = field(default_factory=dict)
    key_id: str | None = None

    @property
    def token_id(self) -> str:
        """Safe to log and to show: names the token, grants nothing."""
        return self.nonce


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class TokenInvalid(Exception):
    """Not a token this service signed (tampered, truncated, or signed with a removed secret).

    Deliberately without detail: which part failed is nobody's business.
    """


class TokenExpired(Exception):
    """A genuine token past its expiry; its claims say in which language to tell the customer."""

    def __init__(self, claims: LinkClaims) -> None:
        super().__init__("the link has expired")
        self.claims = claims


class LinkSigner:
    """Signs with the newest secret; verifies with all of them (``secrets`` oldest first)."""

    def __init__(self, server_secrets: Sequence[str]) -> None:
        self._serializer = signing.serializer(server_secrets, _PURPOSE, _SALT)

    def issue(self, claims: LinkClaims) -> str:
        token: str = self._serializer.dumps(_to_payload(claims))
        return token

    def read(self, token: str, now: datetime) -> LinkClaims:
        """The claims of a genuine, unexpired token; TokenInvalid or TokenExpired otherwise."""
        if len(token) > MAX_READ_LENGTH:
            raise TokenInvalid
        try:
            payload = self._serializer.loads(token)
            claims = _from_payload(payload)
        except (BadData, KeyError, TypeError, ValueError):
            raise TokenInvalid from None
        if claims.expires_at <= now:
            raise TokenExpired(claims)
        return claims


def _to_payload(claims: LinkClaims) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "v": _VERSION,
        "n": claims.nonce,
        "m": claims.metric,
        "s": claims.survey,
        "e": int(claims.expires_at.timestamp()),
    }
    optional = {
        "r": _compact_hash(claims.respondent_hash) if claims.respondent_hash else None,
        "t": claims.touchpoint,
        "l": claims.location,
        "lc": claims.locale,
        "p": claims.properties or None,
        "k": claims.key_id,
    }
    payload.update({name: value for name, value in optional.items() if value is not None})
    return payload


def _from_payload(payload: Any) -> LinkClaims:
    if not isinstance(payload, dict) or payload["v"] != _VERSION:
        raise ValueError("not a link payload")
    properties = payload.get("p") or {}
    if not isinstance(properties, dict):
        raise ValueError("properties")
    return LinkClaims(
        nonce=_text(payload["n"]),
        metric=_text(payload["m"]),
        survey=_text(payload["s"]),
        expires_at=datetime.fromtimestamp(_whole(payload["e"]), UTC),
        respondent_hash=_expand_hash(_text(payload["r"])) if "r" in payload else None,
        touchpoint=_optional_text(payload.get("t")),
        location=_optional_text(payload.get("l")),
        locale=_optional_text(payload.get("lc")),
        properties={_text(name): _text(value) for name, value in properties.items()},
        key_id=_optional_text(payload.get("k")),
    )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _whole(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected an integer")
    return value


def _compact_hash(hex_digest: str) -> str:
    """43 characters instead of 64: links stay short enough for every mail client."""
    return base64.urlsafe_b64encode(bytes.fromhex(hex_digest)).rstrip(b"=").decode()


def _expand_hash(compact: str) -> str:
    return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4)).hex()
