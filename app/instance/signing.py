"""Keys for what the service signs, each derived for one purpose from the server secret.

The server secret is ``TOUCHPOINT_SECRET_KEY``, else one the installation generated and
keeps in the database. Each purpose (email links, export cursors, …) signs with its own
key, HMAC-SHA256(secret, purpose label), so a token made for one purpose is never taken
for another. Purpose labels contain NUL, which respondent ids never do (they are
refused), so no respondent hash, HMAC(secret, id), can equal a key derived here.

Rotation: sign with the current secret; verify with it and every secret in
``TOUCHPOINT_OLD_SECRET_KEYS``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from itsdangerous import URLSafeSerializer

from app.config import Settings
from app.db import Database
from app.instance.service import stored_secret


def purpose_key(server_secret: str, purpose: bytes) -> bytes:
    return hmac.new(server_secret.encode(), purpose, hashlib.sha256).digest()


def server_secrets(settings: Settings, generated: str) -> list[str]:
    """Oldest first, the signing one last: the configured secret, else the generated one.

    Once a secret is configured, the generated one (which a database dump holds) no
    longer verifies anything, so nobody can forge a signature from a dump.
    """
    old = [secret.get_secret_value() for secret in settings.old_secret_keys]
    current = settings.secret_key.get_secret_value() if settings.secret_key else generated
    return [*old, current]


async def load_secrets(db: Database, settings: Settings, generated_name: str) -> list[str]:
    """:func:`server_secrets`, with the generated secret called ``generated_name``."""
    return server_secrets(settings, await stored_secret(db, generated_name))


def serializer(server_secrets: Sequence[str], purpose: bytes, salt: str) -> URLSafeSerializer:
    """Signs with the newest secret's key, verifies with every one (``server_secrets``
    oldest first)."""
    if not server_secrets:
        raise ValueError("at least one secret is needed")
    return URLSafeSerializer(
        [purpose_key(secret, purpose) for secret in server_secrets],
        salt=salt,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
