"""Plain values for the ingest path: cheaper than ORM objects, and easy to reason about."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from app.fields import format_timestamp


@dataclass(frozen=True, slots=True)
class StoredResponse:
    id: uuid.UUID
    metric: str
    score: int
    comment: str | None
    survey: str
    touchpoint: str | None
    channel: str
    location: str | None
    properties: dict[str, str]
    locale: str | None
    responded_at: datetime
    received_at: datetime
    updated_at: datetime
    idempotency_key: str | None

    def to_api(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "metric": self.metric,
            "score": self.score,
            "comment": self.comment,
            "survey": self.survey,
            "touchpoint": self.touchpoint,
            "channel": self.channel,
            "location": self.location,
            "properties": self.properties,
            "locale": self.locale,
            "responded_at": format_timestamp(self.responded_at),
            "received_at": format_timestamp(self.received_at),
            "updated_at": format_timestamp(self.updated_at),
            "idempotency_key": self.idempotency_key,
        }


# An idempotency key is one integration's word: (namespace, key) is what is unique.
IdempotencyScope = tuple[str, str]


@dataclass(frozen=True, slots=True)
class NewResponse:
    """A validated answer ready to insert, with what idempotency needs to judge a retry."""

    stored: StoredResponse
    respondent_hash: str | None
    fingerprint: str | None  # None without an idempotency key
    key_id: str | None
    # The idempotency key is unique only within this (see app.keys.models.ApiKey).
    idempotency_namespace: str

    @property
    def idempotency(self) -> IdempotencyScope | None:
        """(namespace, key), or None for an answer sent without a key."""
        key = self.stored.idempotency_key
        return None if key is None else (self.idempotency_namespace, key)


# "updated": an answer sent again changed its response (see service.record_or_update).
Status = Literal["created", "duplicate", "conflict", "updated"]


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    response: StoredResponse
