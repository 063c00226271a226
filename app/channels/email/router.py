"""HTTP for email links: the API that issues them and the pages behind them.

The pages are for customers, not programs: every outcome is a friendly HTML page in the
customer's language (never problem+json, never a stack trace), none is cached, indexed
or given a referrer, and none runs script. They are not in openapi.yaml for that reason;
docs/email-links.md describes them.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Request
from starlette.responses import HTMLResponse, Response

from app.channels.email import pages, service
from app.channels.email.schemas import EmailLinkCreate, EmailLinkCreated
from app.channels.email.service import EmailLinks, FormInvalid, Landing, ScoreNotOnScale
from app.channels.email.texts import texts_for
from app.channels.email.tokens import TokenExpired, TokenInvalid
from app.db import OUTAGE_CARRIERS, outage_cause
from app.deps import IngestDep, ResponsesWriter, SettingsDep, json_response
from app.operations.rate_limits import RateLimit
from app.problems import (
    Forbidden,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
    problem_responses,
)
from app.responses.service import Ingest
from app.routing import StrictQueryRoute, tolerates_unknown_query
from app.surveys.wording import pick_locale

router = APIRouter(route_class=StrictQueryRoute)
_FORM_FIELDS = 10


async def _email_links(request: Request) -> EmailLinks:
    links: EmailLinks = request.app.state.email_links
    return links


EmailLinksDep = Annotated[EmailLinks, Depends(_email_links)]
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]


@router.post(
    "/v1/email-links",
    tags=["email links"],
    response_model=EmailLinkCreated,
    summary="Signed one-click links for one respondent's answer, with an email block",
    description=(
        "Returns a signed token, one link per score of the metric's scale, a ready-to-paste "
        "HTML block (tables and inline styles, for Outlook and Gmail) and a plain-text "
        "fallback. Opening a link records nothing: it shows a page with that score chosen "
        "and a comment box, and the answer is recorded when the customer presses Send. "
        "Links are made on `TOUCHPOINT_PUBLIC_URL`, else on the address of this request. "
        "Secret keys only."
    ),
    responses=problem_responses(Unauthenticated, Forbidden, ValidationFailed),
)
async def create_email_links(
    body: EmailLinkCreate,
    caller: ResponsesWriter,
    ingest: IngestDep,
    links: EmailLinksDep,
    settings: SettingsDep,
    request: Request,
) -> Response:
    base_url = settings.public_url or str(request.base_url)
    created = await service.create(links, ingest, caller, body, base_url)
    return json_response(created.model_dump(mode="json"))


# Mail systems append tracking parameters (utm_*) to links: a customer never sees a 422.
@router.api_route("/r/{token}/{score}", methods=["GET", "HEAD"], include_in_schema=False)
@tolerates_unknown_query
async def open_score_link(
    token: str,
    score: str,
    request: Request,
    links: EmailLinksDep,
    ingest: IngestDep,
    accept_language: AcceptLanguage = None,
) -> Response:
    return await _confirm(request, links, ingest, token, score, accept_language)


@router.api_route("/r/{token}", methods=["GET", "HEAD"], include_in_schema=False)
@tolerates_unknown_query
async def open_link(
    token: str,
    request: Request,
    links: EmailLinksDep,
    ingest: IngestDep,
    accept_language: AcceptLanguage = None,
) -> Response:
    return await _confirm(request, links, ingest, token, None, accept_language)


@router.post("/r/{token}", include_in_schema=False)
@tolerates_unknown_query
async def send_answer(
    token: str,
    request: Request,
    links: EmailLinksDep,
    ingest: IngestDep,
    accept_language: AcceptLanguage = None,
) -> Response:
    limit: RateLimit = request.app.state.ip_limit
    try:
        await limit.hit(request.client.host if request.client else "unknown")
    except TooManyRequests as problem:
        locale = pick_locale(accept_language)
        texts = texts_for(locale)
        page = pages.notice_page(locale, texts.too_many_title, texts.too_many_body)
        return _html(page, 429, locale, problem.headers)
    form = _form(await request.body())
    try:
        sent = await service.send(links, ingest, token, form, accept_language)
    except (TokenInvalid, TokenExpired) as rejected:
        return _rejected(rejected, accept_language)
    except FormInvalid as invalid:
        return _form_page(request, token, invalid.landing, invalid.score, invalid.comment, invalid)
    except OUTAGE_CARRIERS as error:
        return _unavailable(ingest, error, accept_language)
    page = pages.thanks_page(
        sent.landing.wording,
        sent.landing.texts,
        _action(request, token),
        sent.landing.scale,
        sent.score,
        sent.comment,
        sent.changed,
    )
    return _html(page, 200, sent.landing.locale)


async def _confirm(
    request: Request,
    links: EmailLinks,
    ingest: Ingest,
    token: str,
    score: str | None,
    accept_language: str | None,
) -> Response:
    try:
        landing, selected = await service.open_link(links, ingest.db, token, score, accept_language)
    except (TokenInvalid, TokenExpired) as rejected:
        return _rejected(rejected, accept_language)
    except ScoreNotOnScale as wrong:
        texts = wrong.landing.texts
        page = pages.notice_page(wrong.landing.locale, texts.invalid_title, texts.invalid_body)
        return _html(page, 404, wrong.landing.locale)
    except OUTAGE_CARRIERS as error:
        return _unavailable(ingest, error, accept_language)
    return _form_page(request, token, landing, selected, "", None)


def _form_page(
    request: Request,
    token: str,
    landing: Landing,
    selected: int | None,
    comment: str,
    invalid: FormInvalid | None,
) -> Response:
    page = pages.confirm_page(
        landing.wording,
        landing.texts,
        _action(request, token),
        landing.scale,
        selected,
        comment,
        invalid.message if invalid else None,
    )
    return _html(page, 422 if invalid else 200, landing.locale)


def _rejected(rejected: TokenInvalid | TokenExpired, accept_language: str | None) -> Response:
    """Expired: 410 in the customer's language. Anything else: one 404 that says nothing."""
    if isinstance(rejected, TokenExpired):
        locale = pick_locale(rejected.claims.locale, accept_language)
        texts = texts_for(locale)
        page = pages.notice_page(locale, texts.expired_title, texts.expired_body)
        return _html(page, 410, locale)
    locale = pick_locale(accept_language)
    texts = texts_for(locale)
    return _html(pages.notice_page(locale, texts.invalid_title, texts.invalid_body), 404, locale)


def _unavailable(ingest: Ingest, error: Exception, accept_language: str | None) -> Response:
    """The database cannot be reached: a page the customer can act on, not problem+json."""
    cause = outage_cause(error)
    if cause is None:
        raise error
    ingest.db.outages.met(cause)
    locale = pick_locale(accept_language)
    texts = texts_for(locale)
    page = pages.notice_page(locale, texts.unavailable_title, texts.unavailable_body)
    return _html(page, 503, locale, {"Retry-After": "5"})


def _action(request: Request, token: str) -> str:
    return f"{request.scope.get('root_path', '')}/r/{token}"


def _form(raw: bytes) -> dict[str, str]:
    """The Send form (urlencoded, as every browser posts it); first value of each field."""
    try:
        pairs = parse_qsl(
            raw.decode("utf-8", errors="replace"),
            keep_blank_values=True,
            max_num_fields=_FORM_FIELDS,
        )
    except ValueError:  # more fields than the form has: not our form
        return {}
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def _html(page: str, status: int, locale: str, extra: dict[str, str] | None = None) -> HTMLResponse:
    headers = pages.headers() | {"Content-Language": locale, "Vary": "Accept-Language"}
    return HTMLResponse(page, status, headers | (extra or {}))
