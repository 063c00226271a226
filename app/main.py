"""The application factory. Importing this module builds nothing and reads no environment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from app import __version__, outages, schema
from app.api_docs.router import router as api_docs_router
from app.channels.email import service as email_service
from app.channels.email.router import router as email_router
from app.channels.kiosk.router import router as kiosk_router
from app.channels.widget.cors import WidgetCorsMiddleware
from app.channels.widget.router import router as widget_router
from app.config import Settings, get_settings
from app.db import OUTAGE_CARRIERS, Database, outage_cause
from app.instance.service import stored_secret
from app.keys import service as keys_service
from app.keys.router import router as keys_router
from app.operations.access_log import AccessLogMiddleware
from app.operations.body_limit import BodySizeLimitMiddleware
from app.operations.rate_limits import RateLimit
from app.operations.router import router as operations_router
from app.operations.unexpected_errors import UnexpectedErrorMiddleware
from app.problems import add_problem_schema, install_problem_handlers, problem_response
from app.respondents import service as respondents_service
from app.respondents.router import router as respondents_router
from app.responses import export_cursors
from app.responses.followup import SECRET_NAME as FOLLOWUP_SECRET
from app.responses.followup import FollowupTokens
from app.responses.router import router as responses_router
from app.responses.service import Ingest
from app.responses.writer import GroupCommitWriter
from app.scores.router import router as scores_router
from app.surveys.router import router as surveys_router


class NotMigrated(RuntimeError):
    pass


def create_app(settings: Settings | None = None) -> FastAPI:
    active = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database.connect(active)
        try:
            if await schema.current_revision(db) != schema.head_revision():
                raise NotMigrated("the database is not migrated: run `touchpoint migrate`")
            writer = GroupCommitWriter(db, active.max_group_rows)
            hasher = await respondents_service.load_hasher(db, active)
            app.state.settings = active
            app.state.db = db
            app.state.key_cache = keys_service.KeyCache(active.key_cache_seconds)
            followups = FollowupTokens(await stored_secret(db, FOLLOWUP_SECRET))
            app.state.ingest = Ingest(db, writer, hasher, followups)
            app.state.email_links = await email_service.load(db, active)
            app.state.export_cursors = await export_cursors.load(db, active)
            writer.start()
            try:
                yield
            finally:
                await writer.close()
        finally:
            await db.dispose()

    app = FastAPI(
        title="Touchpoint",
        version=__version__,
        summary="Collects NPS, CES and CSAT answers and serves rolling scores people can trust.",
        lifespan=lifespan,
        docs_url=None,  # served by app/api_docs with local files, not a CDN
        redoc_url=None,
    )
    # In memory, built here rather than in lifespan: they need no I/O (see rate_limits.py).
    app.state.ip_limit = RateLimit("ip", active.rate_limit_per_ip)
    app.state.key_limit = RateLimit("key", active.rate_limit_per_key)
    install_problem_handlers(app)
    _answer_database_outages(app)
    _document_problems(app)
    app.include_router(responses_router)
    app.include_router(scores_router)
    app.include_router(respondents_router)
    app.include_router(keys_router)
    app.include_router(surveys_router)
    app.include_router(operations_router)
    app.include_router(widget_router)
    app.include_router(email_router)
    app.include_router(kiosk_router)
    app.include_router(api_docs_router)
    if active.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=active.cors_origins,
            allow_methods=["GET"],
            allow_headers=["Authorization"],
            allow_credentials=False,
        )
    # Outside the dashboards' CORS: the widget's routes answer publishable keys' origins.
    app.add_middleware(
        WidgetCorsMiddleware,
        ttl_seconds=active.key_cache_seconds,
        dashboard_origins=active.cors_origins,
    )
    app.add_middleware(UnexpectedErrorMiddleware)  # innermost: see its docstring
    app.add_middleware(BodySizeLimitMiddleware)
    app.add_middleware(AccessLogMiddleware)
    return app


def _answer_database_outages(app: FastAPI) -> None:
    """A database that cannot be reached is a 503 the client may retry, not a bug.

    Answered here, inside the middlewares, so that the widget's CORS headers reach the
    browser with it; anything else these types carry goes on to UnexpectedErrorMiddleware.
    """

    async def unavailable(request: Request, exc: Exception) -> Response:
        cause = outage_cause(exc)
        if cause is None:
            raise exc
        db: Database = request.app.state.db
        db.outages.met(cause)
        return problem_response(outages.unavailable())

    for error in OUTAGE_CARRIERS:
        app.add_exception_handler(error, unavailable)


def _document_problems(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_schema(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
