"""Random answers for the score tests, loading them, and reading them back from the export."""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import orjson
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.db import Database
from tests.support.scores_oracle import SCALES, Answer

# Each example loads a few hundred answers through the API and asks a few questions, on
# each backend. SCORES_EXAMPLES=500 runs a longer search.
EXAMPLES = settings(
    max_examples=int(os.environ.get("SCORES_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# Where an example's answers start; each SPAN holds a Monday and a clock change of a zone
# the series tests use: St John's springs forward on 2026-03-08, Warsaw on 2026-03-29,
# Warsaw falls back on 2026-10-25 and St John's on 2026-11-01. All lie in the past.
ANCHORS = (
    datetime(2026, 3, 6, tzinfo=UTC),
    datetime(2026, 3, 27, tzinfo=UTC),
    datetime(2026, 10, 23, tzinfo=UTC),
    datetime(2026, 10, 30, tzinfo=UTC),
)
SPAN = timedelta(days=5)
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
METRICS = ("nps", "ces", "csat")
CHANNELS = ("web", "email", "kiosk", "pos", "api")
# What the answers use, and what queries filter on: the latter also holds values no
# answer has.
DATA_VALUES: dict[str, tuple[str, ...]] = {
    "survey": ("default", "alpha", "beta"),
    "touchpoint": ("checkout", "support"),
    "channel": CHANNELS,
    "location": ("store-1", "store-2"),
}
FILTER_VALUES: dict[str, tuple[str, ...]] = {
    "survey": ("default", "alpha", "beta", "zeta"),
    "touchpoint": ("checkout", "support", "returns"),
    "channel": CHANNELS,
    "location": ("store-1", "store-2", "store-9"),
}
DIMENSIONS = tuple(DATA_VALUES)
DEFAULTS: dict[str, str | None] = {
    "survey": "default",
    "touchpoint": None,
    "channel": "api",
    "location": None,
}
# How an instant is written in a request: the API must read every offset the same.
OFFSETS = (
    timedelta(0),
    timedelta(hours=5, minutes=30),
    timedelta(hours=-3, minutes=-30),
    timedelta(hours=2),
)

Filters = dict[str, list[str]]


def instants(start: datetime, hours: int) -> st.SearchStrategy[datetime]:
    """Instants from ``start`` on, to the second, crowding the UTC hour and half-hour marks."""
    hour = st.integers(0, hours)
    return st.one_of(
        hour.map(lambda h: start + h * HOUR),
        st.tuples(hour, st.integers(-3, 3)).map(lambda x: start + x[0] * HOUR + x[1] * SECOND),
        st.tuples(hour, st.integers(-2, 2)).map(
            lambda x: start + x[0] * HOUR + timedelta(minutes=30) + x[1] * SECOND
        ),
        st.integers(0, hours * 3600 - 1).map(lambda s: start + s * SECOND),
    )


def stamp(at: datetime, offset: timedelta = timedelta(0)) -> str:
    """ISO 8601 with an offset; UTC written with Z."""
    if not offset:
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return at.astimezone(timezone(offset)).isoformat()


def utc_text(at: datetime) -> str:
    return stamp(at)


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _payload(metric: str, score: int, at: datetime, offset: timedelta) -> dict[str, Any]:
    return {"metric": metric, "score": score, "responded_at": stamp(at, offset)}


@st.composite
def new_answers(draw: st.DrawFn, anchor: datetime) -> dict[str, Any]:
    """The JSON of a new response; absent fields take the API's defaults."""
    metric = draw(st.sampled_from(METRICS))
    scale = SCALES[metric]
    at = draw(instants(anchor, int(SPAN / HOUR)))
    payload = _payload(
        metric,
        draw(st.integers(scale.start, scale.stop - 1)),
        at,
        draw(st.sampled_from(OFFSETS)),
    )
    for name, values in DATA_VALUES.items():
        value = draw(st.none() | st.sampled_from(values))
        if value is not None:
            payload[name] = value
    return payload


def _bulk_answer(rnd: random.Random, anchor: datetime) -> dict[str, Any]:
    """Like new_answers, from a seeded generator: hundreds of answers stay cheap to draw."""
    metric = rnd.choice(METRICS)
    hours = int(SPAN / HOUR)
    hour = anchor + rnd.randrange(hours) * HOUR
    at = rnd.choice(
        [
            hour,
            hour + rnd.randint(-3, 3) * SECOND,
            hour + timedelta(minutes=30) + rnd.randint(-2, 2) * SECOND,
            hour + rnd.randrange(3600) * SECOND,
        ]
    )
    scale = SCALES[metric]
    payload = _payload(metric, rnd.randrange(scale.start, scale.stop), at, rnd.choice(OFFSETS))
    for name, values in DATA_VALUES.items():
        if rnd.random() < 0.75:
            payload[name] = rnd.choice(values)
    return payload


@st.composite
def answer_sets(draw: st.DrawFn, anchor: datetime, bulk: int = 300) -> list[dict[str, Any]]:
    """A few answers hypothesis chose one by one, and up to ``bulk`` seeded ones."""
    chosen = draw(st.lists(new_answers(anchor), max_size=20))
    rnd = draw(st.randoms(use_true_random=False))
    return chosen + [_bulk_answer(rnd, anchor) for _ in range(draw(st.integers(0, bulk)))]


@st.composite
def filters(draw: st.DrawFn) -> Filters:
    """Filters on none, one or two dimensions, values sometimes repeated or never used."""
    names = draw(
        st.one_of(
            st.just([]),
            st.lists(st.sampled_from(DIMENSIONS), min_size=1, max_size=1),
            st.lists(st.sampled_from(DIMENSIONS), min_size=2, max_size=2, unique=True),
        )
    )
    return {
        name: draw(st.lists(st.sampled_from(FILTER_VALUES[name]), min_size=1, max_size=3))
        for name in names
    }


def filter_params(chosen: Filters) -> list[tuple[str, str]]:
    return [(name, value) for name, values in chosen.items() for value in values]


def matches(answer: Answer, metric: str, chosen: Filters) -> bool:
    return answer.metric == metric and all(
        answer.dimension(name) in values for name, values in chosen.items()
    )


def answer_from_payload(answer_id: str, payload: Mapping[str, Any]) -> Answer:
    """What the service must have stored for a payload it accepted."""
    at = parse(payload["responded_at"]).astimezone(UTC).replace(microsecond=0)
    values = {name: payload.get(name, DEFAULTS[name]) for name in DIMENSIONS}
    return Answer(
        id=answer_id,
        metric=payload["metric"],
        score=payload["score"],
        survey=values["survey"] or "default",
        touchpoint=values["touchpoint"],
        channel=values["channel"] or "api",
        location=values["location"],
        at=at,
    )


async def clear(db: Database) -> None:
    """Forget every response and count, keeping the API keys (between examples)."""
    async with db.write_engine.begin() as connection:
        await connection.execute(text("DELETE FROM responses"))
        await connection.execute(text("DELETE FROM hourly_counts"))
        await connection.execute(text("DELETE FROM dimension_counts"))


async def load(client: httpx.AsyncClient, payloads: Sequence[dict[str, Any]]) -> list[Answer]:
    """POST /v1/responses/batch; every item must be created."""
    answers: list[Answer] = []
    for start in range(0, len(payloads), 1000):
        chunk = payloads[start : start + 1000]
        response = await client.post("/v1/responses/batch", json={"responses": chunk})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [result["status"] for result in results] == ["created"] * len(chunk), results
        answers += [
            answer_from_payload(result["id"], payload)
            for result, payload in zip(results, chunk, strict=True)
        ]
    return answers


async def export(
    client: httpx.AsyncClient, params: list[tuple[str, str]], page_size: int | None = None
) -> list[Answer]:
    """Every response GET /v1/responses lists: the NDJSON stream, or walking the cursor."""
    if page_size is None:
        response = await client.get("/v1/responses", params=[*params, ("format", "ndjson")])
        assert response.status_code == 200, response.text
        lines = response.content.splitlines()
        return [Answer.from_api(orjson.loads(line)) for line in lines if line]
    found: list[Answer] = []
    cursor: str | None = None
    while True:
        page_params = [*params, ("limit", str(page_size))]
        if cursor is not None:
            page_params.append(("cursor", cursor))
        response = await client.get("/v1/responses", params=tuple(page_params))
        assert response.status_code == 200, response.text
        body = response.json()
        found += [Answer.from_api(row) for row in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def expected_export(
    answers: Sequence[Answer], metric: str, chosen: Filters, since: datetime, until: datetime
) -> list[str]:
    """Ids the export must list, from what the test itself loaded, sorted."""
    return sorted(
        answer.id
        for answer in answers
        if matches(answer, metric, chosen) and since <= answer.at < until
    )
