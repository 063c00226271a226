"""One line per request: method, route template, status, time. Never keys, tokens or ids.

The route template (``/v1/respondents/{respondent}``) is logged instead of the path, so
respondent ids and link tokens in paths never reach the log; query strings are not logged.

A client that hangs up before its answer began is logged as 499 (nginx's "client closed
request"): nobody got an answer, and it is not an error of the service, whatever the app
tried to send after it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("touchpoint.access")
CLIENT_CLOSED_REQUEST = 499


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        responded = False

        async def receive_and_remember() -> Message:
            nonlocal status
            message = await receive()
            if message["type"] == "http.disconnect" and not responded:
                status = CLIENT_CLOSED_REQUEST
            return message

        async def send_and_remember(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start" and status != CLIENT_CLOSED_REQUEST:
                status = message["status"]
                responded = True
            await send(message)

        try:
            await self.app(scope, receive_and_remember, send_and_remember)
        finally:
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s %s %d %.1fms",
                    scope["method"],
                    route_template(scope),
                    status,
                    (time.perf_counter() - started) * 1000,
                )


def route_template(scope: Scope) -> str:
    """``/v1/respondents/{respondent}``, as openapi.yaml names it (no ``:path`` converters)."""
    route: Any = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else "(no route)"
