"""GET /v1/kiosk/setup: a kiosk learns when it loads that its key will refuse its answers.

The check applies the rules ingest applies, so what it lets through a sync takes, and
what it refuses a sync would set aside, answer by answer.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from tests.support.problems import assert_problem
from tests.support.service import Service

SETUP = "/v1/kiosk/setup"


async def check(service: Service, key: str | None, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return await service.client.get(SETUP, params=params, headers=headers)


@pytest.mark.parametrize(
    ("asked", "recorded"),
    [
        ({"location": "store-12"}, "store-12"),
        ({}, "store-12"),  # no location in the address: the key's own is recorded
    ],
)
async def test_a_kiosk_bound_to_its_store_is_told_how_its_answers_will_be_recorded(
    service: Service, asked: dict[str, str], recorded: str
) -> None:
    key = await service.key(kind=KeyKind.KIOSK, location="store-12")

    answer = await check(service, key, survey="store-exit", touchpoint="door", **asked)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "survey": "store-exit",
        "touchpoint": "door",
        "location": recorded,
        "channel": "kiosk",
    }
    assert answer.headers["cache-control"] == "no-store"


async def test_an_unbound_kiosk_key_takes_any_location_and_the_defaults(service: Service) -> None:
    key = await service.key(kind=KeyKind.KIOSK)

    anywhere = await check(service, key, location="store-99")
    defaults = await check(service, key)

    assert anywhere.json()["location"] == "store-99"
    assert defaults.json() == {
        "survey": "default",
        "touchpoint": None,
        "location": None,
        "channel": "kiosk",
    }


async def test_a_location_the_key_is_not_bound_to_is_refused_naming_the_field(
    service: Service,
) -> None:
    key = await service.key(kind=KeyKind.KIOSK, location="store-12")

    answer = await check(service, key, survey="store-exit", location="store-99")

    body = assert_problem(answer, "validation-failed", fields=["location"])
    assert "store-12" in body["errors"][0]["message"]


async def test_the_check_refuses_what_a_sync_of_the_same_kiosk_sets_aside(
    service: Service,
) -> None:
    key = await service.key(kind=KeyKind.KIOSK, location="store-12")
    headers = {"Authorization": f"Bearer {key}"}
    item = {"metric": "nps", "score": 9, "location": "store-99"}

    synced = await service.client.post(
        "/v1/responses/batch", json={"responses": [item]}, headers=headers
    )
    checked = await check(service, key, location="store-99")

    [result] = synced.json()["results"]
    assert result["status"] == "invalid"
    body = assert_problem(checked, "validation-failed", fields=["location"])
    assert body["errors"] == result["errors"]


@pytest.mark.parametrize("kind", [KeyKind.SECRET, KeyKind.PUBLISHABLE])
async def test_a_key_that_is_not_a_kiosk_key_is_forbidden(service: Service, kind: KeyKind) -> None:
    origin = "https://shop.example"
    extra: dict[str, Any] = {"allowed_origins": [origin]} if kind is KeyKind.PUBLISHABLE else {}
    key = await service.key(Scope.RESPONSES_WRITE, kind=kind, **extra)

    answer = await service.client.get(
        SETUP, headers={"Authorization": f"Bearer {key}", "Origin": origin}
    )

    assert_problem(answer, "forbidden", detail="kiosk key")


async def test_a_revoked_or_missing_key_is_unauthenticated(service: Service) -> None:
    key = await service.key(kind=KeyKind.KIOSK, location="store-12")
    async with await service.client_with(Scope.ADMIN) as admin:
        revoked = await admin.delete(f"/v1/keys/{key[6:22]}")
    assert revoked.status_code == 200, revoked.text
    refused = await check(service, key, location="store-12")

    assert_problem(refused, "unauthenticated", detail="revoked")
    assert_problem(await check(service, None), "unauthenticated")


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"locaton": "store-12"}, ["locaton"]),  # a typo is named, never ignored
        ({"metric": "nps"}, ["metric"]),  # the page's own parameters are not the check's
        ({"location": "Store 12"}, ["location"]),
        ({"touchpoint": "-door"}, ["touchpoint"]),
    ],
)
async def test_unknown_parameters_and_malformed_slugs_are_refused(
    service: Service, params: dict[str, str], fields: list[str]
) -> None:
    key = await service.key(kind=KeyKind.KIOSK, location="store-12")

    answer = await check(service, key, **params)

    assert_problem(answer, "validation-failed", fields=fields)


async def test_a_repeated_location_is_refused_not_the_last_one_used(service: Service) -> None:
    key = await service.key(kind=KeyKind.KIOSK, location="store-12")

    answer = await service.client.get(
        SETUP,
        params=[("location", "store-99"), ("location", "store-12")],
        headers={"Authorization": f"Bearer {key}"},
    )

    assert_problem(answer, "validation-failed", fields=["location"])
