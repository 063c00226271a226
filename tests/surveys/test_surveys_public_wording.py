"""The public read of a survey's texts, as widgets, email pages and kiosks fetch them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import httpx
import pytest

from app.scoring.metrics import Metric
from app.surveys.wording import SUPPORTED_LOCALES, default_wording
from tests.support.problems import assert_problem
from tests.support.service import Service

WORDING_FIELDS = {
    "survey",
    "metric",
    "locale",
    "brand",
    "question",
    "low_label",
    "high_label",
    "followup",
    "thanks",
}


async def wording(
    service: Service,
    survey: str = "site-nps",
    *,
    metric: str = "nps",
    locale: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Fetched without any key, as a customer's browser does."""
    query = {"metric": metric} | ({"locale": locale} if locale is not None else {})
    return await service.client.get(f"/v1/surveys/{survey}/wording", params=query, headers=headers)


@pytest.mark.parametrize("metric", list(Metric))
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_a_survey_nobody_configured_answers_the_built_in_texts(
    service: Service, metric: Metric, locale: str
) -> None:
    response = await wording(service, "never-configured", metric=metric.value, locale=locale)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == WORDING_FIELDS
    assert body == {
        "survey": "never-configured",
        "metric": metric.value,
        **asdict(default_wording(metric, locale)),
    }


async def test_the_answer_may_be_cached_publicly_for_a_minute(service: Service) -> None:
    response = await wording(service, locale="pl")

    assert response.headers["cache-control"] == "public, max-age=60"
    # The language picks the texts; the widget's CORS adds Origin (app/channels/widget/cors.py).
    vary = {value.strip() for value in response.headers["vary"].split(",")}
    assert vary == {"Accept-Language", "Origin"}
    assert response.headers["etag"].startswith('"')


@pytest.mark.parametrize(
    "if_none_match", ["{etag}", "W/{etag}", '"stale", {etag}', '"stale",W/{etag} , "old"', "*"]
)
async def test_a_current_etag_is_answered_304_without_a_body(
    service: Service, if_none_match: str
) -> None:
    etag = (await wording(service, locale="et")).headers["etag"]

    response = await wording(
        service, locale="et", headers={"If-None-Match": if_none_match.format(etag=etag)}
    )

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "public, max-age=60"


async def test_a_stale_etag_gets_the_new_texts(service: Service, api: httpx.AsyncClient) -> None:
    before = await wording(service, locale="en")

    await api.put("/v1/surveys/site-nps", json={"brand": "Acme"})
    response = await wording(
        service, locale="en", headers={"If-None-Match": before.headers["etag"]}
    )

    assert response.status_code == 200
    assert response.headers["etag"] != before.headers["etag"]
    assert "Acme" in response.json()["question"]


async def test_each_language_has_its_own_etag(service: Service) -> None:
    etags = {
        (await wording(service, locale=locale)).headers["etag"] for locale in SUPPORTED_LOCALES
    }

    assert len(etags) == len(SUPPORTED_LOCALES)


@pytest.mark.parametrize(
    ("params", "accept_language", "expected"),
    [
        ({}, None, "en"),
        ({}, "et-EE,et;q=0.9,en;q=0.8", "et"),
        ({}, "de-DE,de;q=0.9,pl;q=0.5", "pl"),
        ({}, "fr-FR,fr;q=0.9", "en"),
        ({"locale": "pl"}, "et-EE,et;q=0.9", "pl"),
        ({"locale": "pl-PL"}, None, "pl"),
        ({"locale": "de"}, "et;q=0.4, en;q=0.3", "et"),
        ({"locale": "de-AT"}, None, "en"),
    ],
)
async def test_the_language_is_the_locale_then_accept_language_then_english(
    service: Service, params: dict[str, str], accept_language: str | None, expected: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else None

    body = (await wording(service, headers=headers, locale=params.get("locale"))).json()

    assert body["locale"] == expected
    assert body["question"] == default_wording(Metric.NPS, expected).question


async def test_a_key_is_neither_needed_nor_checked(service: Service) -> None:
    response = await wording(service, headers={"Authorization": "Bearer tp_pk_not-a-real-key"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"metric": "enps"}, "metric"),
        ({"locale": "not a tag"}, "locale"),
        ({"locale": "x" * 36}, "locale"),
    ],
)
async def test_bad_parameters_are_422_problems(
    service: Service, params: dict[str, str], field: str
) -> None:
    response = await wording(
        service, metric=params.get("metric", "nps"), locale=params.get("locale")
    )

    assert_problem(response, "validation-failed", fields=[field])


async def test_the_metric_is_required(service: Service) -> None:
    response = await service.client.get("/v1/surveys/site-nps/wording")

    assert_problem(response, "validation-failed", fields=["metric"])


async def test_the_operators_texts_reach_the_public_read(
    service: Service, api: httpx.AsyncClient
) -> None:
    body: dict[str, Any] = {
        "brand": "Acme",
        "metric": "csat",
        "texts": {"et": {"question": "Kuidas teile Acme pood meeldis?", "thanks": "Aitäh!"}},
    }
    await api.put("/v1/surveys/kiosk-csat", json=body)

    shown = (await wording(service, "kiosk-csat", metric="csat", locale="et")).json()

    built_in = default_wording(Metric.CSAT, "et")
    assert shown == {
        "survey": "kiosk-csat",
        "metric": "csat",
        "locale": "et",
        "brand": "Acme",
        "question": "Kuidas teile Acme pood meeldis?",
        "low_label": built_in.low_label,
        "high_label": built_in.high_label,
        "followup": built_in.followup,
        "thanks": "Aitäh!",
    }
