"""PATCH /v1/responses/{id}: the follow-up comment, and nothing else, may change."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from tests.support.ingest_support import (
    assert_response_shape,
    changes_nothing,
    hours_ago,
    now,
    nps,
    parse_z,
    set_times,
    table_contents,
    z,
)
from tests.support.problems import assert_problem
from tests.support.service import Service


@pytest.fixture
async def answer(service: Service, api: httpx.AsyncClient) -> dict[str, Any]:
    """An answer given two days ago and received an hour ago, still without a comment."""
    created = await api.post(
        "/v1/responses",
        json=nps(3, responded_at=z(hours_ago(48)), touchpoint="delivery", respondent="c-1"),
    )
    assert created.status_code == 201, created.text
    received = hours_ago(1)
    await set_times(service.db, created.json()["id"], received_at=received, updated_at=received)
    return {**created.json(), "received_at": z(received), "updated_at": z(received)}


async def test_a_comment_is_added_and_only_the_comment_and_updated_at_change(
    service: Service, api: httpx.AsyncClient, answer: dict[str, Any]
) -> None:
    counts_before = (await table_contents(service.db))[1]
    before = now()

    patched = await api.patch(f"/v1/responses/{answer['id']}", json={"comment": "Late again"})

    assert patched.status_code == 200, patched.text
    assert patched.headers["content-type"] == "application/json"
    body = patched.json()
    assert_response_shape(body)
    assert body == {**answer, "comment": "Late again", "updated_at": body["updated_at"]}
    assert before <= parse_z(body["updated_at"]) <= now()
    assert (await api.get(f"/v1/responses/{answer['id']}")).json() == body
    assert (await table_contents(service.db))[1] == counts_before


async def test_a_comment_is_changed_then_removed_with_null(
    service: Service, api: httpx.AsyncClient, answer: dict[str, Any]
) -> None:
    counts_before = (await table_contents(service.db))[1]
    path = f"/v1/responses/{answer['id']}"

    first = await api.patch(path, json={"comment": "Late"})
    second = await api.patch(path, json={"comment": "Late, and the box was wet"})
    removed = await api.patch(path, json={"comment": None})

    assert first.json()["comment"] == "Late"
    assert second.json()["comment"] == "Late, and the box was wet"
    assert removed.status_code == 200, removed.text
    assert removed.json() == {**answer, "updated_at": removed.json()["updated_at"]}
    assert removed.json()["comment"] is None
    assert parse_z(removed.json()["updated_at"]) > parse_z(answer["updated_at"])
    assert (await table_contents(service.db))[1] == counts_before


async def test_a_comment_of_5000_characters_fits_and_5001_do_not(
    service: Service, api: httpx.AsyncClient, answer: dict[str, Any]
) -> None:
    path = f"/v1/responses/{answer['id']}"
    fits = await api.patch(path, json={"comment": "é" * 5000})
    assert fits.status_code == 200, fits.text

    async with changes_nothing(service.db):
        response = await api.patch(path, json={"comment": "é" * 5001})
    assert_problem(response, "validation-failed", fields=["comment"])


async def test_a_patch_may_change_nothing_but_the_comment(
    service: Service, api: httpx.AsyncClient, answer: dict[str, Any]
) -> None:
    path = f"/v1/responses/{answer['id']}"
    cases: list[tuple[Any, list[str]]] = [
        ({"comment": "ok", "score": 10}, ["score"]),
        ({"score": 10}, ["comment", "score"]),
        ({"comment": "ok", "respondent": "c-2"}, ["respondent"]),
        ({}, ["comment"]),
        ({"comment": 5}, ["comment"]),
        (["comment"], ["body"]),
    ]
    for body, fields in cases:
        async with changes_nothing(service.db):
            response = await api.patch(path, json=body)
        assert_problem(response, "validation-failed", fields=fields)


async def test_patching_an_unknown_response_is_a_404(
    service: Service, api: httpx.AsyncClient, answer: dict[str, Any]
) -> None:
    async with changes_nothing(service.db):
        missing = await api.patch(f"/v1/responses/{uuid.uuid4()}", json={"comment": "hello"})
        not_an_id = await api.patch("/v1/responses/123", json={"comment": "hello"})

    assert_problem(missing, "response-not-found")
    assert_problem(not_an_id, "validation-failed", fields=["response_id"])


async def test_only_a_secret_key_with_responses_write_may_patch(
    service: Service, answer: dict[str, Any]
) -> None:
    path = f"/v1/responses/{answer['id']}"
    shop = "https://shop.example"
    publishable = await service.key(
        Scope.RESPONSES_WRITE, kind=KeyKind.PUBLISHABLE, allowed_origins=[shop]
    )
    kiosk = await service.key(Scope.RESPONSES_WRITE, kind=KeyKind.KIOSK)
    reader = await service.key(Scope.RESPONSES_READ, Scope.SCORES_READ, Scope.ADMIN)
    body = {"comment": "not yours to change"}

    async with changes_nothing(service.db):
        forbidden = [
            await service.client.patch(
                path, json=body, headers={"Authorization": f"Bearer {key}", "Origin": shop}
            )
            for key in (publishable, kiosk, reader)
        ]
        no_key = await service.client.patch(path, json=body)
        unknown_key = await service.client.patch(
            path, json=body, headers={"Authorization": "Bearer tp_sk_" + "a" * 56}
        )

    for response in forbidden:
        assert_problem(response, "forbidden")
    assert_problem(no_key, "unauthenticated")
    assert_problem(unknown_key, "unauthenticated")
