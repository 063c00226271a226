"""The shared dependencies, each named once and used as a parameter type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import Response

from app.config import Settings
from app.db import Database
from app.dimensions.filters import ResponseFilter
from app.fields import Slug
from app.keys import service as keys_service
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from app.problems import Forbidden
from app.responses.export_cursors import CursorSigner
from app.responses.schemas import Channel
from app.responses.service import Ingest

_bearer = HTTPBearer(auto_error=False, description="An API key: `tp_sk_…`, `tp_pk_…` or `tp_kk_…`")


# Every dependency is `async def`: FastAPI runs plain functions in a worker thread.
async def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _ingest(request: Request) -> Ingest:
    ingest: Ingest = request.app.state.ingest
    return ingest


async def _export_cursors(request: Request) -> CursorSigner:
    cursors: CursorSigner = request.app.state.export_cursors
    return cursors


async def _key_cache(request: Request) -> keys_service.KeyCache:
    cache: keys_service.KeyCache = request.app.state.key_cache
    return cache


DatabaseDep = Annotated[Database, Depends(_database)]
KeyCacheDep = Annotated[keys_service.KeyCache, Depends(_key_cache)]
SettingsDep = Annotated[Settings, Depends(_settings)]
IngestDep = Annotated[Ingest, Depends(_ingest)]
ExportCursorsDep = Annotated[CursorSigner, Depends(_export_cursors)]


async def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> keys_service.Principal:
    token = credentials.credentials if credentials else None
    principal = await keys_service.authenticate(
        request.app.state.db, request.app.state.key_cache, token
    )
    if principal.kind is KeyKind.PUBLISHABLE:
        origin = request.headers.get("origin")
        if origin not in principal.allowed_origins:
            raise Forbidden("This publishable key is not allowed from this origin.")
        await _limit_publishable(request, principal)
    return principal


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _limit_publishable(request: Request, principal: keys_service.Principal) -> None:
    """Publishable keys sit in public pages: per-IP and per-key limits stop ballot stuffing."""
    await request.app.state.ip_limit.hit(_client_ip(request))
    await request.app.state.key_limit.hit(principal.key_id)


async def _optional_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> keys_service.Principal | None:
    """A caller who may prove itself another way (a follow-up token) need not send a key."""
    if credentials is None and "authorization" not in request.headers:
        # A public page patching its comment with a follow-up token: limited per IP.
        await request.app.state.ip_limit.hit(_client_ip(request))
        return None
    return await _principal(request, credentials)


def requires(scope: Scope) -> Callable[..., Awaitable[keys_service.Principal]]:
    async def check(
        principal: Annotated[keys_service.Principal, Depends(_principal)],
    ) -> keys_service.Principal:
        principal.require(scope)
        return principal

    return check


ResponsesWriter = Annotated[keys_service.Principal, Depends(requires(Scope.RESPONSES_WRITE))]
OptionalCaller = Annotated[keys_service.Principal | None, Depends(_optional_principal)]
ResponsesReader = Annotated[keys_service.Principal, Depends(requires(Scope.RESPONSES_READ))]
ScoresReader = Annotated[keys_service.Principal, Depends(requires(Scope.SCORES_READ))]
Admin = Annotated[keys_service.Principal, Depends(requires(Scope.ADMIN))]


def json_response(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(content),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


SlugQuery = Annotated[
    list[Slug] | None,
    Query(description="Repeat to match any of several values", max_length=100),
]


ChannelQuery = Annotated[list[Channel] | None, Query(max_length=5)]


@dataclass(frozen=True)
class DimensionParams:
    """The dimension filters every listing and score endpoint takes."""

    survey: tuple[str, ...]
    touchpoint: tuple[str, ...]
    channel: tuple[str, ...]
    location: tuple[str, ...]

    def to_filter(
        self, metric: str | None, since: datetime | None, until: datetime | None
    ) -> ResponseFilter:
        return ResponseFilter(
            metric=metric,
            surveys=self.survey,
            touchpoints=self.touchpoint,
            channels=self.channel,
            locations=self.location,
            since=since,
            until=until,
        )


# An async function, not the class itself: FastAPI runs plain callables in a thread pool.
async def _dimensions(
    survey: SlugQuery = None,
    touchpoint: SlugQuery = None,
    channel: ChannelQuery = None,
    location: SlugQuery = None,
) -> DimensionParams:
    return DimensionParams(
        survey=tuple(survey or ()),
        touchpoint=tuple(touchpoint or ()),
        channel=tuple(value.value for value in channel or ()),
        location=tuple(location or ()),
    )


Dimensions = Annotated[DimensionParams, Depends(_dimensions)]
