"""One real single-worker server per backend: the round trip, the error shapes, the logs."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app import schema
from app.responses.export import CSV_COLUMNS
from tests.support.e2e_support import (
    RunningServer,
    export_rows,
    overall_score,
    unique_slug,
)
from tests.support.problems import assert_problem

pytest_plugins = ["tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(e2e_server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with e2e_server.client() as client:
        yield client


async def test_health_and_readiness(api: httpx.AsyncClient) -> None:
    health = await api.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "revision": schema.head_revision()}


async def test_a_posted_answer_is_in_the_score_and_the_csv_export(
    api: httpx.AsyncClient,
) -> None:
    survey = unique_slug("roundtrip")
    comment = 'Fast, "friendly" – dziękuję\nsecond line'
    created: list[dict[str, Any]] = []
    answers: tuple[tuple[int, dict[str, Any]], ...] = (
        (9, {"comment": comment, "properties": {"plan": "gold"}}),
        (10, {}),
        (3, {}),
    )
    for score, extra in answers:
        body = {"metric": "nps", "score": score, "survey": survey, "touchpoint": "checkout"}
        answer = await api.post("/v1/responses", json=body | extra)
        assert answer.status_code == 201, answer.text
        assert answer.headers["location"] == f"/v1/responses/{answer.json()['id']}"
        created.append(answer.json())

    overall = await overall_score(api, "nps", survey)
    assert overall["responses"] == 3
    assert (overall["promoters"], overall["passives"], overall["detractors"]) == (2, 0, 1)
    assert overall["score"] == pytest.approx(33.33)
    assert overall["distribution"] == {str(v): int(v in (3, 9, 10)) for v in range(11)}

    export = await api.get("/v1/responses", params={"format": "csv", "survey": survey})
    assert export.text.splitlines()[0].split(",") == list(CSV_COLUMNS)
    rows = {row["id"]: row for row in await export_rows(api, survey)}
    assert set(rows) == {item["id"] for item in created}
    first = rows[created[0]["id"]]
    assert first["score"] == "9"
    assert first["comment"] == comment
    assert json.loads(first["properties"]) == {"plan": "gold"}
    assert first["responded_at"] == created[0]["responded_at"]


async def test_a_replay_over_http_answers_200_with_the_original(api: httpx.AsyncClient) -> None:
    body = {"metric": "csat", "score": 4, "survey": unique_slug("replay")}
    headers = {"Idempotency-Key": unique_slug("replay-key")}
    first = await api.post("/v1/responses", json=body, headers=headers)
    again = await api.post("/v1/responses", json=body, headers=headers)
    other = await api.post("/v1/responses", json=body | {"score": 5}, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert_problem(other, "idempotency-key-reused")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nothing-here"),
        ("GET", "/no/such/page"),
        ("POST", "/v1/responses/not-a-route/at-all"),
    ],
)
async def test_unknown_routes_answer_problem_json(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    assert_problem(await api.request(method, path), "not-found")


async def test_a_wrong_method_answers_405_problem_json(api: httpx.AsyncClient) -> None:
    assert_problem(await api.put("/v1/scores"), "method-not-allowed")


async def test_errors_over_real_http_are_problem_json(e2e_server: RunningServer) -> None:
    async with e2e_server.client(key="") as anonymous:
        assert_problem(
            await anonymous.post("/v1/responses", json={"metric": "nps", "score": 9}),
            "unauthenticated",
        )
    async with e2e_server.client() as api:
        invalid = await api.post("/v1/responses", json={"metric": "nps", "score": 11})
        assert_problem(invalid, "validation-failed", fields=["score"])
        not_json = await api.post(
            "/v1/responses", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert_problem(not_json, "validation-failed", fields=["body"])
        not_utf8 = await api.post(
            "/v1/responses", content=b"\xff{}", headers={"Content-Type": "application/json"}
        )
        assert_problem(not_utf8, "validation-failed", detail="not UTF-8", fields=["body"])


async def test_a_body_over_256_kib_answers_413_declared_or_chunked(
    api: httpx.AsyncClient,
) -> None:
    payload = b'{"metric": "nps", "score": 9, "comment": "' + b"x" * (300 * 1024) + b'"}'
    declared = await api.post(
        "/v1/responses", content=payload, headers={"Content-Type": "application/json"}
    )
    assert_problem(declared, "payload-too-large")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked encoding
        for start in range(0, len(payload), 16 * 1024):
            yield payload[start : start + 16 * 1024]

    chunked = await api.post(
        "/v1/responses", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_problem(chunked, "payload-too-large")


@pytest.mark.parametrize("route", ["/v1/responses", "/v1/responses/batch"])
async def test_a_client_that_hangs_up_mid_body_is_logged_as_499(
    e2e_server: RunningServer, route: str
) -> None:
    assert e2e_server.admin_key
    head = (
        f"POST {route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {e2e_server.admin_key}\r\nContent-Length: 400\r\n\r\n"
    )
    _reader, writer = await asyncio.open_connection("127.0.0.1", e2e_server.port)
    writer.write(head.encode() + b'{"metric": "nps", "sco')
    await writer.drain()
    writer.close()  # 378 bytes short: the server waits for them, then sees the hang-up
    await writer.wait_closed()

    line = f"touchpoint.access POST {route} 499 "
    deadline = time.monotonic() + 10
    while line not in e2e_server.stderr():
        assert time.monotonic() < deadline, e2e_server.describe()
        await asyncio.sleep(0.05)
    log = e2e_server.stderr()
    assert f"POST {route} 500" not in log
    assert f"client disconnected during POST {route}" in log
    assert e2e_server.admin_key not in log


async def test_the_log_never_holds_keys_respondent_ids_or_query_strings(
    e2e_server: RunningServer,
) -> None:
    respondent = f"{unique_slug('jane.doe')}@example.com"  # ids are often e-mails
    marker = unique_slug("qs-marker")
    forged_key = "tp_sk_0123456789abcdef" + "Z" * 40
    async with e2e_server.client() as api:
        posted = await api.post(
            "/v1/responses", json={"metric": "nps", "score": 9, "respondent": respondent}
        )
        assert posted.status_code == 201, posted.text
        assert "respondent" not in posted.json()
        erased = await api.delete(f"/v1/respondents/{respondent}")
        assert erased.status_code == 200, erased.text
        assert erased.json() == {"responses_deleted": 1}
        scored = await api.get("/v1/scores", params={"metric": "nps", "window": "7d"})
        assert scored.status_code == 200
        listed = await api.get("/v1/responses", params={"limit": 5, "updated_since": marker})
        assert listed.status_code == 422  # a query string the log must not echo either
        await api.get(f"/v1/unknown/{marker}-path", params={"token": marker})
    async with e2e_server.client(key=forged_key) as forged:
        assert (await forged.get("/v1/scores", params={"metric": "nps"})).status_code == 401

    log = e2e_server.stderr()
    # The line is there, with the route template in place of the id…
    assert re.search(r"DELETE /v1/respondents/\{respondent(:path)?\} 200", log)
    assert "GET (no route) 404" in log
    assert e2e_server.admin_key
    for secret in (e2e_server.admin_key, forged_key, respondent, marker):
        assert secret not in log  # …and holds none of these
    access = [line for line in log.splitlines() if " touchpoint.access " in line]
    assert access
    assert not [line for line in access if "?" in line or "=" in line]
    assert respondent not in e2e_server.stdout()
