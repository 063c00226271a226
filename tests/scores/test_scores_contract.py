"""The promises of the score endpoints (shared/design/API.md, Scores), one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app import openapi_spec
from app.keys.scopes import Scope
from tests.support import scores_oracle as oracle
from tests.support.problems import assert_problem
from tests.support.scores_support import parse, stamp
from tests.support.service import Service

SINCE = datetime(2026, 10, 20, 8, tzinfo=UTC)
UNTIL = datetime(2026, 10, 21, 8, tzinfo=UTC)
RANGE = {"since": stamp(SINCE), "until": stamp(UNTIL)}
ENDPOINTS = ("/v1/scores", "/v1/scores/series")


async def post_answers(api: httpx.AsyncClient, answers: list[dict[str, Any]]) -> None:
    response = await api.post("/v1/responses/batch", json={"responses": answers})
    assert response.status_code == 200, response.text
    assert {result["status"] for result in response.json()["results"]} == {"created"}


def nps_answers(promoters: int, passives: int, detractors: int, at: datetime) -> list[Any]:
    scores = [10] * promoters + [8] * passives + [3] * detractors
    return [{"metric": "nps", "score": s, "responded_at": stamp(at)} for s in scores]


@pytest.mark.parametrize("metric", ["nps", "ces", "csat"])
async def test_an_empty_set_has_no_score_and_a_full_zero_distribution(
    api: httpx.AsyncClient, metric: str
) -> None:
    response = await api.get("/v1/scores", params={"metric": metric, **RANGE})
    assert response.status_code == 200, response.text
    overall = response.json()["overall"]
    assert overall == oracle.summary(metric, [])
    assert overall["score"] is None
    assert overall["responses"] == 0
    assert overall["ci_low"] is overall["ci_high"] is overall["margin_of_error"] is None
    scale = oracle.SCALES[metric]
    assert overall["distribution"] == {str(value): 0 for value in scale}

    series = await api.get("/v1/scores/series", params={"metric": metric, **RANGE})
    assert series.status_code == 200, series.text
    points = series.json()["points"]
    assert [point["at"] for point in points] == ["2026-10-21T00:00:00Z", stamp(UNTIL)]
    assert all(point == {"at": point["at"], **oracle.summary(metric, [])} for point in points)


async def test_the_worked_examples_of_the_contract(api: httpx.AsyncClient) -> None:
    """API.md and docs/scoring.md: NPS 90/60/50, CES of 100 and CSAT of 80 answers."""
    at = SINCE + timedelta(hours=3)
    ces = [7] * 30 + [6] * 25 + [5] * 15 + [4] * 10 + [2] * 20
    csat = [5] * 40 + [4] * 22 + [3] * 8 + [1] * 10
    await post_answers(
        api,
        nps_answers(90, 60, 50, at)
        + [{"metric": "ces", "score": s, "responded_at": stamp(at)} for s in ces]
        + [{"metric": "csat", "score": s, "responded_at": stamp(at)} for s in csat],
    )
    nps = (await api.get("/v1/scores", params={"metric": "nps", **RANGE})).json()["overall"]
    assert nps["score"] == 20.0
    assert (nps["ci_low"], nps["ci_high"], nps["margin_of_error"]) == (8.54, 30.86, 11.16)
    assert (nps["promoters_pct"], nps["passives_pct"], nps["detractors_pct"]) == (45, 30, 25)
    assert (nps["promoters"], nps["passives"], nps["detractors"]) == (90, 60, 50)

    ces_score = (await api.get("/v1/scores", params={"metric": "ces", **RANGE})).json()
    overall = ces_score["overall"]
    assert (overall["score"], overall["mean"], overall["top_box"]) == (70.0, 5.15, 70)
    assert (overall["ci_low"], overall["ci_high"], overall["margin_of_error"]) == (
        60.42,
        78.11,
        8.84,
    )
    csat_score = (await api.get("/v1/scores", params={"metric": "csat", **RANGE})).json()
    overall = csat_score["overall"]
    assert (overall["score"], overall["mean"]) == (77.5, 4.03)  # 4.025 rounds up
    assert (overall["ci_low"], overall["ci_high"], overall["margin_of_error"]) == (
        67.21,
        85.27,
        9.03,
    )


async def test_the_worked_comparison_of_the_contract(api: httpx.AsyncClient) -> None:
    """NPS 20 (90/60/50) now against 10 (80/60/60) before: +10, not significant."""
    await post_answers(
        api,
        nps_answers(90, 60, 50, SINCE + timedelta(hours=1))
        + nps_answers(80, 60, 60, SINCE - timedelta(hours=1)),
    )
    response = await api.get("/v1/scores", params={"metric": "nps", "compare": "previous", **RANGE})
    body = response.json()
    assert body["overall"]["score"] == 20.0
    assert body["previous"]["score"] == 10.0
    assert (body["change"], body["change_significant"]) == (10.0, False)


async def test_the_default_window_is_30_days_ending_now(api: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    just_posted = await api.post("/v1/responses", json={"metric": "nps", "score": 9})
    assert just_posted.status_code == 201, just_posted.text
    await post_answers(
        api,
        [
            {"metric": "nps", "score": 0, "responded_at": stamp(now - timedelta(days=29))},
            {"metric": "nps", "score": 0, "responded_at": stamp(now - timedelta(days=31))},
        ],
    )
    body = (await api.get("/v1/scores", params={"metric": "nps"})).json()
    since, until = parse(body["since"]), parse(body["until"])
    assert until - since == timedelta(days=30)
    assert now <= until <= now + timedelta(seconds=10)
    assert body["overall"]["responses"] == 2  # just now, and 29 days ago
    assert body["overall"]["distribution"]["9"] == 1


async def test_filters_are_echoed(api: httpx.AsyncClient) -> None:
    params = [("metric", "nps"), ("survey", "alpha"), ("survey", "beta"), ("channel", "web")]
    for path in ENDPOINTS:
        response = await api.get(path, params=[*params, *RANGE.items()])
        assert response.status_code == 200, response.text
        assert response.json()["filters"] == {"survey": ["alpha", "beta"], "channel": ["web"]}
        unfiltered = await api.get(path, params={"metric": "nps", **RANGE})
        assert unfiltered.json()["filters"] == {}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"window": "7d", "since": stamp(SINCE)}, "window"),
        ({"since": stamp(UNTIL), "until": stamp(UNTIL)}, "since"),
        ({"since": stamp(UNTIL), "until": stamp(SINCE)}, "since"),
        ({"window": "0d"}, "window"),
        ({"window": "12x"}, "window"),
        ({"window": "1.5d"}, "window"),
        ({"window": "-1d"}, "window"),
        ({"window": "1831d"}, "window"),
        ({"since": "2026-10-20T08:00:00", "until": stamp(UNTIL)}, "since"),
        ({"until": "2026-10-21T08:00:00"}, "until"),
        ({"since": stamp(UNTIL - timedelta(days=1900)), "until": stamp(UNTIL)}, "since"),
        # Instants whose windows would leave the calendar (an OverflowError, a 500, before).
        ({"since": "0001-01-02T00:00:00Z", "until": "0001-01-04T00:00:00Z"}, "since"),
        ({"since": "0001-01-01T00:00:00+05:30", "until": stamp(UNTIL)}, "since"),
        ({"window": "30d", "until": "0001-01-01T00:00:00Z"}, "until"),
        ({"since": "9999-12-31T22:00:00Z", "until": "9999-12-31T23:30:00Z"}, "since"),
        ({"group_by": "respondent"}, "group_by"),
        ({"compare": "last-year"}, "compare"),
        ({"metric": "csi"}, "metric"),
    ],
)
async def test_a_score_request_that_cannot_be_answered_is_a_422(
    api: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await api.get("/v1/scores", params={"metric": "nps", **params})
    assert_problem(response, "validation-failed", naming=field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"tz": "Mars/Olympus_Mons"}, "tz"),
        ({"tz": "../../etc/passwd"}, "tz"),
        ({"interval": "month"}, "interval"),
        ({"window": "1d1h"}, "window"),
        ({"since": stamp(UNTIL), "until": stamp(UNTIL)}, "since"),
        ({"since": "2026-10-20T08:00:00", "until": stamp(UNTIL)}, "since"),
        ({"until": "2026-10-21 08:00:00"}, "until"),
        # Over 1000 hourly points.
        (
            {"interval": "hour", "since": stamp(UNTIL - timedelta(days=42)), "until": stamp(UNTIL)},
            "interval",
        ),
        ({"until": "0001-01-05T00:00:00Z"}, "until"),
        ({"since": "9999-12-20T22:00:00Z", "until": "9999-12-31T23:30:00Z"}, "since"),
        ({"group_by": "metric"}, "group_by"),
        ({"metric": "nps-2"}, "metric"),
    ],
)
async def test_a_series_request_that_cannot_be_answered_is_a_422(
    api: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await api.get("/v1/scores/series", params={"metric": "nps", **params})
    assert_problem(response, "validation-failed", naming=field)


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_the_metric_is_required(api: httpx.AsyncClient, path: str) -> None:
    assert_problem(await api.get(path), "validation-failed", naming="metric")


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_scores_need_the_scores_read_scope(service: Service, path: str) -> None:
    anonymous = await service.client.get(path, params={"metric": "nps"})
    assert_problem(anonymous, "unauthenticated")
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    unknown = await service.client.get(
        path, params={"metric": "nps"}, headers={"Authorization": "Bearer tp_sk_nonsense"}
    )
    assert_problem(unknown, "unauthenticated")
    async with await service.client_with(Scope.RESPONSES_READ, Scope.RESPONSES_WRITE) as other:
        assert_problem(await other.get(path, params={"metric": "nps"}), "forbidden")
    async with await service.client_with(Scope.SCORES_READ) as reader:
        assert (await reader.get(path, params={"metric": "nps"})).status_code == 200


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_an_unchanged_answer_is_a_304(api: httpx.AsyncClient, path: str) -> None:
    params = {"metric": "nps", **RANGE}
    first = await api.get(path, params=params)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert "max-age=" in first.headers["cache-control"]

    again = await api.get(path, params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "max-age=" in again.headers["cache-control"]

    await post_answers(api, nps_answers(1, 0, 0, SINCE))
    changed = await api.get(path, params=params, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["points" if path.endswith("series") else "overall"]

    anything = await api.get(path, params=params, headers={"If-None-Match": "*"})
    assert anything.status_code == 304
    assert "304" in openapi_spec.spec()["paths"][path]["get"]["responses"]  # and says so


async def test_the_default_series_has_thirty_local_days(api: httpx.AsyncClient) -> None:
    """docs/scoring.md: 30 Warsaw days before 2026-11-22T10:15Z, over a clock change."""
    params = {
        "metric": "nps",
        "interval": "day",
        "window": "30d",
        "tz": "Europe/Warsaw",
        "until": "2026-11-22T10:15:00Z",
    }
    body = (await api.get("/v1/scores/series", params=params)).json()
    assert body["since"] == "2026-10-23T09:15:00Z"
    at = [point["at"] for point in body["points"]]
    assert len(at) == 31
    assert at[:3] == ["2026-10-23T22:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"]
    assert at[-2:] == ["2026-11-21T23:00:00Z", "2026-11-22T10:15:00Z"]
