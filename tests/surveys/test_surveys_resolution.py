"""`wording_for`, the one function every channel asks: stored texts over the built-in ones."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from app.config import Settings
from app.db import Database
from app.scoring.metrics import Metric
from app.surveys import service
from app.surveys.schemas import SurveyWording
from app.surveys.service import wording_for
from app.surveys.wording import SUPPORTED_LOCALES, default_wording

POLISH_NPS: dict[str, Any] = {
    "metric": "nps",
    "texts": {
        "pl": {
            "question": "Czy polecisz nasz sklep znajomym?",
            "low_label": "Nie polecę",
            "high_label": "Polecę",
            "followup": "Co możemy zrobić lepiej?",
            "thanks": "Dzięki, do zobaczenia!",
        }
    },
}


async def configure(db: Database, survey: str, body: dict[str, Any]) -> None:
    await service.put(db, survey, SurveyWording.model_validate(body))


@pytest.mark.parametrize("metric", list(Metric))
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_an_unconfigured_survey_gets_the_built_in_texts(
    db: Database, metric: Metric, locale: str
) -> None:
    assert await wording_for(db, "anything", metric, locale) == default_wording(metric, locale)


async def test_overrides_apply_in_their_language_only(db: Database) -> None:
    await configure(db, "shop", POLISH_NPS)

    polish = await wording_for(db, "shop", "nps", "pl")

    assert (polish.question, polish.low_label, polish.high_label) == (
        "Czy polecisz nasz sklep znajomym?",
        "Nie polecę",
        "Polecę",
    )
    assert (polish.followup, polish.thanks) == (
        "Co możemy zrobić lepiej?",
        "Dzięki, do zobaczenia!",
    )
    for locale in ("en", "et"):
        assert await wording_for(db, "shop", "nps", locale) == default_wording(Metric.NPS, locale)


async def test_a_language_with_some_texts_keeps_the_built_in_rest(db: Database) -> None:
    await configure(db, "shop", {"texts": {"et": {"followup": "Mida võiksime paremini teha?"}}})

    estonian = await wording_for(db, "shop", "ces", "et")

    assert estonian == replace(
        default_wording(Metric.CES, "et"), followup="Mida võiksime paremini teha?"
    )


async def test_question_and_labels_stay_on_the_scale_they_were_written_for(db: Database) -> None:
    await configure(db, "shop", POLISH_NPS)

    csat = await wording_for(db, "shop", "csat", "pl")

    # The NPS question and its 0-10 end labels would be wrong on a 1-5 scale...
    built_in = default_wording(Metric.CSAT, "pl")
    assert (csat.question, csat.low_label, csat.high_label) == (
        built_in.question,
        built_in.low_label,
        built_in.high_label,
    )
    # ...but the follow-up prompt and the thanks fit any metric.
    assert (csat.followup, csat.thanks) == ("Co możemy zrobić lepiej?", "Dzięki, do zobaczenia!")


@pytest.mark.parametrize("metric", list(Metric))
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_the_brand_goes_into_the_built_in_question(
    db: Database, metric: Metric, locale: str
) -> None:
    await configure(db, "shop", {"brand": "Acme"})

    shown = await wording_for(db, "shop", metric, locale)

    assert shown == default_wording(metric, locale, "Acme")
    assert "Acme" in shown.question
    assert shown.question != default_wording(metric, locale).question


async def test_the_operators_own_question_wins_over_the_branded_one(db: Database) -> None:
    await configure(db, "shop", {"brand": "Acme", **POLISH_NPS})

    polish = await wording_for(db, "shop", "nps", "pl")
    english = await wording_for(db, "shop", "nps", "en")

    assert polish.question == "Czy polecisz nasz sklep znajomym?"
    assert polish.brand == "Acme"
    assert english.question == "How likely are you to recommend Acme to a friend or colleague?"


async def test_a_region_subtag_or_unknown_language_is_tolerated(db: Database) -> None:
    await configure(db, "shop", POLISH_NPS)

    assert (await wording_for(db, "shop", "nps", "pl-PL")).locale == "pl"
    assert (await wording_for(db, "shop", "nps", "pl-PL")).followup == "Co możemy zrobić lepiej?"
    assert await wording_for(db, "shop", "nps", "de") == default_wording(Metric.NPS, "en")


async def test_a_survey_that_is_not_a_slug_gets_the_built_in_texts(db: Database) -> None:
    assert await wording_for(db, "Not A Slug" * 20, "nps", "et") == default_wording(
        Metric.NPS, "et"
    )


async def test_changes_reach_another_worker_at_once(db: Database, settings: Settings) -> None:
    other_worker = Database.connect(settings, pool_size=1)
    try:
        assert (await wording_for(other_worker, "shop", "nps", "pl")).brand is None

        await configure(db, "shop", {"brand": "Acme"})
        assert (await wording_for(other_worker, "shop", "nps", "pl")).brand == "Acme"

        await service.delete(db, "shop")
        assert await wording_for(other_worker, "shop", "nps", "pl") == default_wording(
            Metric.NPS, "pl"
        )
    finally:
        await other_worker.dispose()
