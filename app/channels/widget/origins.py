"""The origins that some active publishable key allows, cached per process.

A CORS preflight carries no key, so it can only be judged against the union of every
publishable key's allow-list. Reading that union costs a query; browsers send a
preflight before most widget requests (then cache it), so each process keeps the union
for a few seconds, like app/keys/service.py's KeyCache keeps key rows.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from app.db import OUTAGE_CARRIERS, Database, outage_cause
from app.keys import service as keys_service


@dataclass
class PublishableOrigins:
    """The union of the allow-lists, reloaded when older than ``ttl_seconds``.

    Keys created, changed or revoked through any worker show here within the TTL. When
    the database cannot be read, the last known union is kept (a brief outage must not
    break every shop's widget); with none known yet the outage error is raised.
    """

    ttl_seconds: float
    _origins: frozenset[str] | None = None
    _loaded_at: float = field(default=float("-inf"))
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def allows(self, db: Database, origin: str | None) -> bool:
        # "null" (sandboxed frames, file: pages) and empty values can never be listed.
        if not origin or origin == "null":
            return False
        return origin in await self._current(db)

    async def _current(self, db: Database) -> frozenset[str]:
        if self._origins is not None and self._fresh():
            return self._origins
        async with self._lock:  # concurrent requests share one reload
            if self._origins is not None and self._fresh():
                return self._origins
            try:
                self._origins = await keys_service.publishable_origins(db)
            except OUTAGE_CARRIERS as error:
                cause = outage_cause(error)
                if cause is None or self._origins is None:
                    raise
                db.outages.met(cause)  # the last known ones are kept
            self._loaded_at = time.monotonic()
            return self._origins

    def _fresh(self) -> bool:
        return time.monotonic() - self._loaded_at < self.ttl_seconds
