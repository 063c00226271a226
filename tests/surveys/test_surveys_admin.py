"""The operator's side: PUT, GET, list and DELETE of a survey's wording, and what PUT refuses.

Who may call these routes (admin keys only; publishable and kiosk keys never) is proven
for every route in tests/keys/test_key_scope_matrix.py.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest

from app.surveys import service as surveys_service
from app.surveys.schemas import SurveyWording
from tests.support.problems import assert_problem
from tests.support.service import Service

WORDING: dict[str, Any] = {
    "brand": "Acme",
    "metric": "nps",
    "texts": {
        "pl": {
            "question": "Czy polecisz Acme znajomym?",
            "low_label": "Na pewno nie",
            "high_label": "Na pewno tak",
            "followup": "Co możemy poprawić?",
        },
        "et": {"thanks": "Suur aitäh!"},
    },
}


async def test_a_first_put_creates_the_survey_and_answers_what_was_stored(
    api: httpx.AsyncClient,
) -> None:
    response = await api.put("/v1/surveys/site-nps", json=WORDING)

    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/v1/surveys/site-nps"
    body = response.json()
    assert {k: body[k] for k in ("survey", "brand", "metric", "texts")} == {
        "survey": "site-nps",
        **WORDING,
    }
    assert body["created_at"] == body["updated_at"]
    assert body["created_at"].endswith("Z")
    assert (await api.get("/v1/surveys/site-nps")).json() == body


async def test_a_second_put_replaces_everything_and_keeps_the_creation_time(
    api: httpx.AsyncClient,
) -> None:
    first = (await api.put("/v1/surveys/site-nps", json=WORDING)).json()

    response = await api.put("/v1/surveys/site-nps", json={"texts": {"en": {"thanks": "Ta!"}}})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["brand"] is None
    assert body["metric"] is None
    assert body["texts"] == {"en": {"thanks": "Ta!"}}
    assert body["created_at"] == first["created_at"]
    assert datetime.fromisoformat(body["updated_at"]) >= datetime.fromisoformat(first["updated_at"])
    assert "location" not in response.headers
    assert (await api.get("/v1/surveys/site-nps")).json() == body


async def test_an_empty_body_stores_a_survey_with_the_built_in_texts(
    api: httpx.AsyncClient,
) -> None:
    response = await api.put("/v1/surveys/plain", json={})

    assert response.status_code == 201
    assert response.json()["texts"] == {}
    assert response.json()["brand"] is None


async def test_texts_are_stored_without_surrounding_spaces(api: httpx.AsyncClient) -> None:
    body = {"brand": "  Acme ", "texts": {"pl": {"followup": " Dlaczego? "}}}

    stored = (await api.put("/v1/surveys/site-nps", json=body)).json()

    assert stored["brand"] == "Acme"
    assert stored["texts"] == {"pl": {"followup": "Dlaczego?"}}


async def test_the_list_holds_every_configured_survey_by_slug(api: httpx.AsyncClient) -> None:
    assert (await api.get("/v1/surveys")).json() == {"data": []}
    for slug in ("kiosk-csat", "email-nps", "site-nps"):
        await api.put(f"/v1/surveys/{slug}", json={"brand": slug.upper()})

    listed = (await api.get("/v1/surveys")).json()["data"]

    assert [item["survey"] for item in listed] == ["email-nps", "kiosk-csat", "site-nps"]
    assert [item["brand"] for item in listed] == ["EMAIL-NPS", "KIOSK-CSAT", "SITE-NPS"]


async def test_delete_forgets_the_wording_and_the_texts_are_the_built_in_ones_again(
    api: httpx.AsyncClient,
) -> None:
    await api.put("/v1/surveys/site-nps", json=WORDING)
    before = (await api.get("/v1/surveys/site-nps/wording?metric=nps&locale=pl")).json()

    response = await api.delete("/v1/surveys/site-nps")

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await api.get("/v1/surveys/site-nps"), "survey-not-found", detail="site-nps")
    after = (await api.get("/v1/surveys/site-nps/wording?metric=nps&locale=pl")).json()
    assert before["question"] == "Czy polecisz Acme znajomym?"
    assert after["question"].startswith("Na ile prawdopodobne jest, że polecisz nas")
    assert (await api.get("/v1/surveys")).json() == {"data": []}


async def test_unknown_surveys_are_404_problems(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/v1/surveys/nobody"), "survey-not-found", detail="built-in")
    assert_problem(await api.delete("/v1/surveys/nobody"), "survey-not-found")


TOO_LONG = "x" * 301
INVALID_BODIES: list[tuple[Any, list[str]]] = [
    ({"brand": ""}, ["brand"]),
    ({"brand": "   "}, ["brand"]),
    ({"brand": "x" * 101}, ["brand"]),
    ({"brand": "Ac\x00me"}, ["brand"]),
    ({"brand": 7}, ["brand"]),
    ({"colour": "red"}, ["colour"]),
    ({"metric": "eNPS"}, ["metric"]),
    ({"texts": {"de": {"followup": "Warum?"}}}, ["texts.de"]),
    ({"texts": {"pl-PL": {"followup": "Dlaczego?"}}}, ["texts.pl-PL"]),
    ({"texts": {"pl": {}}}, ["texts.pl"]),
    ({"texts": {"pl": {"folowup": "Dlaczego?"}}}, ["texts.pl.folowup"]),
    ({"texts": {"pl": {"followup": ""}}}, ["texts.pl.followup"]),
    ({"texts": {"pl": {"followup": TOO_LONG}}}, ["texts.pl.followup"]),
    ({"texts": {"et": {"thanks": TOO_LONG}}}, ["texts.et.thanks"]),
    ({"metric": "nps", "texts": {"en": {"question": TOO_LONG}}}, ["texts.en.question"]),
    ({"metric": "nps", "texts": {"en": {"low_label": "x" * 61}}}, ["texts.en.low_label"]),
    ({"texts": {"en": {"thanks": "Thank\nyou"}}}, ["texts.en.thanks"]),
    ({"texts": {"en": {"thanks": "Thank\tyou"}}}, ["texts.en.thanks"]),
    ({"texts": {"en": {"thanks": "Thank\x1b[31myou"}}}, ["texts.en.thanks"]),
    ({"texts": {"en": {"thanks": "Thank\u2028you"}}}, ["texts.en.thanks"]),
    ({"texts": {"en": {"thanks": None, "followup": "Why?", "x": 1}}}, ["texts.en.x"]),
    # A question or end labels on no stated metric could land on the wrong scale.
    ({"texts": {"pl": {"question": "Jak było?"}}}, ["metric"]),
    ({"texts": {"et": {"high_label": "Väga hea"}}}, ["metric"]),
    ([], ["body"]),
]


@pytest.mark.parametrize(("body", "fields"), INVALID_BODIES)
async def test_an_invalid_put_names_the_field_and_changes_nothing(
    api: httpx.AsyncClient, body: Any, fields: list[str]
) -> None:
    stored = (await api.put("/v1/surveys/site-nps", json=WORDING)).json()

    response = await api.put("/v1/surveys/site-nps", json=body)

    assert_problem(response, "validation-failed", fields=fields)
    assert (await api.get("/v1/surveys/site-nps")).json() == stored


async def test_an_invalid_first_put_creates_nothing(api: httpx.AsyncClient) -> None:
    response = await api.put("/v1/surveys/site-nps", json={"brand": ""})

    assert_problem(response, "validation-failed", fields=["brand"])
    assert (await api.get("/v1/surveys")).json() == {"data": []}


async def test_a_lone_surrogate_is_refused(api: httpx.AsyncClient) -> None:
    # Valid JSON, but not text PostgreSQL (or any customer's screen) can hold.
    raw = b'{"texts": {"en": {"thanks": "Thanks \\ud800"}}}'

    response = await api.put(
        "/v1/surveys/site-nps", content=raw, headers={"content-type": "application/json"}
    )

    assert_problem(response, "validation-failed", fields=["texts.en.thanks"])
    assert (await api.get("/v1/surveys")).json() == {"data": []}


@pytest.mark.parametrize("slug", ["Site-NPS", "-site", "a" * 65, "site%20nps"])
async def test_a_survey_that_is_not_a_slug_is_refused(api: httpx.AsyncClient, slug: str) -> None:
    for response in (
        await api.put(f"/v1/surveys/{slug}", json={}),
        await api.get(f"/v1/surveys/{slug}"),
        await api.delete(f"/v1/surveys/{slug}"),
        await api.get(f"/v1/surveys/{slug}/wording?metric=nps"),
    ):
        assert_problem(response, "validation-failed", fields=["survey"])


async def test_texts_in_any_script_are_stored_as_written(api: httpx.AsyncClient) -> None:
    texts = {"question": "Czy polecisz „Żółć & Co” <b>znajomym</b>? 👍", "high_label": "Tak!"}

    stored = await api.put("/v1/surveys/site-nps", json={"metric": "nps", "texts": {"pl": texts}})

    assert stored.json()["texts"]["pl"] == texts
    wording = await api.get("/v1/surveys/site-nps/wording?metric=nps&locale=pl")
    assert wording.json()["question"] == texts["question"]


async def test_concurrent_first_puts_create_the_survey_once(service: Service) -> None:
    wording = SurveyWording.model_validate({"brand": "Acme"})

    outcomes = await asyncio.gather(
        *(surveys_service.put(service.db, "race", wording) for _ in range(4))
    )

    assert sorted(created for _, created in outcomes) == [False, False, False, True]
    assert [survey.survey for survey in await surveys_service.list_surveys(service.db)] == ["race"]
