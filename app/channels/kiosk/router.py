"""HTTP for the store kiosk: the page (`GET /kiosk`), its files (`GET /kiosk/{asset}`) and
the setup check its script makes with the kiosk key (`GET /v1/kiosk/setup`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from app.channels.kiosk import pages, service
from app.channels.kiosk.assets import SERVICE_WORKER, Asset, bundle
from app.channels.kiosk.config import SLUGS, TIMINGS
from app.channels.kiosk.schemas import KioskSetupRead
from app.deps import DatabaseDep, ResponsesWriter, json_response
from app.fields import SLUG_PATTERN, Slug
from app.http_caching import accepts_gzip, not_modified
from app.problems import (
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
    problem_responses,
)
from app.routing import StrictQueryRoute, tolerates_unknown_query
from app.scoring.metrics import Metric
from app.surveys.wording import SUPPORTED_LOCALES

router = APIRouter(tags=["kiosk"], route_class=StrictQueryRoute)

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_HEADERS = SECURITY_HEADERS | {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Frame-Options": "DENY",
    # Revalidated on every load; offline, the service worker answers with its copy.
    "Cache-Control": "no-cache",
    "Vary": "Accept-Language",
}
# A service worker's own policy comes from its script's headers: fetch only this origin.
WORKER_HEADERS = {
    "Service-Worker-Allowed": "/kiosk",
    "Content-Security-Policy": "default-src 'none'; connect-src 'self'",
}
IMMUTABLE = "public, max-age=31536000, immutable"


def _page_description() -> str:
    meanings = {
        "reset": "how long the thank-you shows",
        "guard": "how long taps on the question are ignored after an answer",
        "idle": "how long the comment step waits for input",
    }
    timings = "\n".join(
        f"| `{name}` | seconds, {t.low:g}–{t.high:g}, default {t.default:g}: {meanings[name]} |"
        for name, t in TIMINGS.items()
    )
    return (
        "Configured by its query string; the kiosk key goes in the fragment "
        "(`#key=tp_kk_…`), which browsers never send; the page stores it and removes it "
        "from the address and the history. When it loads, the page checks its setup with "
        "`GET /v1/kiosk/setup` and shows staff a setup error instead of the question when "
        "the key would refuse its answers. Answers are kept in the tablet's IndexedDB and "
        "sent with `POST /v1/responses/batch`. See docs/kiosk.md.\n\n"
        "| parameter | value |\n|---|---|\n"
        "| `metric` | required: `nps`, `ces` or `csat` |\n"
        "| `survey` | slug, default `default` |\n"
        "| `touchpoint` | slug |\n"
        "| `location` | slug; a key bound to a location must agree |\n"
        "| `locale` | `en`, `pl` or `et` (default: the browser's language) |\n"
        f"{timings}\n\n"
        "A wrong or unknown parameter is answered 400 with an HTML page for staff that "
        "names each one (not problem+json: a person reads it on the tablet)."
    )


def _any_case(word: str) -> str:
    return "".join(f"[{letter.lower()}{letter.upper()}]" for letter in word)


def _page_parameters() -> list[dict[str, Any]]:
    """The parameters config.parse() accepts, each exactly: what fits is a page, else a 400."""
    locales = "|".join(_any_case(locale) for locale in SUPPORTED_LOCALES)
    string = {"type": "string"}
    parameters: list[dict[str, Any]] = [
        {
            "name": "metric",
            "in": "query",
            "required": True,
            "schema": {"type": "string", "enum": [metric.value for metric in Metric]},
        }
    ]
    parameters += [
        {"name": name, "in": "query", "schema": string | {"pattern": SLUG_PATTERN}}
        for name in SLUGS
    ]
    locale = string | {"pattern": rf"^({locales})(-[A-Za-z0-9]{{1,8}}){{0,3}}$"}
    parameters.append({"name": "locale", "in": "query", "schema": locale})
    parameters += [
        {"name": name, "in": "query", "schema": string | {"pattern": timing.pattern}}
        for name, timing in TIMINGS.items()
    ]
    return parameters


STAFF_PAGE = {"text/html": {"schema": {"type": "string"}}}


@router.get(
    "/kiosk",
    response_class=HTMLResponse,
    summary="The full-screen kiosk page for a store tablet",
    description=_page_description(),
    openapi_extra={"parameters": _page_parameters()},
    responses={
        400: {
            "description": "A wrong, repeated or unknown parameter: a page for staff naming each",
            "content": STAFF_PAGE,
        },
        503: {
            "description": "The database cannot be reached: a page for staff that tries again "
            "by itself (`Retry-After`); a tablet that stored the page shows that copy instead",
            "content": STAFF_PAGE,
        },
    },
)
@tolerates_unknown_query  # config.parse() judges every name, on a page staff can read
async def kiosk_page(request: Request, db: DatabaseDep) -> Response:
    rendered = await service.page(
        db, request.query_params.multi_items(), request.headers.get("accept-language")
    )
    headers = PAGE_HEADERS
    if rendered.status == 503:
        headers = PAGE_HEADERS | {"Retry-After": str(pages.UNAVAILABLE_RETRY_SECONDS)}
    return HTMLResponse(rendered.html, rendered.status, headers)


@router.get(
    "/kiosk/{asset}",
    summary="A file of the kiosk page: script, styles, service worker, manifest, icon",
    description=(
        "With an ETag (`If-None-Match` answers 304) and gzip when accepted. Cached for "
        "a year when `v` is the current version, which the page's own URLs carry."
    ),
    responses={
        200: {
            "description": "The file",
            "content": {
                media: {"schema": {"type": "string"}}
                for media in (
                    "text/javascript",
                    "text/css",
                    "application/manifest+json",
                    "image/svg+xml",
                )
            },
        },
        304: {"description": "Not modified"},
        **problem_responses(NotFound),
    },
)
async def kiosk_asset(
    asset: str,
    request: Request,
    v: Annotated[str | None, Query(max_length=64, description="The version")] = None,
) -> Response:
    found = bundle().assets.get(asset)
    if found is None:
        raise NotFound("The kiosk has no such file.")
    gzipped = accepts_gzip(request.headers.get("accept-encoding"))
    etag = found.etag_for(gzipped)
    headers = SECURITY_HEADERS | {
        "ETag": etag,
        "Cache-Control": _cache_control(found, v),
        "Vary": "Accept-Encoding",
    }
    if asset == SERVICE_WORKER:
        headers |= WORKER_HEADERS
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    body = found.gzipped if gzipped else found.body
    return Response(body, media_type=found.media_type, headers=headers)


def _cache_control(asset: Asset, version: str | None) -> str:
    # The worker script is checked on every visit: that is how tablets learn of a deploy.
    if asset.name != SERVICE_WORKER and version == bundle().version:
        return IMMUTABLE
    return "no-cache"


@router.get(
    "/v1/kiosk/setup",
    response_model=KioskSetupRead,
    summary="Check a kiosk's setup: may its key record answers so configured?",
    description=(
        "The kiosk page calls this when it loads (and again when it is back online, if it "
        "could not), with its key and the `survey`, `touchpoint` and `location` of its "
        "address, and shows staff a setup error instead of the question when it is refused. "
        "Kiosk keys only. 200 says how its answers will be recorded; 422 names the field "
        "that ingest would refuse (`location`, for a key bound to another one); 401 for an "
        "unknown or revoked key; 403 for a key that is not a kiosk key. Records nothing."
    ),
    responses=problem_responses(Unauthenticated, Forbidden, ValidationFailed),
)
async def kiosk_setup(
    caller: ResponsesWriter,
    survey: Annotated[Slug, Query(description="The survey of the kiosk's address")] = "default",
    touchpoint: Annotated[Slug | None, Query(description="Its touchpoint")] = None,
    location: Annotated[Slug | None, Query(description="Its location")] = None,
) -> Response:
    checked = service.setup(caller, survey, touchpoint, location)
    return json_response(checked.model_dump(), headers={"Cache-Control": "no-store"})
