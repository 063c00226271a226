"""The per-process key cache: one database read per key, however many requests wait."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.keys import repository
from app.keys import service as keys_service
from app.keys.scopes import Scope
from tests.support.service import Service


async def test_concurrent_requests_on_an_expired_entry_share_one_read(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await service.key(Scope.SCORES_READ)
    original = repository.get
    reads = 0

    async def slow_get(*args: Any) -> Any:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.05)  # long enough for every request to find the load under way
        return await original(*args)

    monkeypatch.setattr(repository, "get", slow_get)
    cache = keys_service.KeyCache(ttl_seconds=60)
    callers = await asyncio.gather(
        *(keys_service.authenticate(service.db, cache, token) for _ in range(20))
    )

    assert reads == 1
    assert len({caller.key_id for caller in callers}) == 1
    assert cache.loading == {}


async def test_when_the_shared_read_fails_the_waiters_read_for_themselves(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await service.key(Scope.SCORES_READ)
    original = repository.get
    reads = 0

    async def first_read_fails(*args: Any) -> Any:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.02)
        if reads == 1:
            raise ConnectionResetError("the first read was lost")
        return await original(*args)

    monkeypatch.setattr(repository, "get", first_read_fails)
    cache = keys_service.KeyCache(ttl_seconds=60)
    outcomes = await asyncio.gather(
        *(keys_service.authenticate(service.db, cache, token) for _ in range(5)),
        return_exceptions=True,
    )

    assert isinstance(outcomes[0], ConnectionResetError)
    assert all(isinstance(outcome, keys_service.Principal) for outcome in outcomes[1:])
    assert cache.loading == {}
