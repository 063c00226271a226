"""The kiosk page for an address, and the setup check its script makes with the kiosk key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.channels.kiosk import config, pages
from app.channels.kiosk.assets import bundle
from app.channels.kiosk.schemas import KioskSetupRead
from app.db import OUTAGE_CARRIERS, Database, outage_cause
from app.keys.service import Principal
from app.keys.tokens import KeyKind
from app.problems import Forbidden
from app.responses import service as responses_service
from app.surveys.service import wording_for


@dataclass(frozen=True)
class KioskPage:
    html: str
    status: int  # 400: the address is wrong; 503: the database cannot be reached now


async def page(
    db: Database, query: Sequence[tuple[str, str]], accept_language: str | None
) -> KioskPage:
    parsed = config.parse(query, accept_language)
    if isinstance(parsed, config.ConfigRejected):
        return KioskPage(pages.problem_page(parsed, bundle()), status=400)
    try:
        wording = await wording_for(db, parsed.survey, parsed.metric.value, parsed.locale)
    except OUTAGE_CARRIERS as error:
        cause = outage_cause(error)
        if cause is None:
            raise
        db.outages.met(cause)
        # Staff see a page that says so and tries again; a tablet that has the page stored
        # shows that copy instead (sw.js falls back to it on any 5xx).
        return KioskPage(pages.unavailable_page(parsed.locale, bundle()), status=503)
    return KioskPage(pages.kiosk_page(parsed, wording, bundle()), status=200)


def setup(
    caller: Principal, survey: str, touchpoint: str | None, location: str | None
) -> KioskSetupRead:
    """What answers of a kiosk so configured are recorded with, by the rules of ingest itself.

    Refused as a sync would refuse them, so a kiosk learns of a mistake when it is set up,
    not from answers set aside one by one.
    """
    if caller.kind is not KeyKind.KIOSK:
        raise Forbidden("Only a kiosk key (tp_kk_…) may be used on a kiosk.")
    return KioskSetupRead(
        survey=survey,
        touchpoint=touchpoint,
        location=responses_service.recorded_location(caller, location),
        channel=responses_service.FORCED_CHANNEL[caller.kind].value,
    )
