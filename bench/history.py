"""Synthetic survey history for the benchmark: realistic cardinalities, deterministic.

3 metrics (mostly NPS), 3 surveys, 6 touchpoints, 5 channels, 12 locations (stores,
only on kiosk and POS answers), ``responded_at`` over the last 365 days (more in
business hours, slowly growing volume), properties on ~30 %, comments on ~20 %,
locale and respondent on some. Dimensions are correlated the way real programmes are
(a survey belongs to a part of the journey), so the hourly rollup is not a full cross
product. Items are pre-serialised with orjson into batch bodies of up to 1000 items,
each under the service's 256 KiB body limit, so the client costs little while loading.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any

import orjson

BATCH_ITEMS = 1000
MAX_BODY_BYTES = 256 * 1024

# survey: weight, [(metric, weight)], [(touchpoint, weight)]
SURVEYS: dict[str, tuple[float, list[tuple[str, float]], list[tuple[str | None, float]]]] = {
    "post-purchase": (
        55,
        [("nps", 80), ("csat", 20)],
        [("checkout", 50), ("delivery", 35), ("returns", 15)],
    ),
    "support": (
        25,
        [("ces", 50), ("csat", 35), ("nps", 15)],
        [("support-chat", 55), ("returns", 20), ("billing", 25)],
    ),
    "relationship": (
        20,
        [("nps", 100)],
        [("onboarding", 30), ("billing", 20), (None, 50)],
    ),
}
CHANNELS = [("web", 35), ("email", 30), ("pos", 15), ("kiosk", 10), ("api", 10)]
LOCATIONS = [(f"store-{i:02d}", 1 / i**0.8) for i in range(1, 13)]  # 12 stores, Zipf-like
SCORES = {
    "nps": [2, 1, 1, 2, 2, 4, 5, 10, 18, 25, 30],  # 0..10
    "ces": [3, 4, 6, 10, 20, 30, 27],  # 1..7
    "csat": [4, 6, 12, 35, 43],  # 1..5
}
SCORE_BASE = {"nps": 0, "ces": 1, "csat": 1}
# Answers per hour of the (UTC) day: quiet nights, busy afternoons.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 10, 10, 10, 10, 9, 9, 8, 7, 5, 4, 2, 1]
COMMENTS = [
    "Fast checkout",
    "The courier was late again",
    "Great staff at the store, very helpful",
    "Could not find the return label anywhere",
    "Support solved it in one chat, thank you!",
    "Prices went up and the quality did not",
    "ok",
    "Love the new app",
    "Waited 20 minutes in line",
    "The self-service kiosk froze twice before I could pay, please fix it",
]
WORDS = [
    *("order", "delivery", "staff", "price", "app", "store", "wait", "help"),
    *("quality", "service", "refund", "fast", "slow"),
]
PROPERTIES = [
    {"plan": "gold"},
    {"plan": "silver"},
    {"plan": "free"},
    {"plan": "gold", "device": "ios"},
    {"device": "android", "app_version": "5.2.1"},
    {"segment": "b2b", "region": "emea"},
]
LOCALES = ["en", "en-GB", "pl", "de", "fr", "es"]


class _Choice:
    """Weighted choice with precomputed cumulative weights (random.choices is slower)."""

    def __init__(self, options: Sequence[tuple[Any, float]]) -> None:
        self.values = [value for value, _ in options]
        self.cumulative = list(accumulate(weight for _, weight in options))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


_SURVEY = _Choice([(name, spec[0]) for name, spec in SURVEYS.items()])
_METRIC = {name: _Choice(spec[1]) for name, spec in SURVEYS.items()}
_TOUCHPOINT = {name: _Choice(spec[2]) for name, spec in SURVEYS.items()}
_CHANNEL = _Choice(CHANNELS)
_LOCATION = _Choice(LOCATIONS)
_SCORE = {metric: _Choice(list(enumerate(weights))) for metric, weights in SCORES.items()}
_HOUR = _Choice(list(enumerate(HOUR_WEIGHTS)))


def _timestamp(rng: random.Random, now: datetime) -> str:
    # Volume grows over the year: day offsets lean towards the recent end.
    day = int(365 * (1 - rng.random() ** 0.85))
    day_start = (now - timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
    at = day_start + timedelta(hours=_HOUR(rng), seconds=rng.randrange(3600))
    if at > now - timedelta(minutes=1):
        at = now - timedelta(seconds=rng.randrange(60, 86_400))
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _recent_timestamp(rng: random.Random, now: datetime) -> str:
    # A till's batch: answers of the last few hours, a few of them per hour and store.
    at = now - timedelta(seconds=rng.randrange(60, RECENT_HOURS * 3600))
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


RECENT_HOURS = 6


def item(rng: random.Random, now: datetime, recent: bool = False) -> dict[str, Any]:
    survey = _SURVEY(rng)
    metric = _METRIC[survey](rng)
    channel = _CHANNEL(rng)
    answer: dict[str, Any] = {
        "metric": metric,
        "score": _SCORE[metric](rng) + SCORE_BASE[metric],
        "survey": survey,
        "channel": channel,
        "responded_at": (_recent_timestamp if recent else _timestamp)(rng, now),
    }
    touchpoint = _TOUCHPOINT[survey](rng)
    if touchpoint is not None:
        answer["touchpoint"] = touchpoint
    if channel in ("pos", "kiosk"):
        answer["location"] = _LOCATION(rng)
    if rng.random() < 0.20:
        if rng.random() < 0.6:
            answer["comment"] = rng.choice(COMMENTS)
        else:
            answer["comment"] = " ".join(rng.choices(WORDS, k=rng.randint(5, 40)))
    if rng.random() < 0.30:
        answer["properties"] = rng.choice(PROPERTIES)
    if rng.random() < 0.40:
        answer["locale"] = rng.choice(LOCALES)
    if channel in ("email", "web") and rng.random() < 0.5:
        answer["respondent"] = f"cust-{rng.randrange(200_000)}"
    return answer


def batch_bodies(
    count: int, seed: int, now: datetime | None = None, recent: bool = False
) -> list[bytes]:
    """``count`` answers as ``{"responses": [...]}`` bodies of up to 1000 items each;
    spread over the last year, or with ``recent`` over the last few hours (POS traffic)."""
    rng = random.Random(seed)
    moment = now or datetime.now(UTC)
    bodies: list[bytes] = []
    for chunk in _chunks(count):
        items = [item(rng, moment, recent) for _ in range(chunk)]
        bodies.extend(_serialise(items))
    return bodies


def _chunks(count: int) -> Iterator[int]:
    while count > 0:
        yield min(BATCH_ITEMS, count)
        count -= BATCH_ITEMS


def _serialise(items: list[dict[str, Any]]) -> list[bytes]:
    body = orjson.dumps({"responses": items})
    if len(body) <= MAX_BODY_BYTES:
        return [body]
    half = len(items) // 2  # never happens at these sizes, but stay under the limit
    return _serialise(items[:half]) + _serialise(items[half:])


def items_in(body: bytes) -> int:
    return len(orjson.loads(body)["responses"])
