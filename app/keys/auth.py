"""Who is calling: the bearer key read once per request, and the scopes each alias requires."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.keys import service as keys_service
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from app.problems import Forbidden

_bearer = HTTPBearer(auto_error=False, description="An API key: `tp_sk_…`, `tp_pk_…` or `tp_kk_…`")


# Every dependency is `async def`: FastAPI runs plain functions in a worker thread.
async def _key_cache(request: Request) -> keys_service.KeyCache:
    cache: keys_service.KeyCache = request.app.state.key_cache
    return cache


KeyCacheDep = Annotated[keys_service.KeyCache, Depends(_key_cache)]


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
