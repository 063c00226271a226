"""Every route of the app × every kind of key: who is let in, who is refused.

Routes are read from the app itself, so a new route is in the matrix the day it is
added, and this file fails until someone says which scope it needs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
import httpx
import pytest
from starlette.routing import BaseRoute

from app.config import Settings
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from app.main import create_app
from tests.support.problems import assert_problem
from tests.support.service import Service

PUBLIC = None
# (method, path) → the one scope that lets a secret key in; PUBLIC for no key at all.
ROUTE_SCOPES: dict[tuple[str, str], Scope | None] = {
    ("POST", "/v1/responses"): Scope.RESPONSES_WRITE,
    ("POST", "/v1/responses/batch"): Scope.RESPONSES_WRITE,
    ("PATCH", "/v1/responses/{response_id}"): Scope.RESPONSES_WRITE,
    ("GET", "/v1/responses/{response_id}"): Scope.RESPONSES_READ,
    ("GET", "/v1/responses"): Scope.RESPONSES_READ,
    ("GET", "/v1/scores"): Scope.SCORES_READ,
    ("GET", "/v1/scores/series"): Scope.SCORES_READ,
    ("DELETE", "/v1/respondents/{respondent}"): Scope.ADMIN,
    ("POST", "/v1/keys"): Scope.ADMIN,
    ("GET", "/v1/keys"): Scope.ADMIN,
    ("DELETE", "/v1/keys/{key_id}"): Scope.ADMIN,
    ("PUT", "/v1/surveys/{survey}"): Scope.ADMIN,
    ("GET", "/v1/surveys/{survey}"): Scope.ADMIN,
    ("GET", "/v1/surveys"): Scope.ADMIN,
    ("DELETE", "/v1/surveys/{survey}"): Scope.ADMIN,
    ("GET", "/v1/surveys/{survey}/wording"): PUBLIC,  # customer-facing texts: no key
    ("POST", "/v1/email-links"): Scope.RESPONSES_WRITE,
    # The pages behind email links: the signed token in the path is the credential.
    ("GET", "/r/{token}/{score}"): PUBLIC,
    ("GET", "/r/{token}"): PUBLIC,
    ("POST", "/r/{token}"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/assets/{name}"): PUBLIC,  # Swagger UI's and ReDoc's own files
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/kiosk"): PUBLIC,
    ("GET", "/kiosk/{asset}"): PUBLIC,
    ("GET", "/v1/kiosk/setup"): Scope.RESPONSES_WRITE,  # and a kiosk key: KIOSK_KEY_ROUTES
    ("GET", "/widget.js"): PUBLIC,
}
# The only routes a publishable or kiosk key may call: recording answers.
WRITE_ONLY_KEY_ROUTES = {("POST", "/v1/responses"), ("POST", "/v1/responses/batch")}
# Publishable keys send one answer per request, so per-request rate limits bound them.
NOT_FOR_PUBLISHABLE_KEYS = {("POST", "/v1/responses/batch")}
# The kiosk page's own check of its setup: kiosk keys only, whatever a secret key's scopes.
KIOSK_KEY_ROUTES = {("GET", "/v1/kiosk/setup")}

# The smallest valid request of each route, so "let in" means the route really answered.
MINIMAL_REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/responses"): {"json": {"metric": "nps", "score": 9}},
    ("POST", "/v1/responses/batch"): {"json": {"responses": [{"metric": "nps", "score": 9}]}},
    ("PATCH", "/v1/responses/{response_id}"): {"json": {"comment": "Fast checkout"}},
    ("GET", "/v1/scores"): {"params": {"metric": "nps"}},
    ("GET", "/v1/scores/series"): {"params": {"metric": "nps"}},
    ("POST", "/v1/keys"): {"json": {"name": "matrix", "scopes": ["scores:read"]}},
    ("PUT", "/v1/surveys/{survey}"): {"json": {"brand": "Matrix"}},
    ("GET", "/v1/surveys/{survey}/wording"): {"params": {"metric": "nps"}},
    ("POST", "/v1/email-links"): {"json": {"metric": "nps"}},
    ("GET", "/kiosk"): {"params": {"metric": "nps"}},
    ("GET", "/v1/kiosk/setup"): {"params": {"survey": "store", "location": "store-1"}},
}
PATH_VALUES = {
    "response_id": str(uuid.uuid4()),
    "respondent": "cust-8812",
    "key_id": "0123456789abcdef",
    "survey": "site-nps",
    "asset": "kiosk.js",
}
ORIGIN = "https://shop.example"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # the template, as in openapi.yaml: /v1/keys/{key_id}

    @property
    def route(self) -> tuple[str, str]:
        return (self.method, self.path)

    def url(self) -> str:
        url = self.path
        for name in _placeholders(self.path):
            url = url.replace("{" + name + "}", PATH_VALUES.get(name, "x"))
        return url

    def request_options(self) -> dict[str, Any]:
        if self.route in MINIMAL_REQUESTS:
            return MINIMAL_REQUESTS[self.route]
        return {"json": {}} if self.method in ("POST", "PUT", "PATCH") else {}


def _placeholders(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _flat_routes(routes: list[BaseRoute]) -> Iterator[Any]:
    # FastAPI ≥ 0.16x keeps included routers as one route each; older ones flatten them.
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    yield from (iterate(routes) if iterate else routes)


def endpoints() -> list[Endpoint]:
    app = create_app(Settings.model_construct())
    found = []
    for route in _flat_routes(app.routes):
        template = getattr(route, "path_format", None) or route.path
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append(Endpoint(method, template))
    return found


KEY_KINDS = [f"secret {scope}" for scope in Scope] + ["publishable", "kiosk"]


async def make_keys(service: Service) -> dict[str, str]:
    keys = {f"secret {scope}": await service.key(scope) for scope in Scope}
    keys["publishable"] = await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[ORIGIN])
    keys["kiosk"] = await service.key(kind=KeyKind.KIOSK, location="store-1")
    return keys


def expected_in(route: tuple[str, str], kind: str) -> bool:
    scope = ROUTE_SCOPES[route]
    if scope is PUBLIC:
        return True
    if route in KIOSK_KEY_ROUTES:
        return kind == "kiosk"
    if kind == "publishable" and route in NOT_FOR_PUBLISHABLE_KEYS:
        return False
    if kind in ("publishable", "kiosk"):
        return route in WRITE_ONLY_KEY_ROUTES
    return kind == f"secret {scope}"


async def call(service: Service, endpoint: Endpoint, key: str | None) -> httpx.Response:
    headers = {"Origin": ORIGIN}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    options = endpoint.request_options()
    return await service.client.request(endpoint.method, endpoint.url(), headers=headers, **options)


def test_every_route_is_classified() -> None:
    unknown = sorted({e.route for e in endpoints()} - set(ROUTE_SCOPES))

    assert not unknown, (
        f"New routes {unknown}: add each to ROUTE_SCOPES in {__file__} with the scope it "
        "needs (PUBLIC if none), to WRITE_ONLY_KEY_ROUTES if publishable/kiosk keys may "
        "call it, and a valid request to MINIMAL_REQUESTS."
    )


def test_the_matrix_tables_name_only_real_routes() -> None:
    real = {e.route for e in endpoints()}

    assert set(MINIMAL_REQUESTS) <= real
    assert real >= WRITE_ONLY_KEY_ROUTES
    assert real >= KIOSK_KEY_ROUTES


async def test_no_key_is_refused_everywhere_but_public_routes(service: Service) -> None:
    wrong = []
    for endpoint in endpoints():
        response = await call(service, endpoint, None)
        if endpoint.route in ROUTE_SCOPES:
            protected = ROUTE_SCOPES[endpoint.route] is not PUBLIC
        else:  # unclassified (test_every_route_is_classified fails): assume the safe answer
            protected = endpoint.path.startswith("/v1/")
        if protected and response.status_code != 401:
            wrong.append(f"{endpoint.route}: {response.status_code}, expected 401")
        if not protected and response.status_code in (401, 403):
            wrong.append(f"{endpoint.route}: {response.status_code} on a public route")
        if response.status_code == 401:
            assert_problem(response, "unauthenticated")

    assert not wrong, "\n".join(wrong)


async def test_each_key_kind_gets_into_exactly_the_routes_its_scopes_allow(
    service: Service,
) -> None:
    keys = await make_keys(service)
    wrong = []
    for endpoint in endpoints():
        if endpoint.route not in ROUTE_SCOPES:
            continue  # test_every_route_is_classified names it
        for kind, key in keys.items():
            response = await call(service, endpoint, key)
            status = response.status_code
            if expected_in(endpoint.route, kind):
                if status in (401, 403) or status >= 500:
                    wrong.append(f"{endpoint.route} {kind}: {status}, expected to be let in")
            elif status != 403:
                wrong.append(f"{endpoint.route} {kind}: {status}, expected 403")
            else:
                assert_problem(response, "forbidden")

    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("kind", ["publishable", "kiosk"])
async def test_write_only_keys_cannot_edit_a_comment(service: Service, kind: str) -> None:
    if kind == "publishable":
        key = await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[ORIGIN])
    else:
        key = await service.key(kind=KeyKind.KIOSK)
    writer = await service.client_with(Scope.RESPONSES_WRITE)
    async with writer:
        created = await writer.post("/v1/responses", json={"metric": "nps", "score": 3})
    response_id = created.json()["id"]

    response = await service.client.patch(
        f"/v1/responses/{response_id}",
        json={"comment": "spam"},
        headers={"Authorization": f"Bearer {key}", "Origin": ORIGIN},
    )

    assert_problem(response, "forbidden", detail="secret key")
