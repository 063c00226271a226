"""The follow-up comment: a page with a write-only key patches its own answer with a token."""

from __future__ import annotations

import uuid

import httpx
import pytest

from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from app.responses.followup import FollowupTokens
from tests.support.ingest_support import changes_nothing, nps
from tests.support.problems import assert_problem
from tests.support.service import Service

SHOP = "https://shop.example"


async def widget(service: Service) -> httpx.AsyncClient:
    client = await service.client_with(
        Scope.RESPONSES_WRITE, kind=KeyKind.PUBLISHABLE, allowed_origins=[SHOP]
    )
    client.headers["Origin"] = SHOP
    return client


async def test_a_publishable_key_gets_a_token_that_adds_the_comment_without_a_key(
    service: Service, api: httpx.AsyncClient
) -> None:
    async with await widget(service) as page:
        created = (await page.post("/v1/responses", json=nps(9))).json()
    token = created["followup_token"]

    patched = await service.client.patch(
        f"/v1/responses/{created['id']}",
        json={"comment": "Fast checkout", "followup_token": token},
    )

    assert patched.status_code == 200, patched.text
    assert patched.json()["comment"] == "Fast checkout"
    assert "followup_token" not in patched.json()
    stored = (await api.get(f"/v1/responses/{created['id']}")).json()
    assert stored["comment"] == "Fast checkout"


async def test_kiosk_keys_get_a_token_and_secret_keys_do_not(
    service: Service, api: httpx.AsyncClient
) -> None:
    kiosk = await service.client_with(Scope.RESPONSES_WRITE, kind=KeyKind.KIOSK)
    async with kiosk:
        from_kiosk = (await kiosk.post("/v1/responses", json=nps(4))).json()
    from_server = (await api.post("/v1/responses", json=nps(4))).json()

    assert from_kiosk["followup_token"]
    assert "followup_token" not in from_server


async def test_a_replayed_post_returns_a_token_too(service: Service) -> None:
    async with await widget(service) as page:
        first = await page.post("/v1/responses", json=nps(9, idempotency_key="w-1"))
        again = await page.post("/v1/responses", json=nps(9, idempotency_key="w-1"))
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["followup_token"]


async def test_a_token_opens_only_its_own_response(
    service: Service, api: httpx.AsyncClient
) -> None:
    async with await widget(service) as page:
        mine = (await page.post("/v1/responses", json=nps(9))).json()
        other = (await page.post("/v1/responses", json=nps(2))).json()

    async with changes_nothing(service.db):
        refused = await service.client.patch(
            f"/v1/responses/{other['id']}",
            json={"comment": "not mine", "followup_token": mine["followup_token"]},
        )
    assert_problem(refused, "followup-token-rejected")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "",
    ],
)
async def test_an_altered_token_changes_nothing(service: Service, tamper: object) -> None:
    async with await widget(service) as page:
        created = (await page.post("/v1/responses", json=nps(9))).json()
    assert callable(tamper)
    async with changes_nothing(service.db):
        refused = await service.client.patch(
            f"/v1/responses/{created['id']}",
            json={"comment": "x", "followup_token": tamper(created["followup_token"])},
        )
    assert_problem(refused, "followup-token-rejected")


def test_a_token_expires() -> None:
    response_id = uuid.uuid4()
    fresh = FollowupTokens("s3cret", max_age_seconds=3600)
    token = fresh.issue(response_id)
    assert fresh.allows(token, response_id)
    assert not FollowupTokens("s3cret", max_age_seconds=-1).allows(token, response_id)
    assert not FollowupTokens("another secret").allows(token, response_id)


async def test_without_token_or_key_a_patch_is_401_and_with_a_write_only_key_403(
    service: Service,
) -> None:
    async with await widget(service) as page:
        created = (await page.post("/v1/responses", json=nps(9))).json()
        async with changes_nothing(service.db):
            anonymous = await service.client.patch(
                f"/v1/responses/{created['id']}", json={"comment": "x"}
            )
            with_page_key = await page.patch(
                f"/v1/responses/{created['id']}", json={"comment": "x"}
            )
    assert_problem(anonymous, "unauthenticated")
    assert_problem(with_page_key, "forbidden")
