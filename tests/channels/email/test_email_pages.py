"""The pages behind the links: a GET writes nothing, the Send records one answer per token.

Mail scanners open every link of an email, so opening a link (GET or HEAD) must never
record anything; only the Send button's POST does, and sending again changes that one
response. Tampered and expired tokens get a friendly page and write nothing.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from app.channels.email import service as email_service
from app.channels.email.service import GENERATED_SECRET, server_secrets
from app.channels.email.tokens import LinkSigner
from app.instance.service import stored_secret
from app.keys.scopes import Scope
from app.responses import repository
from tests.support.email_support import (
    FORM,
    app_client,
    assert_page,
    checked,
    flipped,
    form_actions,
    heading,
    issue,
    path,
    radios,
    send,
    with_secrets,
)
from tests.support.ingest_support import changes_nothing, counted_total, set_times, stored_rows
from tests.support.service import Service

LINK = {
    "metric": "nps",
    "survey": "post-purchase",
    "respondent": "cust-8812",
    "touchpoint": "checkout",
    "location": "store-12",
    "properties": {"order": "A-1182"},
}


@pytest.fixture
async def crm(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    scopes = (Scope.RESPONSES_WRITE, Scope.RESPONSES_READ, Scope.SCORES_READ, Scope.ADMIN)
    async with await service.client_with(*scopes) as client:
        yield client


async def exported(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    answer = await client.get("/v1/responses", params=params)
    assert answer.status_code == 200, answer.text
    data: list[dict[str, Any]] = answer.json()["data"]
    return data


async def distribution(client: httpx.AsyncClient, metric: str = "nps") -> dict[str, int]:
    answer = await client.get("/v1/scores", params={"metric": metric, "window": "1d"})
    assert answer.status_code == 200, answer.text
    counts: dict[str, int] = answer.json()["overall"]["distribution"]
    return {score: count for score, count in counts.items() if count}


def signer_of(service: Service, generated: str) -> LinkSigner:
    return LinkSigner(server_secrets(service.settings, generated))


# --- opening a link ----------------------------------------------------------------


async def test_opening_a_link_shows_its_score_chosen_and_writes_nothing(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm, **LINK)
    token = created["token"]

    async with changes_nothing(service.db):
        answer = await service.client.get(path(created["links"][9]["url"]))
        head = await service.client.head(path(created["links"][9]["url"]))

    page = assert_page(answer, 200, "en")
    assert checked(page) == [9]
    assert [value for value, _ in radios(page)] == list(range(11))
    assert "How likely are you to recommend us to a friend or colleague?" in page
    assert "What is the main reason for your score?" in page
    assert '<textarea id="comment" name="comment"' in page
    assert '<button type="submit">Send</button>' in page
    assert form_actions(page) == [f"/r/{token}"]
    assert '<form method="post"' in page
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["cache-control"] == "no-store"
    assert head.headers["referrer-policy"] == "no-referrer"


async def test_a_landing_page_with_all_it_loads_is_well_under_30_kb_gzipped(
    crm: httpx.AsyncClient, service: Service
) -> None:
    created = await issue(crm, locale="pl")

    answer = await service.client.get(path(created["links"][9]["url"]))

    page = assert_page(answer, 200, "pl")
    size = len(gzip.compress(answer.content))
    print(f"email landing page: {len(answer.content)} bytes, {size} bytes gzipped")
    assert size < 30 * 1024
    # It loads nothing else: no external stylesheet, image, font or script to add.
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    assert not re.search(r"<(link|img|script|iframe)\b", page)


async def test_the_end_scores_are_named_by_what_they_mean(
    crm: httpx.AsyncClient, service: Service
) -> None:
    created = await issue(crm, metric="ces", locale="pl")

    page = assert_page(await service.client.get(path(created["links"][0]["url"])), 200, "pl")

    assert '<span>1<span class="vh"> – Bardzo trudno</span></span>' in page
    assert '<span>7<span class="vh"> – Bardzo łatwo</span></span>' in page
    assert "<legend>Jak łatwo było załatwić Twoją sprawę?</legend>" in page


async def test_the_page_speaks_the_links_language_else_the_browsers(
    service: Service, crm: httpx.AsyncClient
) -> None:
    polish = await issue(crm, locale="pl")
    unsaid = await issue(crm)
    estonian_browser = {"Accept-Language": "et-EE,et;q=0.9,en;q=0.8"}

    in_polish = await service.client.get(path(polish["links"][5]["url"]), headers=estonian_browser)
    in_estonian = await service.client.get(
        path(unsaid["links"][5]["url"]), headers=estonian_browser
    )
    in_english = await service.client.get(path(unsaid["links"][5]["url"]))

    assert heading(assert_page(in_polish, 200, "pl")) == "Twoja opinia"
    assert heading(assert_page(in_estonian, 200, "et")) == "Teie tagasiside"
    assert heading(assert_page(in_english, 200, "en")) == "Your feedback"
    assert in_estonian.headers["vary"] == "Accept-Language"


async def test_a_link_without_a_score_shows_the_question_with_nothing_chosen(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm)

    async with changes_nothing(service.db):
        page = assert_page(await service.client.get(f"/r/{created['token']}"), 200, "en")

    assert checked(page) == []
    assert len(radios(page)) == 11


@pytest.mark.parametrize("score", ["0", "6", "10", "x", "-1", "09", "1.0", "٣"])
async def test_a_score_off_the_metrics_scale_is_a_friendly_404(
    service: Service, crm: httpx.AsyncClient, score: str
) -> None:
    created = await issue(crm, metric="csat", locale="et")

    async with changes_nothing(service.db):
        answer = await service.client.get(f"/r/{created['token']}/{score}")

    assert heading(assert_page(answer, 404, "et")) == "See link ei tööta"


async def test_tampered_tokens_get_one_friendly_404_that_tells_nothing_and_write_nothing(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm, **LINK)
    token = created["token"]
    polish_browser = {"Accept-Language": "pl"}
    reference = await service.client.get("/r/not-a-token/9", headers=polish_browser)
    bodies = set()

    async with changes_nothing(service.db):
        for position in range(len(token)):
            broken = flipped(token, position)
            answer = await service.client.get(f"/r/{broken}/9", headers=polish_browser)
            assert_page(answer, 404, "pl")
            bodies.add(answer.text)
        for position in (0, 5, len(token) // 2, token.rindex("."), len(token) - 1):
            answer = await send(service.client, flipped(token, position), 9, "spoofed")
            assert_page(answer, 404, "en")
        for cut in (token[:-1], token.rsplit(".", 1)[0], token + "A"):
            assert_page(await service.client.get(f"/r/{cut}/9", headers=polish_browser), 404, "pl")
            assert_page(await send(service.client, cut, 9), 404, "en")

    assert bodies == {reference.text}, "every rejection looks the same, whatever was changed"
    assert heading(reference.text) == "Ten link nie działa"


async def test_expired_links_get_a_friendly_410_in_the_customers_language(
    service: Service, crm: httpx.AsyncClient
) -> None:
    signer = signer_of(service, await stored_secret(service.db, GENERATED_SECRET))
    issued = await issue(crm, locale="pl", **LINK)
    claims = signer.read(issued["token"], datetime.now(UTC))
    expired = signer.issue(replace(claims, expires_at=datetime.now(UTC) - timedelta(seconds=1)))

    async with changes_nothing(service.db):
        opened = await service.client.get(f"/r/{expired}/9", headers={"Accept-Language": "et"})
        sent = await send(service.client, expired, 9, "too late")

    assert heading(assert_page(opened, 410, "pl")) == "Ten link wygasł"
    assert heading(assert_page(sent, 410, "pl")) == "Ten link wygasł"


# --- the Send ----------------------------------------------------------------------


async def test_the_send_records_one_email_response_with_the_links_context(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm, locale="pl", **LINK)

    answer = await send(service.client, created["token"], 7, "Szybko,\r\nale drogo ")

    page = assert_page(answer, 200, "pl")
    assert heading(page) == "Dziękujemy za opinię!"
    assert "Twoja odpowiedź została zapisana." in page
    [stored] = await exported(crm)
    assert stored["score"] == 7
    assert stored["comment"] == "Szybko,\nale drogo"
    assert stored["channel"] == "email"
    assert stored["metric"] == "nps"
    assert stored["survey"] == "post-purchase"
    assert stored["touchpoint"] == "checkout"
    assert stored["location"] == "store-12"
    assert stored["properties"] == {"order": "A-1182"}
    assert stored["locale"] == "pl"
    assert stored["idempotency_key"] == f"email-link:{created['token_id']}"
    assert stored["responded_at"] == stored["received_at"] == stored["updated_at"]
    assert await distribution(crm) == {"7": 1}


async def test_the_thank_you_page_offers_to_change_the_answer_just_sent(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm)

    page = assert_page(
        await send(service.client, created["token"], 4, "Slow <delivery>"), 200, "en"
    )

    assert "<details><summary>Change your answer</summary>" in page
    assert checked(page) == [4]
    assert "Slow &lt;delivery&gt;</textarea>" in page
    assert form_actions(page) == [f"/r/{created['token']}"]


async def test_the_respondent_is_stored_hashed_and_can_be_erased(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm, **LINK)
    await send(service.client, created["token"], 10)
    [row] = await stored_rows(service.db)

    assert row["respondent_hash"] is not None
    assert "cust-8812" not in str(row)
    erased = await crm.delete("/v1/respondents/cust-8812")
    assert erased.json() == {"responses_deleted": 1}
    assert await distribution(crm) == {}


async def test_sending_again_changes_that_one_response_and_its_counts(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm, **LINK)
    token = created["token"]
    await send(service.client, token, 9, "Great")
    [first] = await exported(crm)
    await set_times(service.db, first["id"], updated_at=datetime.now(UTC) - timedelta(hours=1))

    again = await send(service.client, token, 3, "Changed my mind")

    assert "Your answer has been updated." in assert_page(again, 200, "en")
    [changed] = await exported(crm)
    assert changed["id"] == first["id"]
    assert (changed["score"], changed["comment"]) == (3, "Changed my mind")
    assert changed["responded_at"] == first["responded_at"]
    assert (
        changed["updated_at"] > changed["received_at"]
        or changed["updated_at"] >= first["updated_at"]
    )
    since = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [r["id"] for r in await exported(crm, updated_since=since)] == [first["id"]]
    assert await distribution(crm) == {"3": 1}
    assert await counted_total(service.db) == 1


async def test_sending_the_same_answer_again_changes_nothing(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm)
    await send(service.client, created["token"], 8, "Fine")

    async with changes_nothing(service.db):
        again = await send(service.client, created["token"], 8, "Fine")

    assert "Your answer has been recorded." in assert_page(again, 200, "en")


async def test_no_api_key_can_take_a_links_answer_first_not_even_the_issuing_one(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm, **LINK)
    link_key = f"email-link:{created['token_id']}"  # anyone holding the link can read it
    squatted = await crm.post(
        "/v1/responses",
        json={"metric": "nps", "score": 0, "channel": "email", "idempotency_key": link_key},
    )
    assert squatted.status_code == 201, squatted.text

    sent = await send(service.client, created["token"], 9, "Great")
    changed = await send(service.client, created["token"], 10, "Great")

    assert "Your answer has been recorded." in assert_page(sent, 200, "en")
    assert "Your answer has been updated." in assert_page(changed, 200, "en")
    rows = {row["id"]: row for row in await exported(crm)}
    assert rows.pop(squatted.json()["id"]) == squatted.json()  # untouched
    [answer] = rows.values()
    assert (answer["score"], answer["idempotency_key"]) == (10, link_key)
    assert await distribution(crm) == {"0": 1, "10": 1}


async def test_a_comment_alone_can_change_and_an_empty_one_removes_it(
    service: Service, crm: httpx.AsyncClient
) -> None:
    created = await issue(crm)
    await send(service.client, created["token"], 8, "Fine")
    await send(service.client, created["token"], 8, "Fine, but slow")
    [commented] = await exported(crm)
    await send(service.client, created["token"], 8, "   ")
    [uncommented] = await exported(crm)

    assert (commented["score"], commented["comment"]) == (8, "Fine, but slow")
    assert (uncommented["score"], uncommented["comment"]) == (8, None)
    assert await distribution(crm) == {"8": 1}


async def test_two_sends_of_one_token_at_once_on_two_workers_make_one_response(
    service: Service, crm: httpx.AsyncClient
) -> None:
    tokens = [(await issue(crm))["token"] for _ in range(5)]
    async with app_client(service.settings) as other_worker:
        for token in tokens:
            answers = await asyncio.gather(
                send(service.client, token, 2, "first"), send(other_worker, token, 8, "second")
            )
            assert [answer.status_code for answer in answers] == [200, 200]

    rows = await exported(crm)
    assert len(rows) == len(tokens)
    assert sorted(r["idempotency_key"] for r in rows) == sorted(
        f"email-link:{r['idempotency_key'].split(':', 1)[1]}" for r in rows
    )
    assert {(r["score"], r["comment"]) for r in rows} <= {(2, "first"), (8, "second")}
    expected: dict[str, int] = {}
    for row in rows:
        expected[str(row["score"])] = expected.get(str(row["score"]), 0) + 1
    assert await distribution(crm) == expected
    assert await counted_total(service.db) == len(tokens)


async def test_an_insert_that_loses_the_race_is_retried_as_an_update(
    service: Service, crm: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other worker's row lands between this one's lookup and its insert."""
    created = await issue(crm)
    await send(service.client, created["token"], 9, "first")
    real = repository.find_for_update
    lookups: list[tuple[str, str]] = []

    async def stale_once(connection: Any, key: tuple[str, str]) -> Any:
        lookups.append(key)
        return None if len(lookups) == 1 else await real(connection, key)

    monkeypatch.setattr(repository, "find_for_update", stale_once)
    answer = await send(service.client, created["token"], 5, "second")

    assert "Your answer has been updated." in assert_page(answer, 200, "en")
    assert len(lookups) == 2
    [row] = await exported(crm)
    assert (row["score"], row["comment"]) == (5, "second")
    assert await distribution(crm) == {"5": 1}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"comment": "no score"}, "Choose a score, then press Send."),
        ({"score": "11", "comment": "off the scale"}, "Choose a score, then press Send."),
        ({"score": "nine", "comment": "not a number"}, "Choose a score, then press Send."),
        ({"score": "9", "comment": "x" * 5001}, "Your comment is too long"),
    ],
)
async def test_a_send_that_cannot_be_recorded_shows_the_form_again_and_writes_nothing(
    service: Service, crm: httpx.AsyncClient, fields: dict[str, str], message: str
) -> None:
    created = await issue(crm)

    async with changes_nothing(service.db):
        answer = await service.client.post(
            f"/r/{created['token']}",
            data=fields,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    page = assert_page(answer, 422, "en")
    assert '<p class="error" role="alert">' + message in page
    assert fields["comment"][:50] in page  # what was typed is not lost


async def test_sends_are_rate_limited_per_ip_with_a_friendly_429(service: Service) -> None:
    key = await service.key(Scope.RESPONSES_WRITE)
    settings = service.settings.model_copy(update={"rate_limit_per_ip": "2/minute"})
    async with app_client(settings, key) as client:
        created = await issue(client)
        token = created["token"]
        allowed = [await send(client, token, score) for score in (9, 8)]
        refused = await client.post(
            f"/r/{token}",
            data={"score": "7"},
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "pl"},
        )
        opened = [await client.get(path(link["url"])) for link in created["links"]]

    assert [answer.status_code for answer in allowed] == [200, 200]
    assert heading(assert_page(refused, 429, "pl")) == "Zbyt wiele prób"
    assert int(refused.headers["retry-after"]) >= 1
    assert {answer.status_code for answer in opened} == {200}, "opening links is never limited"
    [row] = await exported_with(service, key)
    assert row["score"] == 8


