"""Creating, listing, revoking and checking API keys."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from app.db import Database
from app.keys import repository
from app.keys.errors import KeyNotFound
from app.keys.models import ApiKey
from app.keys.schemas import KeyCreate, KeyCreated, KeyRead
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind, hash_key, matches, new_key, parse_key
from app.problems import (
    FieldError,
    Forbidden,
    Unauthenticated,
    ValidationFailed,
    validation_problem,
)

if TYPE_CHECKING:  # a type only: SQL is built in repository.py
    from sqlalchemy.ext.asyncio import AsyncSession

LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the facts of a valid, unrevoked key."""

    key_id: str
    kind: KeyKind
    scopes: frozenset[str]
    # Where this key's idempotency keys live: shared with the keys it replaced or that replace it.
    idempotency_namespace: str
    allowed_origins: tuple[str, ...] = ()
    location: str | None = None

    def require_secret(self) -> None:
        if self.kind is not KeyKind.SECRET:
            raise Forbidden("Only a secret key may do this.")

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes:
            raise Forbidden(f"This key lacks the `{scope}` scope.")


@dataclass
class _Cached:
    key: ApiKey | None
    fetched: float


@dataclass
class KeyCache:
    """Per-process cache of key rows, so a request needs no database trip to authenticate.

    Revocations made by this process apply at once; those made by another worker apply
    within ``ttl_seconds``.
    """

    ttl_seconds: float
    entries: dict[str, _Cached] = field(default_factory=dict)
    # When this process last wrote each key's last_used_at: once a minute per key at most.
    recorded: dict[str, datetime] = field(default_factory=dict)
    # Loads under way: when an entry expires, concurrent requests share one database read.
    loading: dict[str, asyncio.Future[ApiKey | None]] = field(default_factory=dict)

    def get(self, key_id: str) -> _Cached | None:
        entry = self.entries.get(key_id)
        if entry and time.monotonic() - entry.fetched <= self.ttl_seconds:
            return entry
        return None

    def put(self, key_id: str, key: ApiKey | None) -> None:
        if len(self.entries) > 10_000:  # bounded even under a spray of random key ids
            self.entries.clear()
        self.entries[key_id] = _Cached(key, time.monotonic())

    def forget(self, key_id: str) -> None:
        self.entries.pop(key_id, None)


async def authenticate(db: Database, cache: KeyCache, token: str | None) -> Principal:
    if not token:
        raise Unauthenticated("Send `Authorization: Bearer <key>`.")
    parsed = parse_key(token)
    if parsed is None:
        raise Unauthenticated("The API key is not valid.")
    key = await _load(db, cache, parsed.key_id)
    if key is None or key.kind != parsed.kind or not matches(token, key.key_hash):
        raise Unauthenticated("The API key is not valid.")
    if key.revoked_at is not None:
        raise Unauthenticated("The API key has been revoked.")
    await _record_use(db, cache, key.id)
    return Principal(
        key_id=key.id,
        kind=KeyKind(key.kind),
        scopes=frozenset(key.scopes),
        idempotency_namespace=key.idempotency_namespace,
        allowed_origins=tuple(key.allowed_origins),
        location=key.location,
    )


async def _load(db: Database, cache: KeyCache, key_id: str) -> ApiKey | None:
    cached = cache.get(key_id)
    if cached is not None:
        return cached.key
    shared = cache.loading.get(key_id)
    if shared is not None:
        try:
            return await asyncio.shield(shared)
        except _SharedLoadFailed:
            pass  # the request that was loading failed; load for ourselves
    shared = cache.loading[key_id] = asyncio.get_running_loop().create_future()
    try:
        async with db.readers() as session:
            key = await repository.get(session, key_id)
    except BaseException:
        shared.set_exception(_SharedLoadFailed())
        shared.exception()  # marked as retrieved: no warning when nobody was waiting
        raise
    finally:
        cache.loading.pop(key_id, None)
    cache.put(key_id, key)
    shared.set_result(key)
    return key


class _SharedLoadFailed(Exception):
    pass


