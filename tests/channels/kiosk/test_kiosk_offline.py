"""The kiosk offline, in Debian's Chromium against the real `touchpoint serve`.

An answer is kept on the tablet until the service has taken it: through a lost network,
a reload without one, 5xx answers and network errors. It is delivered exactly once, with
the tablet's time of the tap. What the service will never take is set aside, not retried.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, BrowserContext, Request, Route, expect

from app.channels.kiosk.texts import TEXTS
from tests.support.kiosk_support import (
    RunningServer,
    answer,
    contrast,
    expect_pending,
    kiosk_key,
    kiosk_url,
    parse_time,
    responses_of,
    revoke,
    stored,
    unique_slug,
)

pytest_plugins = ["tests.support.browser_fixtures", "tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

TABLET_ZONE = "Europe/Tallinn"
FAST = {"reset": "0.3", "guard": "0.2"}  # the default 5 s and 3 s are tested in test_kiosk_screens

Tablet = Callable[..., Awaitable[BrowserContext]]


@pytest.fixture
async def tablet(browser: Browser) -> AsyncIterator[Tablet]:
    """Opens browser contexts shaped like a store tablet; closes them afterwards."""
    opened: list[BrowserContext] = []

    async def open_tablet(**options: Any) -> BrowserContext:
        settings: dict[str, Any] = {
            "viewport": {"width": 1024, "height": 768},
            "has_touch": True,
            "timezone_id": TABLET_ZONE,
        }
        context = await browser.new_context(**(settings | options))
        opened.append(context)
        return context

    yield open_tablet
    for context in opened:
        await context.close()


async def until(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.05)


def sent_items(request: Request) -> list[dict[str, Any]]:
    body = request.post_data_json
    assert isinstance(body, dict)
    items: list[dict[str, Any]] = body["responses"]
    return items


def access_lines(server: RunningServer) -> int:
    return server.stderr().count("touchpoint.access")


async def test_an_offline_kiosk_keeps_ten_answers_through_a_reload_and_delivers_them_once(
    e2e_server: RunningServer, tablet: Tablet, capsys: pytest.CaptureFixture[str]
) -> None:
    key = await kiosk_key(e2e_server, location="store-12")
    survey = unique_slug("kiosk-offline")
    context = await tablet(locale="pl-PL")  # no locale= in the address: the browser's counts
    page = await context.new_page()
    address = kiosk_url(e2e_server, key, survey=survey, metric="nps", location="store-12", **FAST)
    await page.goto(address)
    await page.locator("html[data-offline-ready]").wait_for(state="attached")
    # Controlled before going offline: Chromium's emulated offline lets through requests of
    # a page that a worker starts to control later (a real tablet has no network at all).
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    await context.set_offline(True)
    scores = [10, 9, 0, 7, 8, 3, 10, 6, 9, 5]
    taps = [await answer(page, score) for score in scores]
    await expect_pending(page, 10)
    requests_before_reload = access_lines(e2e_server)

    reloaded = await page.reload()

    assert reloaded is not None
    assert reloaded.from_service_worker
    assert reloaded.status == 200
    await expect_pending(page, 10)
    await expect(page.locator("#status-text")).to_have_text("Do wysłania: 10")
    first_paint = await page.evaluate(
        "() => performance.getEntriesByType('paint')"
        ".filter((entry) => entry.name === 'first-contentful-paint')"
        ".map((entry) => entry.startTime)[0] ?? null"
    )
    assert isinstance(first_paint, int | float)
    with capsys.disabled():
        print(f"\nkiosk first contentful paint after an offline reload: {first_paint:.0f} ms")
    queued = await stored(page)
    assert access_lines(e2e_server) == requests_before_reload, "offline, yet the server was reached"
    assert await responses_of(e2e_server, survey) == []
    assert len({item["id"] for item in queued}) == 10
    assert {item["state"] for item in queued} == {"ready"}
    offset = datetime.now(ZoneInfo(TABLET_ZONE)).isoformat()[-6:]
    assert all(item["body"]["responded_at"].endswith(offset) for item in queued)

    online_at = datetime.now(UTC).replace(microsecond=0)
    await context.set_offline(False)
    await expect_pending(page, 0)

    rows = await responses_of(e2e_server, survey)
    assert len(rows) == 10
    by_key = {row["idempotency_key"]: row for row in rows}
    assert set(by_key) == {item["id"] for item in queued}
    in_tap_order = [by_key[item["id"]] for item in sorted(queued, key=lambda item: item["at"])]
    assert [row["score"] for row in in_tap_order] == scores
    for row, (before, after) in zip(in_tap_order, taps, strict=True):
        assert before.replace(microsecond=0) <= parse_time(row["responded_at"]) <= after
        assert parse_time(row["received_at"]) >= online_at
        assert (row["channel"], row["location"], row["locale"]) == ("kiosk", "store-12", "pl")
        assert row["comment"] is None
    assert key not in e2e_server.stderr() + e2e_server.stdout()


async def test_server_errors_and_network_failures_keep_answers_queued(
    e2e_server: RunningServer, tablet: Tablet
) -> None:
    key = await kiosk_key(e2e_server)
    survey = unique_slug("kiosk-flaky")
    # No service worker: the test stands between the page and the service itself.
    context = await tablet(service_workers="block")
    page = await context.new_page()
    calls: list[tuple[float, list[str]]] = []

    async def flaky(route: Route) -> None:
        sent = sent_items(route.request)
        calls.append((time.monotonic(), [item["idempotency_key"] for item in sent]))
        if len(calls) == 1:
            problem = {"type": "/problems/service-unavailable", "status": 503, "title": "x"}
            await route.fulfill(
                status=503,
                headers={"Retry-After": "1"},
                content_type="application/problem+json",
                body=json.dumps(problem),
            )
        elif len(calls) == 2:
            await route.abort("internetdisconnected")
        else:
            await route.continue_()

    await page.route("**/v1/responses/batch", flaky)
    await page.goto(kiosk_url(e2e_server, key, survey=survey, metric="csat", **FAST))

    await answer(page, 4)
    await until(lambda: len(calls) == 1)
    await expect_pending(page, 1)
    await answer(page, 2)
    await until(lambda: len(calls) == 2)
    await expect_pending(page, 2)
    assert len(await stored(page)) == 2
    await expect_pending(page, 0)

    assert len(calls) == 3
    assert calls[1][0] - calls[0][0] >= 1.0, "Retry-After: 1 was not respected"
    rows = await responses_of(e2e_server, survey)
    assert sorted(row["score"] for row in rows) == [2, 4]
    keys = {row["idempotency_key"] for row in rows}
    first_answer = [row["idempotency_key"] for row in rows if row["score"] == 4]
    assert calls[0][1] == first_answer
    assert set(calls[2][1]) == keys  # retried under the keys they were given at the tap


async def test_answers_the_service_refuses_are_set_aside_and_never_sent_again(
    e2e_server: RunningServer, tablet: Tablet
) -> None:
    key = await kiosk_key(e2e_server, location="store-12")
    survey = unique_slug("kiosk-aside")
    # No service worker: this test is about the queue, not about opening offline.
    context = await tablet(locale="en-GB", service_workers="block")
    sent: list[str] = []

    def remember(request: Request) -> None:
        if request.url.endswith("/v1/responses/batch"):
            sent.extend(item["idempotency_key"] for item in sent_items(request))

    context.on("requestfinished", remember)  # reached the service (offline tries do not)
    # A kiosk address on this tablet that claims another store than its key is bound to,
    # opened while its setup could not be checked (else it takes no answers at all).
    wrong_store = await context.new_page()
    await wrong_store.route(
        "**/v1/kiosk/setup?*", lambda route: route.abort("internetdisconnected")
    )
    await wrong_store.goto(
        kiosk_url(e2e_server, key, survey=survey, metric="nps", location="store-99", **FAST)
    )
    await answer(wrong_store, 2)
    await expect(wrong_store.locator("#status")).to_have_attribute("data-aside", "1")
    [invalid] = await stored(wrong_store, "aside")
    # Closed while online: closing a page can lift Chromium's emulated offline for the rest.
    await wrong_store.close()
    page = await context.new_page()
    await page.goto(
        kiosk_url(e2e_server, key, survey=survey, metric="nps", location="store-12", **FAST)
    )
    await context.set_offline(True)
    await answer(page, 8)
    [conflicting] = await stored(page)
    # The key of the first answer is taken already, by an answer with other values sent in
    # the kiosk's own integration (its replacement key): another key's would not collide.
    async with e2e_server.client() as admin:
        replacement = await admin.post(
            "/v1/keys", json={"name": "door (rotated)", "replaces": key[6:22]}
        )
    assert replacement.status_code == 201, replacement.text
    async with e2e_server.client(replacement.json()["key"]) as rotated:
        taken = {
            "metric": "nps",
            "score": 1,
            "survey": survey,
            "idempotency_key": conflicting["id"],
        }
        assert (await rotated.post("/v1/responses", json=taken)).status_code == 201

    await context.set_offline(False)
    await expect_pending(page, 0)
    await expect(page.locator("#status")).to_have_attribute("data-aside", "2")
    await expect(page.locator("#status-text")).to_have_text("All answers sent · Not accepted: 2")
    assert (await contrast(page, "#status-text"))["#status-text"] >= 4.5  # the warning colours
    await answer(page, 10)
    await expect_pending(page, 0)

    aside = {item["id"]: item["why"] for item in await stored(page, "aside")}
    assert aside[conflicting["id"]]["status"] == "conflict"
    assert aside[invalid["id"]]["status"] == "invalid"
    assert [error["field"] for error in aside[invalid["id"]]["errors"]] == ["location"]
    assert sent.count(conflicting["id"]) == 1
    assert sent.count(invalid["id"]) == 1
    rows = await responses_of(e2e_server, survey)
    assert sorted(row["score"] for row in rows) == [1, 10]


async def test_a_refused_key_keeps_the_answers_until_staff_give_the_kiosk_a_new_one(
    e2e_server: RunningServer, tablet: Tablet
) -> None:
    old_key = await kiosk_key(e2e_server)
    survey = unique_slug("kiosk-revoked")
    page = await (await tablet(locale="et-EE", service_workers="block")).new_page()
    await page.goto(kiosk_url(e2e_server, old_key, survey=survey, metric="ces", **FAST))
    # The service has found the kiosk set up right, and then its key is revoked.
    await page.locator('body[data-setup="ok"]').wait_for(state="attached")
    await revoke(e2e_server, old_key)

    await answer(page, 7)

    await expect(page.locator("#status-text")).to_have_text(
        f"{TEXTS['et'].pending.format(n=1)} · {TEXTS['et'].key_refused}"
    )
    assert len(await stored(page)) == 1
    new_key = await kiosk_key(e2e_server)
    await page.evaluate("(key) => { location.hash = 'key=' + key; }", new_key)
    await expect_pending(page, 0)
    await expect(page.locator("#status-text")).to_have_text(TEXTS["et"].all_sent)
    rows = await responses_of(e2e_server, survey)
    assert [(row["score"], row["channel"]) for row in rows] == [(7, "kiosk")]
