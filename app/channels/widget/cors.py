"""CORS for the widget: the few routes it calls, from the origins publishable keys allow.

CHANNELS.md §1: reflect only allow-listed origins, exactly (scheme, host, port), with
`Vary: Origin`; never `*`, never `null`. A preflight carries no key, so it passes when
the origin is on the list of *some* active publishable key; the actual request is then
checked against its own key's list (app/keys/auth.py), so a shop's key cannot be used from
another shop's pages. Everything else goes on to the operator's own CORS settings
(`TOUCHPOINT_CORS_ORIGINS`, for dashboards reading scores), untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import outages
from app.channels.widget.errors import OriginNotAllowed
from app.channels.widget.origins import PublishableOrigins
from app.db import OUTAGE_CARRIERS, Database, outage_cause
from app.problems import ServiceUnavailable, problem_response

# What the widget calls, and with which method.
WIDGET_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/v1/responses$"), "POST"),
    (re.compile(r"^/v1/responses/[^/]+$"), "PATCH"),
    (re.compile(r"^/v1/surveys/[^/]+/wording$"), "GET"),
)
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")
# What the widget reads: when to retry, and whether a retry was a replay.
EXPOSED_HEADERS = "Retry-After, Idempotent-Replayed, Location"
PREFLIGHT_MAX_AGE = "600"
_ALLOWED_LOWER = frozenset(name.lower() for name in ALLOWED_HEADERS)


def widget_method(path: str) -> str | None:
    """The method the widget uses on `path`, or None if the widget never calls it."""
    for pattern, method in WIDGET_ROUTES:
        if pattern.match(path):
            return method
    return None


class WidgetCorsMiddleware:
    def __init__(
        self, app: ASGIApp, *, ttl_seconds: float, dashboard_origins: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.origins = PublishableOrigins(ttl_seconds)
        self.dashboard_origins = frozenset(dashboard_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = widget_method(scope["path"]) if scope["type"] == "http" else None
        if method is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in headers
        if preflight:
            await self._preflight(scope, receive, send, method, headers)
            return
        allowed = origin is not None and await self._allows(scope, origin, on_outage=False)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                if allowed and origin is not None and scope["method"] == method:
                    _drop_cors_headers(response_headers)  # the dashboards' middleware's
                    response_headers["Access-Control-Allow-Origin"] = origin
                    response_headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
                response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(
        self, scope: Scope, receive: Receive, send: Send, method: str, headers: Headers
    ) -> None:
        origin = headers.get("origin")
        try:
            allowed = await self._allows(scope, origin, on_outage=True)
        except ServiceUnavailable as problem:
            await _with_vary(problem_response(problem))(scope, receive, send)
            return
        requested = headers["access-control-request-method"]
        if not allowed and origin in self.dashboard_origins and requested == "GET":
            await self.app(scope, receive, send)  # dashboards may read (app/main.py)
            return
        asked = {
            name.strip().lower()
            for name in headers.get("access-control-request-headers", "").split(",")
            if name.strip()
        }
        if not allowed or requested != method or not asked <= _ALLOWED_LOWER:
            refusal = _refusal(allowed, method, requested, asked)
            await _with_vary(problem_response(refusal))(scope, receive, send)
            return
        assert origin is not None
        response = Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": method,
                "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                "Vary": "Origin",
            },
        )
        await response(scope, receive, send)

    async def _allows(self, scope: Scope, origin: str | None, *, on_outage: bool) -> bool:
        db: Database = scope["app"].state.db
        try:
            return await self.origins.allows(db, origin)
        except OUTAGE_CARRIERS as error:
            cause = outage_cause(error)
            if cause is None:
                raise
            if on_outage:
                db.outages.met(cause)
                raise outages.unavailable() from error
            return False  # the request itself will meet the outage and answer 503


def _refusal(allowed: bool, method: str, requested: str, asked: set[str]) -> OriginNotAllowed:
    if not allowed:
        return OriginNotAllowed(
            "No publishable key allows this origin; add it with "
            "`touchpoint keys create --kind publishable --origin …`."
        )
    if requested != method:
        return OriginNotAllowed(f"Browsers may only {method} this path.")
    extra = ", ".join(sorted(asked - _ALLOWED_LOWER))
    return OriginNotAllowed(f"Headers not allowed from a browser: {extra}.")


def _drop_cors_headers(headers: MutableHeaders) -> None:
    for name in {key for key in headers if key.startswith("access-control-")}:
        del headers[name]


def _with_vary(response: Response) -> Response:
    response.headers.add_vary_header("Origin")
    return response
