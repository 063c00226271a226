"""Survey wording as customers see it: stored overrides over the built-in texts."""

from __future__ import annotations

from app.db import Database
from app.surveys.wording import Wording, default_wording


async def wording_for(db: Database, survey: str, metric: str, locale: str) -> Wording:
    """The texts of `survey` for `metric` in `locale` (one of SUPPORTED_LOCALES)."""
    return default_wording(metric, locale)
