"""Who gets in: 401 for no valid key, 403 for a valid key that may not do this."""

from __future__ import annotations

import httpx
import pytest

from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from tests.support.problems import assert_problem
from tests.support.service import Service

SHOP = "https://shop.example"
WELL_FORMED_UNKNOWN = "tp_sk_0123456789abcdef" + "A" * 40


async def get_keys(service: Service, headers: dict[str, str]) -> httpx.Response:
    return await service.client.get("/v1/keys", headers=headers)


def swap_last(key: str) -> str:
    return key[:-1] + ("B" if key[-1] != "B" else "C")


async def test_every_way_of_not_holding_a_valid_key_is_a_401_problem(service: Service) -> None:
    admin = await service.key(Scope.ADMIN)
    revoked = await service.key(Scope.ADMIN)
    ok = await get_keys(service, {"Authorization": f"Bearer {admin}"})
    assert ok.status_code == 200, ok.text
    gone = await service.client.delete(
        f"/v1/keys/{revoked[6:22]}", headers={"Authorization": f"Bearer {admin}"}
    )
    assert gone.status_code == 200

    cases = {
        "no header": ({}, "Authorization: Bearer"),
        "empty header": ({"Authorization": ""}, "Authorization: Bearer"),
        "wrong scheme": ({"Authorization": f"Basic {admin}"}, "Authorization: Bearer"),
        "scheme only": ({"Authorization": "Bearer"}, "Authorization: Bearer"),
        "malformed key": ({"Authorization": "Bearer tp_sk_short"}, "not valid"),
        "not our key at all": ({"Authorization": "Bearer " + "x" * 62}, "not valid"),
        "unknown key id": ({"Authorization": f"Bearer {WELL_FORMED_UNKNOWN}"}, "not valid"),
        "right id, wrong secret": ({"Authorization": f"Bearer {swap_last(admin)}"}, "not valid"),
        "right key, wrong kind prefix": (
            {"Authorization": f"Bearer tp_pk_{admin[6:]}"},
            "not valid",
        ),
        "revoked": ({"Authorization": f"Bearer {revoked}"}, "revoked"),
    }
    for case, (headers, detail) in cases.items():
        response = await get_keys(service, headers)
        try:
            assert_problem(response, "unauthenticated", detail=detail)
        except AssertionError as error:
            raise AssertionError(f"{case}: {error}") from error


async def test_a_401_never_echoes_the_key(service: Service) -> None:
    admin = await service.key(Scope.ADMIN)

    response = await get_keys(service, {"Authorization": f"Bearer {swap_last(admin)}"})

    assert response.status_code == 401
    assert admin[22:-1] not in response.text


async def test_a_valid_key_without_the_scope_is_a_403_problem_naming_the_scope(
    service: Service,
) -> None:
    reader = await service.key(Scope.SCORES_READ, Scope.RESPONSES_READ)

    response = await get_keys(service, {"Authorization": f"Bearer {reader}"})

    assert_problem(response, "forbidden", detail="`admin`")
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param(None, id="no-origin"),
        pytest.param("https://evil.example", id="other-origin"),
        pytest.param("http://shop.example", id="other-scheme"),
        pytest.param("https://shop.example:8443", id="other-port"),
        pytest.param("https://sub.shop.example", id="subdomain"),
        pytest.param("null", id="opaque-origin"),
    ],
)
async def test_a_publishable_key_from_an_origin_not_on_its_list_is_a_403(
    service: Service, origin: str | None
) -> None:
    key = await service.key(kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP])
    headers = {"Authorization": f"Bearer {key}"}
    if origin is not None:
        headers["Origin"] = origin

    response = await service.client.post(
        "/v1/responses", json={"metric": "nps", "score": 9}, headers=headers
    )

    assert_problem(response, "forbidden", detail="origin")


async def test_a_publishable_key_from_its_origin_records_web_answers(service: Service) -> None:
    key = await service.key(
        kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP, "http://localhost:3000"]
    )

    for origin in (SHOP, "http://localhost:3000"):
        response = await service.client.post(
            "/v1/responses",
            json={"metric": "nps", "score": 9},
            headers={"Authorization": f"Bearer {key}", "Origin": origin},
        )
        assert response.status_code == 201, response.text
        assert response.json()["channel"] == "web"


async def test_a_kiosk_key_records_kiosk_answers_at_its_location(service: Service) -> None:
    key = await service.key(kind=KeyKind.KIOSK, location="store-12")

    response = await service.client.post(
        "/v1/responses",
        json={"metric": "csat", "score": 5},
        headers={"Authorization": f"Bearer {key}"},
    )

    assert response.status_code == 201, response.text
    assert (response.json()["channel"], response.json()["location"]) == ("kiosk", "store-12")
