"""The kiosk page for an address: its configuration checked, the survey's wording filled in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.channels.kiosk import config, pages
from app.channels.kiosk.assets import bundle
from app.db import Database
from app.surveys.service import wording_for


@dataclass(frozen=True)
class KioskPage:
    html: str
    configured: bool  # False: the page explains to staff what is wrong with the address


async def page(
    db: Database, query: Sequence[tuple[str, str]], accept_language: str | None
) -> KioskPage:
    parsed = config.parse(query, accept_language)
    if isinstance(parsed, config.ConfigRejected):
        return KioskPage(pages.problem_page(parsed, bundle()), configured=False)
    wording = await wording_for(db, parsed.survey, parsed.metric.value, parsed.locale)
    return KioskPage(pages.kiosk_page(parsed, wording, bundle()), configured=True)
