"""Rate limits for the customer-facing channels, with the `limits` library.

A moving window per (rule, identity): a client over its limit gets a 429 problem with
`Retry-After` in whole seconds. Counters live in this process's memory, so they cost no
round trip and vanish on restart; several workers each count on their own (the README
says so), which bounds a flood without ever blocking a real customer for long.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from app.problems import TooManyRequests


class RateLimit:
    """One named limit, e.g. "60/minute" per client IP."""

    def __init__(self, name: str, rule: str) -> None:
        self.name = name
        self.rule: RateLimitItem = parse(rule)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, identity: str) -> None:
        """Counts one request of `identity`; raises a 429 problem when it is over the limit."""
        if await self._limiter.hit(self.rule, self.name, identity):
            return
        stats = await self._limiter.get_window_stats(self.rule, self.name, identity)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise TooManyRequests(
            f"Too many requests ({self.rule}); retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
