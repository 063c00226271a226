"""An export cursor is the server's word: signed, bound to its filters, bounded in what it says.

A cursor a client changed, made up, or carried over from other filters is the 422 that a
malformed one gets, on JSON pages and before a CSV or NDJSON stream starts.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from pydantic import SecretStr

from app.config import Settings
from app.dimensions.filters import ResponseFilter
from app.instance import signing
from app.instance.service import stored_secret
from app.keys.scopes import Scope
from app.responses import export_cursors
from app.responses.errors import InvalidCursor
from app.responses.export_cursors import CursorSigner
from tests.support.ingest_support import another_app, nps
from tests.support.problems import assert_problem
from tests.support.service import Service

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
FORMATS = ("json", "csv", "ndjson")
EVERYTHING = ResponseFilter().fingerprint(None)  # the fingerprint of a query without filters


async def seed(api: httpx.AsyncClient, count: int) -> None:
    items = [nps(i % 11) for i in range(count)]
    answer = await api.post("/v1/responses/batch", json={"responses": items})
    assert {r["status"] for r in answer.json()["results"]} == {"created"}, answer.text


async def first_page(api: httpx.AsyncClient, **params: Any) -> tuple[list[str], str]:
    answer = await api.get("/v1/responses", params={"limit": 3, **params})
    assert answer.status_code == 200, answer.text
    cursor = answer.json()["next_cursor"]
    assert cursor is not None
    return [row["id"] for row in answer.json()["data"]], cursor


async def assert_refused(api: httpx.AsyncClient, cursor: str, **params: Any) -> None:
    """Refused the same way on every format: a 422 problem, not a stream that dies."""
    for fmt in FORMATS:
        answer = await api.get("/v1/responses", params={"cursor": cursor, "format": fmt, **params})
        assert_problem(answer, "invalid-cursor", fields=["cursor"])


def changed_at(cursor: str, index: int) -> str:
    """The cursor with one character changed: its base64 value's lowest bit flipped.

    In the last character of a base64 part that bit is one decoding ignores, so a check
    of the signature alone would let the change through.
    """
    character = cursor[index]
    if character == ".":
        return cursor[:index] + "A" + cursor[index + 1 :]
    other = BASE64URL[BASE64URL.index(character) ^ 1]
    return cursor[:index] + other + cursor[index + 1 :]


def unsigned(payload: Any) -> str:
    """A cursor in the format given out before cursors were signed."""
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


async def servers_signer(service: Service) -> CursorSigner:
    """What only the server can hold: its generated secret (the fixture sets none)."""
    generated = await stored_secret(service.db, export_cursors.GENERATED_SECRET)
    return CursorSigner(signing.server_secrets(service.settings, generated))


async def test_a_cursor_changed_in_any_one_character_is_refused(api: httpx.AsyncClient) -> None:
    await seed(api, 5)
    _, cursor = await first_page(api)

    for index in range(len(cursor)):
        changed = changed_at(cursor, index)
        assert changed != cursor
        answer = await api.get("/v1/responses", params={"cursor": changed, "limit": 3})
        assert_problem(answer, "invalid-cursor", fields=["cursor"])
    for cut in (cursor[:-1], cursor[1:], cursor + "A", cursor.rsplit(".", 1)[0]):
        answer = await api.get("/v1/responses", params={"cursor": cut, "limit": 3})
        assert_problem(answer, "invalid-cursor", fields=["cursor"])
    genuine = await api.get("/v1/responses", params={"cursor": cursor, "limit": 3})
    assert genuine.status_code == 200, genuine.text


async def test_a_cursor_from_other_filters_is_refused_on_every_format(
    api: httpx.AsyncClient,
) -> None:
    await seed(api, 5)
    _, cursor = await first_page(api, metric="nps")

    await assert_refused(api, cursor)
    await assert_refused(api, cursor, metric="csat")
    await assert_refused(api, cursor, metric="nps", channel="api")


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"])
async def test_a_forged_cursor_of_the_old_format_is_refused_whatever_year_it_names(
    api: httpx.AsyncClient, at: str
) -> None:
    await seed(api, 2)

    # Its fingerprint is the one the old format used, which any client could compute.
    await assert_refused(api, unsigned([at, str(uuid.uuid4()), EVERYTHING]))


async def test_a_cursor_signed_with_another_secret_is_refused(
    service: Service, api: httpx.AsyncClient
) -> None:
    await seed(api, 5)
    position = (datetime(2026, 11, 20, 14, 3, 11, tzinfo=UTC), uuid.uuid4())
    for secret in ("guessed-secret", "", "export-cursor-key"):
        forged = CursorSigner([secret]).issue(position, EVERYTHING)
        await assert_refused(api, forged)
    genuine = (await servers_signer(service)).issue(position, EVERYTHING)
    answer = await api.get("/v1/responses", params={"cursor": genuine})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "at",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(9001, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
async def test_even_a_signed_cursor_may_not_name_a_time_out_of_range(
    service: Service, api: httpx.AsyncClient, at: datetime
) -> None:
    # A leaked secret or a bug must not reach the database with a time it cannot hold.
    await seed(api, 2)
    signer = await servers_signer(service)

    await assert_refused(api, signer.issue((at, uuid.uuid4()), EVERYTHING))


def test_a_signed_cursor_must_hold_a_version_a_whole_time_and_an_id() -> None:
    secrets = ["server-secret"]
    sign = signing.serializer(secrets, export_cursors.PURPOSE, export_cursors.SALT).dumps
    reader = CursorSigner(secrets)
    good_id = uuid.uuid4().hex
    for payload in (
        [2, 0, good_id, EVERYTHING],
        [1, 1.5, good_id, EVERYTHING],
        [1, True, good_id, EVERYTHING],
        [1, "0", good_id, EVERYTHING],
        [1, 0, "not-an-id", EVERYTHING],
        [1, 0, "g" + good_id[1:], EVERYTHING],
        [1, 0, str(uuid.uuid4()), EVERYTHING],
        [1, 0, None, EVERYTHING],
        [1, 0, good_id],
        {"v": 1},
        "text",
    ):
        with pytest.raises(InvalidCursor):
            reader.read(sign(payload), EVERYTHING)
    assert reader.read(sign([1, 0, good_id, EVERYTHING]), EVERYTHING) == (
        datetime(1970, 1, 1, tzinfo=UTC),
        uuid.UUID(good_id),
    )


async def test_a_page_cursor_starts_a_stream_right_after_that_page(
    api: httpx.AsyncClient,
) -> None:
    await seed(api, 8)
    everything = [row["id"] for row in (await api.get("/v1/responses")).json()["data"]]
    first, cursor = await first_page(api)

    ndjson = await api.get("/v1/responses", params={"cursor": cursor, "format": "ndjson"})
    csv = await api.get("/v1/responses", params={"cursor": cursor, "format": "csv"})

    assert first == everything[:3]
    assert [orjson.loads(line)["id"] for line in ndjson.content.splitlines()] == everything[3:]
    assert [line.split(",")[0] for line in csv.text.splitlines()[1:]] == everything[3:]


def configured(service: Service, secret: str, *old: str) -> Settings:
    return Settings(
        database_url=service.settings.database_url,
        key_cache_seconds=0,
        secret_key=SecretStr(secret),
        old_secret_keys=[SecretStr(key) for key in old],
    )


async def test_a_cursor_survives_a_secret_rotation_until_the_old_secret_is_removed(
    service: Service, api: httpx.AsyncClient
) -> None:
    await seed(api, 8)
    key = await service.key(*Scope)
    async with another_app(configured(service, "first-secret"), key) as before:
        first, cursor = await first_page(before)

    async with another_app(configured(service, "second-secret", "first-secret"), key) as rotated:
        rest = await rotated.get("/v1/responses", params={"cursor": cursor})
        assert rest.status_code == 200, rest.text
        assert len(first) + len(rest.json()["data"]) == 8
    async with another_app(configured(service, "second-secret"), key) as forgetful:
        await assert_refused(forgetful, cursor)
    # Nor does a cursor of the generated secret pass once a secret is configured.
    _, generated = await first_page(api)
    async with another_app(configured(service, "first-secret"), key) as configured_app:
        await assert_refused(configured_app, generated)
