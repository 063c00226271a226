from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, SmallInteger, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

PropertiesJSON = JSON().with_variant(JSONB(), "postgresql")


class SurveyResponse(Base):
    """One customer's answer. ``respondent_hash`` is a keyed hash, never the id itself."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_responded_at_id", "responded_at", "id"),
        Index("ix_responses_updated_at_id", "updated_at", "id"),
        Index(
            "ix_responses_respondent_hash",
            "respondent_hash",
            sqlite_where=text("respondent_hash IS NOT NULL"),
            postgresql_where=text("respondent_hash IS NOT NULL"),
        ),
        # The database, not a worker's memory, is what stops a retry counting twice; per
        # namespace, so that one integration's keys never meet another's.
        UniqueConstraint("idempotency_namespace", "idempotency_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    metric: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    survey: Mapped[str] = mapped_column(String(64))
    touchpoint: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    location: Mapped[str | None] = mapped_column(String(64))
    respondent_hash: Mapped[str | None] = mapped_column(String(64))
    properties: Mapped[dict[str, Any]] = mapped_column(PropertiesJSON)
    locale: Mapped[str | None] = mapped_column(String(35))
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(16))
    # The writing key's namespace (app.keys.models.ApiKey), or a channel's own (email links).
    idempotency_namespace: Mapped[str] = mapped_column(String(16))
