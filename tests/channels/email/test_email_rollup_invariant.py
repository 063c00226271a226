"""Answers sent and sent again through email links keep the hourly counts exact.

Random sequences of Sends (new answers, changed scores, changed comments, the same
answer again), ordinary API answers and respondent erasures; after every step the
rollups equal a recount of the responses table, and at the end the scores equal what a
BI tool recounts from the export (as tests/scores/test_scores_rollup_invariant.py does
for the other write paths).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import httpx
from hypothesis import given
from hypothesis import strategies as st

from app.keys.scopes import Scope
from tests.support.email_support import app_client, issue, send
from tests.support.rollups import per_dimension, per_dimension_recount, recount, rollup
from tests.support.scores_oracle import SCALES
from tests.support.scores_support import EXAMPLES, clear, export
from tests.support.service import Service

# What each token is for: metric, respondent, touchpoint.
TOKENS = (
    ("nps", "cust-1", "checkout"),
    ("nps", "cust-2", None),
    ("csat", "cust-1", "support"),
    ("ces", None, "checkout"),
)
RESPONDENTS = ("cust-1", "cust-2")


@dataclass(frozen=True)
class Send:
    token: int
    score_pick: int  # reduced onto the token's metric's scale
    comment: str


@dataclass(frozen=True)
class ApiAnswer:
    score: int  # an NPS answer through the API, counted in the same hours


@dataclass(frozen=True)
class Erase:
    respondent: str


operations = st.one_of(
    st.builds(
        Send,
        st.integers(0, len(TOKENS) - 1),
        st.integers(0, 10),
        st.sampled_from(["", "Fast", "Slow <b>"]),
    ),
    st.builds(ApiAnswer, st.integers(0, 10)),
    st.builds(Erase, st.sampled_from(RESPONDENTS)),
)


async def apply(client: httpx.AsyncClient, tokens: list[str], operation: object) -> None:
    if isinstance(operation, Send):
        metric = TOKENS[operation.token][0]
        scale = SCALES[metric]
        score = scale[operation.score_pick % len(scale)]
        answer = await send(client, tokens[operation.token], score, operation.comment)
        assert answer.status_code == 200, answer.text
    elif isinstance(operation, ApiAnswer):
        answer = await client.post(
            "/v1/responses",
            json={"metric": "nps", "score": operation.score, "respondent": "cust-1"},
        )
        assert answer.status_code == 201, answer.text
    elif isinstance(operation, Erase):
        answer = await client.delete(f"/v1/respondents/{operation.respondent}")
        assert answer.status_code == 200, answer.text


@EXAMPLES
@given(steps=st.lists(operations, min_size=1, max_size=12))
async def test_hourly_counts_equal_a_recount_after_any_history_of_sends(
    service: Service, steps: list[object]
) -> None:
    await clear(service.db)
    key = await service.key(*Scope)
    # Many sends from one address: this test is not about the per-IP limit.
    settings = service.settings.model_copy(update={"rate_limit_per_ip": "100000/minute"})
    async with app_client(settings, key) as client:
        tokens = []
        for metric, respondent, touchpoint in TOKENS:
            created = await issue(
                client, metric=metric, respondent=respondent, touchpoint=touchpoint
            )
            tokens.append(created["token"])
        for step in steps:
            await apply(client, tokens, step)
            recounted = await recount(service.db)
            assert await rollup(service.db) == recounted, step
            assert await per_dimension(service.db) == per_dimension_recount(recounted), step
        listed = await client.get("/v1/responses", params={"limit": "1000"})
        keys = Counter(row["idempotency_key"] for row in listed.json()["data"])
        keys.pop(None, None)
        assert set(keys.values()) <= {1}, "one response per token, whatever happened"
        for metric in SCALES:
            scores = await client.get("/v1/scores", params={"metric": metric, "window": "1d"})
            assert scores.status_code == 200, scores.text
            body = scores.json()
            params = [("metric", metric), ("since", body["since"]), ("until", body["until"])]
            tally = Counter(answer.score for answer in await export(client, params))
            expected = {str(value): tally[value] for value in SCALES[metric]}
            assert body["overall"]["distribution"] == expected
