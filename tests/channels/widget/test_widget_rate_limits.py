"""Per-IP and per-key limits on what public pages send: 429 problem with Retry-After.

The origin check stops other sites' browsers, not curl (CHANNELS.md §1): these limits
and the honeypot are what stop ballot stuffing. Secret keys (servers) are not limited.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text

from app.config import Settings
from app.db import Database
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from app.main import create_app
from tests.support.problems import PROBLEM_CONTENT_TYPE
from tests.support.service import Service

SHOP = "https://shop.example"
ANSWER = {"metric": "nps", "score": 9}
FromIp = Callable[[str], httpx.AsyncClient]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Small limits, so that a test can reach them."""
    return Settings(
        database_url=database_url,
        key_cache_seconds=0,
        rate_limit_per_ip="3/minute",
        rate_limit_per_key="5/minute",
    )


@pytest.fixture
def from_ip(service: Service) -> FromIp:
    """Clients of the service's app that come from a given IP address."""
    transport = service.client._transport
    assert isinstance(transport, httpx.ASGITransport)

    def client(ip: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=transport.app, client=(ip, 50000)),
            base_url="http://test",
        )

    return client


def publishable(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Origin": SHOP}


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["type"] == "/problems/rate-limited"
    assert body["title"] == "Too many requests"
    assert body["status"] == 429
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    # The widget must be able to read it: CORS reflects the shop and exposes Retry-After.
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "Retry-After" in response.headers["access-control-expose-headers"]


async def count_responses(db: Database) -> int:
    async with db.snapshot() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM responses"))).scalar_one())


async def test_one_ip_gets_its_limit_of_answers_then_429(service: Service, from_ip: FromIp) -> None:
    # Several keys (several shops) do not multiply one visitor's allowance.
    keys = [await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP]) for _ in range(4)]
    async with from_ip("203.0.113.7") as visitor, from_ip("203.0.113.8") as neighbour:
        answers = [
            await visitor.post("/v1/responses", json=ANSWER, headers=publishable(key))
            for key in keys
        ]
        other_ip = await neighbour.post("/v1/responses", json=ANSWER, headers=publishable(keys[0]))

    assert [a.status_code for a in answers[:3]] == [201, 201, 201]
    assert_rate_limited(answers[3])
    assert other_ip.status_code == 201
    assert await count_responses(service.db) == 4


async def test_one_key_gets_its_limit_of_answers_from_all_ips_then_429(
    service: Service, from_ip: FromIp
) -> None:
    key = await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP])
    other_key = await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP])
    statuses = []
    for visitor in range(6):
        async with from_ip(f"198.51.100.{visitor}") as client:
            answer = await client.post("/v1/responses", json=ANSWER, headers=publishable(key))
        statuses.append(answer.status_code)
    async with from_ip("198.51.100.99") as client:
        last = await client.post("/v1/responses", json=ANSWER, headers=publishable(key))
        other = await client.post("/v1/responses", json=ANSWER, headers=publishable(other_key))

    assert statuses == [201] * 5 + [429]
    assert_rate_limited(last)
    assert other.status_code == 201
    assert await count_responses(service.db) == 6


async def test_comments_sent_with_a_followup_token_are_limited_per_ip(
    service: Service, from_ip: FromIp
) -> None:
    key = await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP])
    async with from_ip("192.0.2.1") as poster:
        created = (await poster.post("/v1/responses", json=ANSWER, headers=publishable(key))).json()
    patch = {"followup_token": created["followup_token"], "comment": "again"}

    async with from_ip("192.0.2.2") as visitor:
        patches = [
            await visitor.patch(
                f"/v1/responses/{created['id']}", json=patch, headers={"Origin": SHOP}
            )
            for _ in range(4)
        ]

    assert [p.status_code for p in patches[:3]] == [200, 200, 200]
    assert_rate_limited(patches[3])


async def test_secret_keys_are_not_limited(service: Service) -> None:
    client = await service.client_with(Scope.RESPONSES_WRITE)
    async with client:
        statuses = {(await client.post("/v1/responses", json=ANSWER)).status_code for _ in range(8)}

    assert statuses == {201}


async def test_the_limits_come_from_the_settings(database_url: str, db: Database) -> None:
    app = create_app(Settings(database_url=database_url, rate_limit_per_ip="7/hour"))

    assert str(app.state.ip_limit.rule) == "7 per 1 hour"
    assert str(app.state.key_limit.rule) == "1200 per 1 minute"
