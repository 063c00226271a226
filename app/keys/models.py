from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class ApiKey(Base):
    """An API key. Only a SHA-256 of the key is kept; the key itself is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    allowed_origins: Mapped[list[str]] = mapped_column(JSON)
    location: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Idempotency keys are unique per namespace: a key's own id, or the namespace of the
    # key it was made to replace, so that a rotated POS still replays its own answers.
    idempotency_namespace: Mapped[str] = mapped_column(String(16))
    replaces: Mapped[str | None] = mapped_column(String(16))
