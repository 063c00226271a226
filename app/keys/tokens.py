"""The shape of API keys: ``tp_<kind>_<16 hex id><40 base62 secret>``."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from enum import StrEnum


class KeyKind(StrEnum):
    SECRET = "secret"
    PUBLISHABLE = "publishable"
    KIOSK = "kiosk"


PREFIXES = {KeyKind.SECRET: "tp_sk_", KeyKind.PUBLISHABLE: "tp_pk_", KeyKind.KIOSK: "tp_kk_"}
_ID_LENGTH = 16
_SECRET_LENGTH = 40  # 40 base62 characters: 238 bits
_ALPHABET = string.ascii_letters + string.digits
_KEY_LENGTH = 6 + _ID_LENGTH + _SECRET_LENGTH


@dataclass(frozen=True)
class ParsedKey:
    kind: KeyKind
    key_id: str


def new_key(kind: KeyKind) -> tuple[str, str]:
    """A fresh (key id, full key)."""
    key_id = secrets.token_hex(_ID_LENGTH // 2)
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_LENGTH))
    return key_id, f"{PREFIXES[kind]}{key_id}{secret}"


def hash_key(key: str) -> str:
    # Keys carry 238 random bits, so a plain SHA-256 is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def parse_key(key: str) -> ParsedKey | None:
    if len(key) != _KEY_LENGTH:
        return None
    for kind, prefix in PREFIXES.items():
        if key.startswith(prefix):
            key_id = key[6 : 6 + _ID_LENGTH]
            if all(c in string.hexdigits for c in key_id):
                return ParsedKey(kind, key_id.lower())
    return None


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), stored_hash)