async def exported_with(service: Service, key: str) -> list[dict[str, Any]]:
    async with await service.client_with(Scope.RESPONSES_READ) as reader:
        return await exported(reader)


# --- secrets and rotation ----------------------------------------------------------


async def test_a_link_signed_with_an_old_secret_works_until_the_secret_is_removed(
    service: Service,
) -> None:
    key = await service.key(Scope.RESPONSES_WRITE)
    before = with_secrets(service.settings, "secret-a")
    rotated = with_secrets(service.settings, "secret-b", "secret-a")
    removed = with_secrets(service.settings, "secret-b")
    async with app_client(before, key) as old_app:
        created = await issue(old_app)
    token = created["token"]

    async with app_client(rotated, key) as rotated_app:
        opened = await rotated_app.get(f"/r/{token}/6")
        recorded = await send(rotated_app, token, 6)
        resigned = await issue(rotated_app)
    async with app_client(removed, key) as new_app, changes_nothing(service.db):
        refused_open = await new_app.get(f"/r/{token}/5")
        refused_send = await send(new_app, token, 5)
        still_valid = await new_app.get(f"/r/{resigned['token']}/5")

    assert checked(assert_page(opened, 200, "en")) == [6]
    assert assert_page(recorded, 200, "en")
    assert assert_page(refused_open, 404, "en")
    assert assert_page(refused_send, 404, "en")
    assert checked(assert_page(still_valid, 200, "en")) == [5]
    [row] = await exported_with(service, key)
    assert row["score"] == 6