async def _record_use(db: Database, cache: KeyCache, key_id: str) -> None:
    now = datetime.now(UTC)
    last = cache.recorded.get(key_id)
    if last is not None and now - last < LAST_USED_PRECISION:
        return
    cache.recorded[key_id] = now  # before the write: concurrent requests do not all write
    async with db.writers() as session, session.begin():
        await repository.touch(session, key_id, now)


async def publishable_origins(db: Database) -> frozenset[str]:
    """Every origin some active publishable key allows (what a CORS preflight may pass)."""
    async with db.readers() as session:
        lists = await repository.publishable_origin_lists(session)
    return frozenset(origin for origins in lists for origin in origins)


async def create(db: Database, request: KeyCreate) -> KeyCreated:
    async with db.writers() as session, session.begin():
        if request.replaces is None:
            return await _add_key(session, request)
        replaced = await repository.get(session, request.replaces)
        if replaced is None:
            raise _rejected("replaces", f"no key has the id {request.replaces!r}")
        return await _add_replacement(session, request, replaced)


async def rotate(db: Database, key_id: str) -> KeyCreated:
    """A new key like ``key_id`` in every way, in its idempotency namespace; both work."""
    async with db.writers() as session, session.begin():
        replaced = await repository.get(session, key_id)
        if replaced is None:
            raise KeyNotFound(f"No key has the id {key_id!r}.")
        request = KeyCreate(name=replaced.name, replaces=replaced.id)
        return await _add_replacement(session, request, replaced)


async def _add_replacement(
    session: AsyncSession, request: KeyCreate, replaced: ApiKey
) -> KeyCreated:
    """What the request does not say comes from the replaced key; the kind cannot change,
    so a page's publishable key can never replay (and so read) a POS's answers."""
    given = request.model_fields_set - {"replaces"}
    if "kind" in given and request.kind != replaced.kind:
        raise _rejected(
            "kind", f"the key it replaces is a {replaced.kind} key, and so must its replacement be"
        )
    inherited = {
        "kind": replaced.kind,
        "scopes": replaced.scopes,
        "allowed_origins": replaced.allowed_origins,
        "location": replaced.location,
    }
    try:
        complete = KeyCreate.model_validate({**inherited, **request.model_dump(include=given)})
    except ValidationError as error:
        raise validation_problem(error) from error
    return await _add_key(
        session, complete, namespace=replaced.idempotency_namespace, replaces=replaced.id
    )


def _rejected(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("See `errors` for what to fix.", errors=[FieldError(field, message)])


async def _add_key(
    session: AsyncSession,
    request: KeyCreate,
    *,
    namespace: str | None = None,
    replaces: str | None = None,
) -> KeyCreated:
    key_id, token = new_key(request.kind)
    record = ApiKey(
        id=key_id,
        kind=request.kind.value,
        name=request.name,
        key_hash=hash_key(token),
        scopes=[scope.value for scope in request.scopes],
        allowed_origins=list(request.allowed_origins),
        location=request.location,
        created_at=datetime.now(UTC).replace(microsecond=0),
        last_used_at=None,
        revoked_at=None,
        idempotency_namespace=namespace or key_id,
        replaces=replaces,
    )
    await repository.add(session, record)
    return KeyCreated(**KeyRead.model_validate(record).model_dump(), key=token)


async def list_keys(db: Database) -> list[KeyRead]:
    async with db.readers() as session:
        return [KeyRead.model_validate(key) for key in await repository.list_all(session)]


async def revoke(db: Database, cache: KeyCache, key_id: str) -> KeyRead:
    async with db.writers() as session, session.begin():
        await repository.mark_revoked(session, key_id, datetime.now(UTC).replace(microsecond=0))
        key = await repository.get(session, key_id)
        if key is None:
            raise KeyNotFound(f"No key has the id {key_id!r}.")
        await session.refresh(key)
    cache.forget(key_id)
    return KeyRead.model_validate(key)


async def create_first_admin_key(db: Database) -> KeyCreated | None:
    """An all-scopes key when the database has none yet, so a new install can be used."""
    async with db.writers() as session, session.begin():
        await repository.lock_for_first_key(session)  # replicas starting together make one
        if await repository.count(session):
            return None
        request = KeyCreate(name="first admin key", kind=KeyKind.SECRET, scopes=list(Scope))
        return await _add_key(session, request)
