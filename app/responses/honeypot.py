"""Answers caught by the honeypot: answered like any other, stored nowhere.

The widget carries a field no person sees or reaches (CHANNELS.md §1); a bot that fills
in every input fills it too. Its answer gets the normal 201 — a fresh id and follow-up
token — so the bot learns nothing, and it never reaches the database or a score. This
process remembers the decoy for as long as its follow-up token lives, so the comment
PATCH and a retry under the same idempotency key answer as they would for a real answer
— within the same idempotency namespace only, exactly as for a real answer.
A PATCH that reaches another worker (or follows a restart) answers 404, as for an answer
erased in the meantime.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime

from app.responses.followup import FOLLOWUP_SECONDS
from app.responses.records import IdempotencyScope, NewResponse, Outcome, StoredResponse

MAX_REMEMBERED = 10_000


def filled_in(honeypot: str | None) -> bool:
    return bool(honeypot and honeypot.strip())


@dataclass
class _Decoy:
    response: StoredResponse
    fingerprint: str | None
    at: float
    idempotency: IdempotencyScope | None


@dataclass
class Decoys:
    """The recent decoys of this process, bounded in number and age."""

    max_age_seconds: float = FOLLOWUP_SECONDS
    max_entries: int = MAX_REMEMBERED
    _by_id: OrderedDict[uuid.UUID, _Decoy] = field(default_factory=OrderedDict)
    _by_key: dict[IdempotencyScope, uuid.UUID] = field(default_factory=dict)

    def answer(self, item: NewResponse) -> Outcome:
        """What the client is told: a new decoy, or the replay of one under the same key."""
        self._expire()
        key = item.idempotency
        known_id = self._by_key.get(key) if key is not None else None
        known = self._by_id.get(known_id) if known_id is not None else None
        if known is not None:
            same = known.fingerprint == item.fingerprint
            return Outcome("duplicate" if same else "conflict", known.response)
        self._by_id[item.stored.id] = _Decoy(item.stored, item.fingerprint, time.monotonic(), key)
        if key is not None:
            self._by_key[key] = item.stored.id
        while len(self._by_id) > self.max_entries:
            self._forget(next(iter(self._by_id)))
        return Outcome("created", item.stored)

    def comment(
        self, response_id: uuid.UUID, comment: str | None, at: datetime
    ) -> StoredResponse | None:
        """The decoy with its comment set (kept in memory only), or None if not a decoy."""
        self._expire()
        decoy = self._by_id.get(response_id)
        if decoy is None:
            return None
        decoy.response = replace(decoy.response, comment=comment, updated_at=at)
        return decoy.response

    def _expire(self) -> None:
        oldest = time.monotonic() - self.max_age_seconds
        while self._by_id:
            response_id, decoy = next(iter(self._by_id.items()))
            if decoy.at >= oldest:
                return
            self._forget(response_id)

    def _forget(self, response_id: uuid.UUID) -> None:
        decoy = self._by_id.pop(response_id)
        if decoy.idempotency is not None:
            self._by_key.pop(decoy.idempotency, None)
