"""CORS for publishable keys, exactly as CHANNELS.md §1 says it.

Only an origin some active publishable key lists is reflected, exactly (scheme, host,
port), with `Vary: Origin`; never `*`, never `null`. Preflights carry no key; the
request itself is then checked against its own key's list.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from app.channels.widget.origins import PublishableOrigins
from app.config import Settings
from app.db import Database
from app.keys import service as keys_service
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind, parse_key
from app.main import create_app
from tests.support.problems import PROBLEM_CONTENT_TYPE
from tests.support.service import Service

SHOP = "https://shop.example"
SHOP_DEV = "http://localhost:8080"
REFUSED_ORIGINS = [
    "null",
    "https://evil.example",
    "https://shop.example.evil.com",  # look-alike: the shop's name as a subdomain
    "https://evilshop.example",  # look-alike: the shop's name as a suffix
    "https://www.shop.example",  # a subdomain is another origin
    "http://shop.example",  # wrong scheme
    "https://shop.example:8443",  # wrong port
    "https://shop.example:443",  # browsers never send the default port
    "https://shop.example/",  # nor a path
    "HTTPS://SHOP.EXAMPLE",  # nor capitals
    "http://localhost:8081",
    "http://127.0.0.1:8080",  # another name for the same machine is another origin
    "*",
]
# The three routes the widget calls, with their method.
WIDGET_CALLS = [
    ("POST", "/v1/responses"),
    ("PATCH", f"/v1/responses/{uuid.uuid4()}"),
    ("GET", "/v1/surveys/site-nps/wording"),
]


def preflight(
    method: str, origin: str, headers: str = "authorization,content-type,idempotency-key"
) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


def assert_no_cors(response: httpx.Response) -> None:
    assert not [name for name in response.headers if name.startswith("access-control-")]
    assert "Origin" in response.headers["vary"]


@pytest.fixture
async def shop_key(service: Service) -> str:
    return await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP, SHOP_DEV])


@pytest.mark.parametrize(("method", "path"), WIDGET_CALLS)
@pytest.mark.parametrize("origin", [SHOP, SHOP_DEV])
async def test_a_preflight_from_an_allowed_origin_reflects_exactly_that_origin(
    service: Service, shop_key: str, method: str, path: str, origin: str
) -> None:
    response = await service.client.options(path, headers=preflight(method, origin))

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-methods"] == method
    assert response.headers["access-control-allow-headers"] == (
        "Authorization, Content-Type, Idempotency-Key"
    )
    assert response.headers["access-control-max-age"] == "600"
    assert response.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize(("method", "path"), WIDGET_CALLS)
async def test_a_preflight_from_any_other_origin_is_refused(
    service: Service, shop_key: str, method: str, path: str
) -> None:
    for origin in REFUSED_ORIGINS:
        response = await service.client.options(path, headers=preflight(method, origin))

        assert response.status_code == 403, origin
        assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
        body = response.json()
        assert body["type"] == "/problems/origin-not-allowed"
        assert body["title"] == "This origin may not call the API from a browser"
        assert body["status"] == 403
        assert "touchpoint keys create --kind publishable" in body["detail"]
        assert_no_cors(response)


async def test_a_preflight_asking_for_other_methods_or_headers_is_refused(
    service: Service, shop_key: str
) -> None:
    for method, path, headers in [
        ("DELETE", "/v1/responses", "authorization"),
        ("GET", "/v1/responses", "authorization"),  # reading is never for a browser's key
        ("POST", "/v1/responses", "authorization,x-forwarded-for"),
        ("PUT", f"/v1/responses/{uuid.uuid4()}", "content-type"),
    ]:
        response = await service.client.options(path, headers=preflight(method, SHOP, headers))

        assert response.status_code == 403, (method, path, headers)
        assert response.json()["type"] == "/problems/origin-not-allowed"
        assert_no_cors(response)


async def test_other_routes_get_no_cors_for_the_shops_origin(
    service: Service, shop_key: str
) -> None:
    scores = await service.client.options("/v1/scores", headers=preflight("GET", SHOP))
    batch = await service.client.options("/v1/responses/batch", headers=preflight("POST", SHOP))

    assert scores.status_code == 405  # no CORS configured for dashboards: nothing answers
    assert batch.status_code == 403  # publishable keys send one answer per request
    for response in (scores, batch):
        assert not [name for name in response.headers if name.startswith("access-control-")]


async def test_a_revoked_keys_origins_are_no_longer_allowed(service: Service) -> None:
    key = await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP])
    allowed = await service.client.options("/v1/responses", headers=preflight("POST", SHOP))
    assert allowed.status_code == 204

    parsed = parse_key(key)
    assert parsed is not None
    await keys_service.revoke(service.db, keys_service.KeyCache(0), parsed.key_id)

    refused = await service.client.options("/v1/responses", headers=preflight("POST", SHOP))
    assert refused.status_code == 403
    assert_no_cors(refused)


async def test_the_answer_itself_reflects_an_allowed_origin_and_exposes_retry_headers(
    service: Service, shop_key: str
) -> None:
    headers = {"Authorization": f"Bearer {shop_key}", "Origin": SHOP, "Idempotency-Key": "a-1"}
    body = {"metric": "nps", "score": 9, "survey": "site-nps"}

    created = await service.client.post("/v1/responses", json=body, headers=headers)
    replayed = await service.client.post("/v1/responses", json=body, headers=headers)
    refused = await service.client.post(
        "/v1/responses", json={**body, "score": 11}, headers=headers
    )

    for response, status in ((created, 201), (replayed, 200), (refused, 422)):
        assert response.status_code == status, response.text
        assert response.headers.get_list("access-control-allow-origin") == [SHOP]
        assert response.headers["access-control-expose-headers"] == (
            "Retry-After, Idempotent-Replayed, Location"
        )
        assert "Origin" in response.headers["vary"]
        assert "access-control-allow-credentials" not in response.headers
    patched = await service.client.patch(
        f"/v1/responses/{created.json()['id']}",
        json={"followup_token": created.json()["followup_token"], "comment": "Fast"},
        headers={"Origin": SHOP},
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["access-control-allow-origin"] == SHOP


async def test_an_answer_from_a_refused_origin_is_stored_nowhere_and_not_reflected(
    service: Service, shop_key: str
) -> None:
    for origin in REFUSED_ORIGINS:
        response = await service.client.post(
            "/v1/responses",
            json={"metric": "nps", "score": 10},
            headers={"Authorization": f"Bearer {shop_key}", "Origin": origin},
        )

        assert response.status_code == 403, origin
        assert_no_cors(response)
    assert await count_responses(service.db) == 0


async def test_a_key_is_refused_from_another_keys_origin(service: Service, shop_key: str) -> None:
    """The preflight passes (some key allows the origin); the key itself does not."""
    other = "https://other-shop.example"
    await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[other])
    assert (
        await service.client.options("/v1/responses", headers=preflight("POST", other))
    ).status_code == 204

    response = await service.client.post(
        "/v1/responses",
        json={"metric": "nps", "score": 10},
        headers={"Authorization": f"Bearer {shop_key}", "Origin": other},
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "This publishable key is not allowed from this origin."
    assert await count_responses(service.db) == 0


async def count_responses(db: Database) -> int:
    async with db.snapshot() as connection:
        return int((await connection.execute(text("SELECT count(*) FROM responses"))).scalar_one())


@pytest.fixture
async def with_dashboards(
    db: Database, settings: Settings
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """The app with TOUCHPOINT_CORS_ORIGINS set for a dashboard, and a key that reads."""
    configured = settings.model_copy(update={"cors_origins": ["https://dash.example", SHOP]})
    app = create_app(configured)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, await Service(client, db, configured).key(Scope.SCORES_READ)


async def test_the_dashboards_cors_settings_still_work_beside_the_widgets(
    with_dashboards: tuple[httpx.AsyncClient, str], db: Database
) -> None:
    client, reader = with_dashboards
    dash = "https://dash.example"
    shop_key = await Service(client, db, Settings()).key(
        kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP]
    )

    scores_preflight = await client.options(
        "/v1/scores", headers=preflight("GET", dash, "authorization")
    )
    scores = await client.get(
        "/v1/scores",
        params={"metric": "nps"},
        headers={"Origin": dash, "Authorization": f"Bearer {reader}"},
    )
    assert scores_preflight.status_code == 200
    assert scores_preflight.headers["access-control-allow-origin"] == dash
    assert scores.headers["access-control-allow-origin"] == dash

    # The dashboards' origin may not write with a browser; the shop's may, once.
    refused = await client.options("/v1/responses", headers=preflight("POST", dash))
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/origin-not-allowed"
    assert "access-control-allow-origin" not in refused.headers
    answer = await client.post(
        "/v1/responses",
        json={"metric": "nps", "score": 9},
        headers={"Origin": SHOP, "Authorization": f"Bearer {shop_key}"},
    )
    assert answer.status_code == 201
    assert answer.headers.get_list("access-control-allow-origin") == [SHOP]
    wording = await client.get("/v1/surveys/site/wording", headers={"Origin": SHOP})
    assert wording.headers.get_list("access-control-allow-origin") == [SHOP]


async def test_each_process_rereads_the_allowed_origins_after_its_ttl(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = PublishableOrigins(ttl_seconds=3600)
    fresh = PublishableOrigins(ttl_seconds=0)
    assert not await cached.allows(service.db, SHOP)

    await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP])

    assert not await cached.allows(service.db, SHOP)  # within its TTL: the old list
    assert await fresh.allows(service.db, SHOP)
    assert not await fresh.allows(service.db, "null")
    assert not await fresh.allows(service.db, None)

    async def unreachable(_db: Database) -> frozenset[str]:
        raise OSError("connection refused")

    monkeypatch.setattr(keys_service, "publishable_origins", unreachable)
    assert await fresh.allows(service.db, SHOP)  # an outage keeps the last known list
    with pytest.raises(OSError, match="connection refused"):
        await PublishableOrigins(ttl_seconds=0).allows(service.db, SHOP)


async def test_a_preflight_during_an_outage_is_a_503_to_retry(
    service: Service, shop_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreachable(_db: Database) -> frozenset[str]:
        raise OSError("connection refused")

    monkeypatch.setattr(keys_service, "publishable_origins", unreachable)
    # A new app: its middleware has no list loaded yet.
    app = create_app(service.settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.options("/v1/responses", headers=preflight("POST", SHOP))

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.headers["retry-after"] == "1"
    assert_no_cors(response)
