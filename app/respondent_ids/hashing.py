"""Respondent ids are kept only as a keyed hash: enough to erase, useless to read."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class RespondentHasher:
    current_key: bytes
    old_keys: tuple[bytes, ...] = ()

    def hash(self, respondent: str) -> str:
        return _digest(self.current_key, respondent)

    def every_hash(self, respondent: str) -> list[str]:
        """Under the current and every old key, to find responses stored before a rotation."""
        return [_digest(key, respondent) for key in (self.current_key, *self.old_keys)]


def _digest(key: bytes, respondent: str) -> str:
    return hmac.new(key, respondent.encode(), hashlib.sha256).hexdigest()
