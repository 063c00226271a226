"""A bug answers 500 problem+json and is logged once, with its route template.

A database outage is no bug: it answers 503 and goes to the outage log (app/outages.py).

Starlette's own last-resort handler re-raises after answering, so the server logs the
exception a second time with its message, which may quote request data. Catching it
here, inside that handler, answers and logs exactly once.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import outages
from app.db import outage_cause
from app.operations.access_log import route_template
from app.problems import ProblemError, problem_response

logger = logging.getLogger("touchpoint.errors")


class UnexpectedErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # The client hung up before its body arrived: nothing was written, nobody is
            # left to answer, and it is not a bug of ours.
            logger.info("client disconnected during %s %s", scope["method"], route_template(scope))
        except Exception as error:
            cause = outage_cause(error)
            if cause is not None:  # met outside the routes' handlers (app/main.py)
                scope["app"].state.db.outages.met(cause)
                if not started:
                    await problem_response(outages.unavailable())(scope, receive, send)
                return
            logger.error(
                "unhandled error on %s %s", scope["method"], route_template(scope), exc_info=error
            )
            if not started:  # once a response has begun, all we can do is close it
                problem = ProblemError("An unexpected error happened; it has been logged.")
                await problem_response(problem)(scope, receive, send)
