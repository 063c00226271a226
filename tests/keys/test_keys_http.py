"""POST/GET/DELETE /v1/keys: what each kind of key may be, shown once, stored as a hash."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.config import Settings
from app.keys.scopes import Scope
from app.main import create_app
from tests.support.problems import assert_problem
from tests.support.service import Service

UTC_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
READ_FIELDS = {
    "id",
    "kind",
    "name",
    "scopes",
    "allowed_origins",
    "location",
    "replaces",
    "idempotency_namespace",
    "created_at",
    "last_used_at",
    "revoked_at",
}
KEY_SHAPE = {
    "secret": re.compile(r"^tp_sk_[0-9a-f]{16}[A-Za-z0-9]{40}$"),
    "publishable": re.compile(r"^tp_pk_[0-9a-f]{16}[A-Za-z0-9]{40}$"),
    "kiosk": re.compile(r"^tp_kk_[0-9a-f]{16}[A-Za-z0-9]{40}$"),
}


@pytest.fixture
async def admin(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    client = await service.client_with(Scope.ADMIN)
    async with client:
        yield client


@asynccontextmanager
async def second_app(settings: Settings, **changes: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Another app instance on the same database, with its own settings and key cache."""
    app = create_app(settings.model_copy(update=changes))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def create(admin: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await admin.post("/v1/keys", json={"name": "k", **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_secret_key_is_created_with_its_scopes_and_shown_with_its_key(
    admin: httpx.AsyncClient,
) -> None:
    response = await admin.post(
        "/v1/keys",
        json={"name": "POS sync", "scopes": ["scores:read", "responses:write", "scores:read"]},
    )

    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == READ_FIELDS | {"key"}
    assert body["kind"] == "secret"
    assert body["name"] == "POS sync"
    assert body["scopes"] == ["responses:write", "scores:read"]
    assert body["allowed_origins"] == []
    assert body["location"] is None
    assert UTC_SECONDS.match(body["created_at"])
    assert body["last_used_at"] is None
    assert body["revoked_at"] is None
    assert KEY_SHAPE["secret"].match(body["key"])
    assert body["key"][6:22] == body["id"]
    assert body["replaces"] is None
    assert body["idempotency_namespace"] == body["id"]


async def test_a_publishable_key_is_write_only_with_normalised_origins(
    admin: httpx.AsyncClient,
) -> None:
    body = await create(
        admin,
        kind="publishable",
        allowed_origins=[
            "HTTPS://Shop.Example:443/",
            "https://shop.example",
            "http://localhost:3000",
            "http://[::1]:80",
        ],
    )

    assert body["kind"] == "publishable"
    assert body["scopes"] == ["responses:write"]
    assert body["allowed_origins"] == [
        "http://[::1]",
        "http://localhost:3000",
        "https://shop.example",
    ]
    assert body["location"] is None
    assert KEY_SHAPE["publishable"].match(body["key"])


async def test_a_kiosk_key_is_write_only_and_may_be_bound_to_a_location(
    admin: httpx.AsyncClient,
) -> None:
    bound = await create(admin, kind="kiosk", location="store-12")
    unbound = await create(admin, kind="kiosk", scopes=["responses:write"])

    assert (bound["kind"], bound["scopes"], bound["location"]) == (
        "kiosk",
        ["responses:write"],
        "store-12",
    )
    assert unbound["location"] is None
    assert bound["allowed_origins"] == unbound["allowed_origins"] == []
    assert KEY_SHAPE["kiosk"].match(bound["key"])


# body → (the field named in errors[], a piece of its message)
INVALID_KEYS: list[Any] = [
    pytest.param({"scopes": []}, "scopes", "at least one scope", id="secret-without-scope"),
    pytest.param({}, "scopes", "at least one scope", id="secret-scopes-omitted"),
    pytest.param({"scopes": ["everything"]}, "scopes.0", "", id="unknown-scope"),
    pytest.param(
        {"scopes": ["admin"], "allowed_origins": ["https://a.example"]},
        "allowed_origins",
        "only publishable",
        id="secret-with-origins",
    ),
    pytest.param(
        {"scopes": ["admin"], "location": "store-1"},
        "location",
        "only kiosk",
        id="secret-with-location",
    ),
    pytest.param({"kind": "publishable"}, "allowed_origins", "origin", id="pk-no-origins"),
    pytest.param(
        {"kind": "publishable", "allowed_origins": ["https://a.example"], "scopes": ["admin"]},
        "scopes",
        "write-only",
        id="pk-with-admin-scope",
    ),
    pytest.param(
        {"kind": "publishable", "allowed_origins": ["https://a.example/checkout"]},
        "allowed_origins.0",
        "no path",
        id="pk-origin-with-path",
    ),
    pytest.param(
        {"kind": "publishable", "allowed_origins": ["shop.example"]},
        "allowed_origins.0",
        "http:// or https://",
        id="pk-origin-without-scheme",
    ),
    pytest.param(
        {"kind": "publishable", "allowed_origins": ["https://a.example"], "location": "s"},
        "location",
        "only kiosk",
        id="pk-with-location",
    ),
    pytest.param(
        {"kind": "kiosk", "scopes": ["responses:read"]},
        "scopes",
        "write-only",
        id="kiosk-with-read-scope",
    ),
    pytest.param(
        {"kind": "kiosk", "allowed_origins": ["https://a.example"]},
        "allowed_origins",
        "only publishable",
        id="kiosk-with-origins",
    ),
    pytest.param({"kind": "kiosk", "location": "Store 12"}, "location", "", id="bad-slug"),
    pytest.param({"kind": "master", "scopes": ["admin"]}, "kind", "", id="unknown-kind"),
    pytest.param({"scope": ["admin"]}, "scope", "unknown field", id="typo-is-rejected"),
]


async def test_a_key_that_does_not_fit_its_kind_is_refused_naming_the_field(
    admin: httpx.AsyncClient,
) -> None:
    for case in INVALID_KEYS:
        body, field, message = case.values
        response = await admin.post("/v1/keys", json={"name": "k", **body})

        problem = assert_problem(response, "validation-failed", fields=...)
        fields = [error["field"] for error in problem["errors"]]
        assert field in fields, (case.id, problem)
        assert any(message in error["message"] for error in problem["errors"]), (case.id, problem)


async def test_a_key_needs_a_name(admin: httpx.AsyncClient) -> None:
    missing = await admin.post("/v1/keys", json={"scopes": ["admin"]})
    empty = await admin.post("/v1/keys", json={"name": "", "scopes": ["admin"]})

    assert_problem(missing, "validation-failed", fields=["name"])
    assert_problem(empty, "validation-failed", fields=["name"])


async def test_the_key_is_shown_once_and_never_listed(admin: httpx.AsyncClient) -> None:
    created = await create(admin, scopes=["scores:read"])

    listed = await admin.get("/v1/keys")

    assert listed.status_code == 200
    entries = listed.json()["data"]
    mine = next(entry for entry in entries if entry["id"] == created["id"])
    assert set(mine) == READ_FIELDS
    assert mine == {field: created[field] for field in READ_FIELDS}
    assert created["key"] not in listed.text
    assert created["key"][22:] not in listed.text
    assert "hash" not in listed.text
    revoked = await admin.delete(f"/v1/keys/{created['id']}")
    assert "key" not in revoked.json()
    assert created["key"][22:] not in revoked.text


async def test_only_a_sha256_of_the_key_is_stored(
    admin: httpx.AsyncClient, service: Service
) -> None:
    created = await create(admin, scopes=["scores:read"])
    secret_part = created["key"][22:]

    async with service.db.engine.connect() as connection:
        result = await connection.execute(
            text("SELECT * FROM api_keys WHERE id = :id"), {"id": created["id"]}
        )
        row = dict(result.mappings().one())

    assert row["key_hash"] == hashlib.sha256(created["key"].encode()).hexdigest()
    stored = " ".join(str(value) for value in row.values())
    assert created["key"] not in stored
    assert secret_part not in stored


async def test_a_created_key_works_at_once(admin: httpx.AsyncClient) -> None:
    created = await create(admin, scopes=["scores:read"])

    response = await admin.get(
        "/v1/scores", params={"metric": "nps"}, headers=bearer(created["key"])
    )

    assert response.status_code == 200, response.text


async def test_a_revoked_key_is_refused_at_once_by_this_process(
    service: Service, settings: Settings
) -> None:
    admin_key = await service.key(Scope.ADMIN)
    victim = await service.key(Scope.SCORES_READ)
    # A long cache: the revocation must not wait for it to expire in this process.
    async with second_app(settings, key_cache_seconds=3600) as client:
        before = await client.get("/v1/scores?metric=nps", headers=bearer(victim))
        assert before.status_code == 200, before.text

        revoked = await client.delete(f"/v1/keys/{victim[6:22]}", headers=bearer(admin_key))
        after = await client.get("/v1/scores?metric=nps", headers=bearer(victim))

    assert revoked.status_code == 200, revoked.text
    assert revoked.headers["content-type"] == "application/json"
    body = revoked.json()
    assert set(body) == READ_FIELDS
    assert UTC_SECONDS.match(body["revoked_at"])
    assert_problem(after, "unauthenticated", detail="revoked")


async def test_revoking_twice_keeps_the_first_revocation(admin: httpx.AsyncClient) -> None:
    created = await create(admin, scopes=["scores:read"])

    first = await admin.delete(f"/v1/keys/{created['id']}")
    second = await admin.delete(f"/v1/keys/{created['id']}")

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    listed = {entry["id"]: entry for entry in (await admin.get("/v1/keys")).json()["data"]}
    assert listed[created["id"]]["revoked_at"] == first.json()["revoked_at"]


async def test_revoking_an_unknown_key_is_a_404_problem(admin: httpx.AsyncClient) -> None:
    for key_id in ("0123456789abcdef", "nope", "x" * 200):
        response = await admin.delete(f"/v1/keys/{key_id}")

        assert_problem(response, "key-not-found", detail="No key has the id")


async def test_last_used_at_is_recorded_when_a_key_is_used(admin: httpx.AsyncClient) -> None:
    used = await create(admin, scopes=["scores:read"])
    unused = await create(admin, scopes=["scores:read"])

    response = await admin.get("/v1/scores?metric=nps", headers=bearer(used["key"]))
    assert response.status_code == 200

    listed = {entry["id"]: entry for entry in (await admin.get("/v1/keys")).json()["data"]}
    assert UTC_SECONDS.match(listed[used["id"]]["last_used_at"])
    assert listed[unused["id"]]["last_used_at"] is None
