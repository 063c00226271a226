"""POST /v1/email-links: a signed token, one link per score, an email block and its text."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from app.surveys.wording import default_wording
from tests.support.email_support import app_client, issue
from tests.support.problems import assert_problem
from tests.support.service import Service

SCALES = {"nps": range(0, 11), "ces": range(1, 8), "csat": range(1, 6)}
ORIGIN = "https://shop.example"


@pytest.fixture
async def crm(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    """A CRM's secret key that may write responses."""
    async with await service.client_with(Scope.RESPONSES_WRITE) as client:
        yield client


class _Links(HTMLParser):
    """Every link of an email block, with its attributes, and every style-bearing tag."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "a":
            self.links.append(dict(attrs))


def block_links(html: str) -> list[dict[str, str | None]]:
    parser = _Links()
    parser.feed(html)
    return parser.links


@pytest.mark.parametrize("metric", ["nps", "ces", "csat"])
async def test_one_link_per_score_of_the_metric_in_order(
    crm: httpx.AsyncClient, metric: str
) -> None:
    created = await issue(crm, metric=metric, respondent="cust-8812")

    assert set(created) == {"token", "token_id", "expires_at", "links", "html", "text"}
    token = created["token"]
    assert created["links"] == [
        {"score": score, "url": f"http://test/r/{token}/{score}"} for score in SCALES[metric]
    ]
    assert [link["href"] for link in block_links(created["html"])] == [
        link["url"] for link in created["links"]
    ]


async def test_links_expire_after_30_days_unless_told_otherwise(crm: httpx.AsyncClient) -> None:
    default = await issue(crm)
    week = await issue(crm, expires_in_days=7)
    received = (await crm.post("/v1/responses", json={"metric": "nps", "score": 1})).json()

    def days_after_now(created: dict[str, Any]) -> float:
        expires = datetime.fromisoformat(created["expires_at"].replace("Z", "+00:00"))
        now = datetime.fromisoformat(received["received_at"].replace("Z", "+00:00"))
        return (expires - now).total_seconds() / 86400

    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", default["expires_at"])
    assert 29.99 < days_after_now(default) <= 30
    assert 6.99 < days_after_now(week) <= 7


async def test_every_link_has_a_token_of_its_own(crm: httpx.AsyncClient) -> None:
    first = await issue(crm, respondent="cust-1")
    second = await issue(crm, respondent="cust-1")

    assert first["token"] != second["token"]
    assert first["token_id"] != second["token_id"]
    assert first["token_id"] not in ("", None)


async def test_the_links_never_show_the_respondent_id(crm: httpx.AsyncClient) -> None:
    created = await issue(crm, respondent="jane.doe@example.com")

    everything = str(created)
    assert "jane.doe" not in everything
    assert "example.com" not in everything


async def test_links_use_the_public_url_when_one_is_set(service: Service) -> None:
    key = await service.key(Scope.RESPONSES_WRITE)
    settings = service.settings.model_copy(update={"public_url": "https://feedback.example.com/tp"})
    async with app_client(settings, key) as client:
        created = await issue(client)

    assert created["links"][0]["url"] == f"https://feedback.example.com/tp/r/{created['token']}/0"


async def test_the_email_block_is_localized_email_safe_html(crm: httpx.AsyncClient) -> None:
    created = await issue(crm, locale="pl-PL", metric="nps")
    html = created["html"]
    parser = _Links()
    parser.feed(html)

    polish = default_wording("nps", "pl")
    assert polish.question in html
    assert polish.low_label in html
    assert polish.high_label in html
    assert 'lang="pl"' in html
    # Tables and inline styles only: nothing a mail client strips or Outlook misreads.
    assert parser.tags <= {"table", "tr", "td", "a"}, parser.tags
    for forbidden in ("<style", "class=", "<script", "<div", "display:flex", "display:grid"):
        assert forbidden not in html
    # Buttons: a coloured cell Outlook keeps (bgcolor) holding the link.
    assert html.count('bgcolor="#1d4ed8"') == 11
    ends = block_links(html)
    assert ends[0]["aria-label"] == f"0 – {polish.low_label}"
    assert ends[-1]["aria-label"] == f"10 – {polish.high_label}"
    assert all(link["target"] == "_blank" for link in ends)


async def test_the_text_fallback_has_the_question_and_one_line_per_score(
    crm: httpx.AsyncClient,
) -> None:
    created = await issue(crm, locale="et", metric="csat")
    lines = created["text"].splitlines()

    estonian = default_wording("csat", "et")
    assert lines[0] == estonian.question
    urls = [link["url"] for link in created["links"]]
    score_lines = [line for line in lines if "http" in line]
    assert score_lines == [
        f"1 – {estonian.low_label}: {urls[0]}",
        f"2: {urls[1]}",
        f"3: {urls[2]}",
        f"4: {urls[3]}",
        f"5 – {estonian.high_label}: {urls[4]}",
    ]
    assert "Saada" in lines[-1]  # tells the customer to press Send on the page


async def test_without_a_locale_the_block_is_in_english(crm: httpx.AsyncClient) -> None:
    created = await issue(crm, metric="ces")

    assert created["text"].startswith("How easy was it to get what you needed?\n")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["metric"]),
        ({"metric": "nps", "score": 9}, ["score"]),
        ({"metric": "nps", "respondnet": "cust-1"}, ["respondnet"]),
        ({"metric": "stars"}, ["metric"]),
        ({"metric": "nps", "survey": "Post Purchase"}, ["survey"]),
        ({"metric": "nps", "touchpoint": "Checkout!"}, ["touchpoint"]),
        ({"metric": "nps", "location": ""}, ["location"]),
        ({"metric": "nps", "locale": "polish please"}, ["locale"]),
        ({"metric": "nps", "respondent": ""}, ["respondent"]),
        ({"metric": "nps", "properties": {"plan": 3}}, ["properties.plan"]),
        ({"metric": "nps", "properties": {f"k{i}": "v" for i in range(21)}}, ["properties"]),
        ({"metric": "nps", "expires_in_days": 0}, ["expires_in_days"]),
        ({"metric": "nps", "expires_in_days": 91}, ["expires_in_days"]),
        ({"metric": "nps", "expires_in_days": "30"}, ["expires_in_days"]),
        ({"metric": "nps", "channel": "email"}, ["channel"]),
    ],
)
async def test_invalid_requests_are_problems_naming_the_field(
    crm: httpx.AsyncClient, body: dict[str, Any], fields: list[str]
) -> None:
    answer = await crm.post("/v1/email-links", json=body)

    assert_problem(answer, "validation-failed", fields=fields)


async def test_properties_too_long_for_a_link_are_refused(crm: httpx.AsyncClient) -> None:
    noise = {f"key-{i}": secrets.token_hex(128) for i in range(20)}  # incompressible

    answer = await crm.post("/v1/email-links", json={"metric": "nps", "properties": noise})

    body = assert_problem(answer, "validation-failed", fields=["properties"])
    assert "link" in body["errors"][0]["message"]


async def test_a_body_that_is_not_json_is_a_problem(crm: httpx.AsyncClient) -> None:
    answer = await crm.post(
        "/v1/email-links", content=b"metric=nps", headers={"Content-Type": "text/plain"}
    )

    assert_problem(answer, "unsupported-media-type")


async def test_no_key_is_a_401_problem(service: Service) -> None:
    answer = await service.client.post("/v1/email-links", json={"metric": "nps"})

    assert_problem(answer, "unauthenticated")


async def test_a_key_without_responses_write_is_refused(service: Service) -> None:
    async with await service.client_with(Scope.RESPONSES_READ, Scope.SCORES_READ) as reader:
        answer = await reader.post("/v1/email-links", json={"metric": "nps"})

    assert_problem(answer, "forbidden", detail="responses:write")


@pytest.mark.parametrize("kind", [KeyKind.PUBLISHABLE, KeyKind.KIOSK])
async def test_publishable_and_kiosk_keys_cannot_make_links(
    service: Service, kind: KeyKind
) -> None:
    """Anyone can read a page's key: with it, they could mint answerable links at will."""
    extra: dict[str, Any] = {"allowed_origins": [ORIGIN]} if kind is KeyKind.PUBLISHABLE else {}
    key = await service.key(kind=kind, **extra)

    answer = await service.client.post(
        "/v1/email-links",
        json={"metric": "nps"},
        headers={"Authorization": f"Bearer {key}", "Origin": ORIGIN},
    )

    assert_problem(answer, "forbidden", detail="secret key")
