"""How stored answers change the hourly counts (no I/O: the repository writes them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from app.counts.models import DIMENSIONS, NO_VALUE, TOTAL
from app.scoring.windows import floor_hour

# metric, UTC hour, survey, touchpoint, channel, location ("" when absent)
RollupKey = tuple[str, datetime, str, str, str, str]


def rollup_key(
    metric: str,
    responded_at: datetime,
    survey: str,
    touchpoint: str | None,
    channel: str,
    location: str | None,
) -> RollupKey:
    return (
        metric,
        floor_hour(responded_at),
        survey,
        touchpoint or NO_VALUE,
        channel,
        location or NO_VALUE,
    )


def count_deltas(entries: Iterable[tuple[RollupKey, int]], sign: int) -> dict[RollupKey, list[int]]:
    """Per rollup row, how much each score value's count changes (+1 per answer, or −1)."""
    deltas: dict[RollupKey, list[int]] = {}
    for key, score in entries:
        counts = deltas.get(key)
        if counts is None:
            counts = deltas[key] = [0] * 11
        counts[score] += sign
    return deltas


# metric, dimension ("" for the total), UTC hour, value ("" for the total or when absent)
DimensionKey = tuple[str, str, datetime, str]


def dimension_deltas(deltas: Mapping[RollupKey, Sequence[int]]) -> dict[DimensionKey, list[int]]:
    """The same changes per single dimension value and in total (see DimensionCounts)."""
    derived: dict[DimensionKey, list[int]] = {}
    for (metric, hour, *values), counts in deltas.items():
        keys = [(metric, TOTAL, hour, NO_VALUE)]
        keys += [
            (metric, name, hour, value) for name, value in zip(DIMENSIONS, values, strict=True)
        ]
        for key in keys:
            total = derived.get(key)
            if total is None:
                derived[key] = list(counts)
            else:
                for index, count in enumerate(counts):
                    total[index] += count
    return derived
