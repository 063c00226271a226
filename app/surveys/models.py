from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime


class Survey(Base):
    """A survey's own wording; a survey without a row is asked with the built-in texts."""

    __tablename__ = "surveys"

    survey: Mapped[str] = mapped_column(String(64), primary_key=True)
    brand: Mapped[str | None] = mapped_column(String(100))
    # The metric the question and end labels below were written for: on another metric's
    # scale they would not fit, so they apply to this one only.
    metric: Mapped[str | None] = mapped_column(String(8))
    # {"pl": {"question": "…", "followup": "…"}, …}: only the texts the operator set.
    texts: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
