"""Which responses a query covers. Export and scores share it, so their numbers agree."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson


@dataclass(frozen=True)
class ResponseFilter:
    metric: str | None = None
    surveys: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    since: datetime | None = None  # on responded_at, inclusive
    until: datetime | None = None  # on responded_at, exclusive

    def dimension_values(self) -> dict[str, tuple[str, ...]]:
        return {
            "survey": self.surveys,
            "touchpoint": self.touchpoints,
            "channel": self.channels,
            "location": self.locations,
        }

    def described(self) -> dict[str, list[str]]:
        """The dimension filters in force, as the score endpoints echo them."""
        return {name: list(values) for name, values in self.dimension_values().items() if values}

    def fingerprint(self, *extra: Any) -> str:
        payload = [self.metric, *self.dimension_values().values(), self.since, self.until, *extra]
        return hashlib.sha256(orjson.dumps(payload, default=str)).hexdigest()[:16]
