"""Survey wording as customers see it: stored overrides over the built-in texts."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.db import Database, run_retrying_races
from app.fields import SLUG_PATTERN
from app.scoring.metrics import Metric
from app.surveys import repository
from app.surveys.errors import SurveyNotFound
from app.surveys.models import Survey
from app.surveys.schemas import SurveyRead, SurveyWording
from app.surveys.wording import Wording, default_wording, pick_locale

if TYPE_CHECKING:  # a type only: SQL is built in repository.py
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

_SLUG = re.compile(SLUG_PATTERN)


async def wording_for(db: Database, survey: str, metric: str, locale: str) -> Wording:
    """The texts of `survey` for `metric` in `locale` (one of SUPPORTED_LOCALES).

    Any other BCP 47 tag is reduced with pick_locale (``pl-PL`` → ``pl``, unsupported → ``en``).
    No cache: one primary-key read per page, so an operator's change shows on the next one
    in every worker. A survey nobody configured is asked with the built-in texts.
    """
    locale = pick_locale(locale)
    stored = None
    if _SLUG.fullmatch(survey):
        async with db.readers() as session:
            stored = await repository.get(session, survey)
    return resolve(stored, Metric(metric), locale)


def resolve(stored: Survey | None, metric: Metric, locale: str) -> Wording:
    """The built-in texts of `metric` in `locale`, with what `stored` sets laid over them.

    The brand goes into the built-in question; the survey's own question and end labels
    apply only on the scale of the metric they were written for; its follow-up prompt and
    thanks on every metric.
    """
    if stored is None:
        return default_wording(metric, locale)
    wording = default_wording(metric, locale, stored.brand)
    own = stored.texts.get(locale, {})
    if stored.metric == metric:
        wording = replace(
            wording,
            question=own.get("question", wording.question),
            low_label=own.get("low_label", wording.low_label),
            high_label=own.get("high_label", wording.high_label),
        )
    return replace(
        wording,
        followup=own.get("followup", wording.followup),
        thanks=own.get("thanks", wording.thanks),
    )


async def put(db: Database, survey: str, wording: SurveyWording) -> tuple[SurveyRead, bool]:
    """Store `wording` as the whole wording of `survey`; True when the survey is new."""
    # Two first PUTs of one survey racing: the loser's retry finds the row and replaces it.
    return await run_retrying_races(
        db, lambda connection: _put_once(db, connection, survey, wording)
    )


async def _put_once(
    db: Database, connection: AsyncConnection, survey: str, wording: SurveyWording
) -> tuple[SurveyRead, bool]:
    # The session joins the helper's transaction, which commits after the flush.
    async with db.writers(bind=connection) as session:
        stored = await _store(session, survey, wording)
        await session.flush()
        return stored


async def _store(
    session: AsyncSession, survey: str, wording: SurveyWording
) -> tuple[SurveyRead, bool]:
    now = datetime.now(UTC).replace(microsecond=0)
    row = await repository.get(session, survey)
    created = row is None
    if row is None:
        row = Survey(survey=survey, created_at=now)
    row.brand = wording.brand
    row.metric = wording.metric.value if wording.metric else None
    row.texts = wording.stored_texts()
    row.updated_at = now
    if created:
        await repository.add(session, row)
    return _read(row), created


async def get(db: Database, survey: str) -> SurveyRead:
    async with db.readers() as session:
        row = await repository.get(session, survey)
    if row is None:
        raise _not_found(survey)
    return _read(row)


async def list_surveys(db: Database) -> list[SurveyRead]:
    async with db.readers() as session:
        return [_read(row) for row in await repository.list_all(session)]


async def delete(db: Database, survey: str) -> None:
    """Forget the survey's wording: it is asked with the built-in texts again."""
    async with db.writers() as session, session.begin():
        if not await repository.remove(session, survey):
            raise _not_found(survey)


def _read(row: Survey) -> SurveyRead:
    return SurveyRead.model_validate(row, from_attributes=True)


def _not_found(survey: str) -> SurveyNotFound:
    return SurveyNotFound(
        f"No wording is stored for the survey {survey!r}; it is asked with the built-in texts."
    )