async def test_once_a_secret_is_set_links_signed_with_the_generated_one_stop_working(
    service: Service, crm: httpx.AsyncClient
) -> None:
    """A database dump holds the generated secret: it must not be enough to forge links."""
    created = await issue(crm)  # this service has no secret set: the generated one signs

    async with app_client(with_secrets(service.settings, "secret-a")) as configured:
        refused = await configured.get(path(created["links"][3]["url"]))

    assert_page(refused, 404, "en")


# --- scanners ------------------------------------------------------------------------


async def test_opening_every_score_of_a_link_at_once_is_logged_as_a_scanner(
    service: Service, crm: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    created = await issue(crm)

    with caplog.at_level(logging.INFO):
        async with changes_nothing(service.db):
            answers = [await service.client.get(path(link["url"])) for link in created["links"]]

    assert {answer.status_code for answer in answers} == {200}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.name for r in warnings] == ["touchpoint.email"]
    assert "likely a mail scanner" in warnings[0].getMessage()
    assert created["token_id"] in warnings[0].getMessage()
    ours = [r for r in caplog.records if r.name.startswith("touchpoint")]
    assert ours, "the access log saw the requests"
    assert all(created["token"] not in r.getMessage() for r in ours)


# --- outages -----------------------------------------------------------------------


async def test_an_unreachable_database_gets_a_friendly_503_page_that_may_be_retried(
    service: Service, crm: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await issue(crm)

    async def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("SELECT …", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(repository, "find_for_update", refuse)
    monkeypatch.setattr(email_service, "wording_for", refuse)
    polish = {"Accept-Language": "pl"}
    opened = await service.client.get(f"/r/{created['token']}/9", headers=polish)
    sent = await service.client.post(
        f"/r/{created['token']}", data={"score": "9"}, headers={**FORM, **polish}
    )

    for answer in (opened, sent):
        assert heading(assert_page(answer, 503, "pl")) == "Spróbuj ponownie za chwilę"
        assert answer.headers["retry-after"] == "5"
        assert "SELECT" not in answer.text
    monkeypatch.undo()
    assert await exported(crm) == []
