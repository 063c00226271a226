"""The kiosk checks its setup when it loads, in Debian's Chromium against `touchpoint serve`.

A kiosk whose key will refuse its answers (bound to another store) tells its installer
so, full screen, instead of asking customers; answers already on the tablet are never
lost to the check. The key, once stored, is gone from the address bar and the history.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, Route, expect

from app.channels.kiosk.texts import TEXTS
from tests.support.kiosk_support import (
    COMMENT_READY,
    RunningServer,
    answer,
    expect_pending,
    kiosk_key,
    kiosk_url,
    responses_of,
    revoke,
    stored,
    unique_slug,
)

pytest_plugins = ["tests.support.browser_fixtures", "tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

FAST = {"reset": "0.3", "guard": "0.2"}
SET_UP = 'body[data-setup="ok"]'

Tablet = Callable[..., Awaitable[BrowserContext]]


@pytest.fixture
async def tablet(browser: Browser) -> AsyncIterator[Tablet]:
    """Opens browser contexts shaped like a store tablet; closes them afterwards."""
    opened: list[BrowserContext] = []

    async def open_tablet(**options: Any) -> BrowserContext:
        settings: dict[str, Any] = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
        context = await browser.new_context(**(settings | options))
        opened.append(context)
        return context

    yield open_tablet
    for context in opened:
        await context.close()


async def unreachable(route: Route) -> None:
    await route.abort("internetdisconnected")


# Back, and the address once the page has handled it (its handlers run in order).
GO_BACK = """() => new Promise((resolve) => {
  addEventListener('popstate', () => setTimeout(() => resolve(location.href)), {once: true});
  history.back();
})"""


async def go_back(page: Page) -> str:
    address: str = await page.evaluate(GO_BACK)
    return address


async def expect_setup_error(page: Page, locale: str, location: str) -> None:
    texts = TEXTS[locale]
    await expect(page.locator("#setup-title")).to_have_text(texts.setup_title)
    await expect(page.locator("#setup-text")).to_have_text(
        texts.setup_location.format(location=location)
    )
    await expect(page.locator("#setup-problems code")).to_have_text(["location"])
    await expect(page.locator("#setup-kept")).to_have_text(texts.setup_kept)
    await expect(page.locator("body")).to_have_attribute("data-screen", "setup")
    await expect(page.locator("#question")).to_be_hidden()
    await expect(page.locator("#comment")).to_be_hidden()


async def test_a_location_its_key_is_not_bound_to_shows_a_setup_error_and_no_survey(
    e2e_server: RunningServer, tablet: Tablet
) -> None:
    key = await kiosk_key(e2e_server, location="store-12")
    survey = unique_slug("kiosk-setup")
    context = await tablet(locale="pl-PL")
    sent: list[str] = []

    def remember(request: Request) -> None:
        if request.url.endswith("/v1/responses/batch"):
            sent.append(request.url)

    context.on("request", remember)
    wrong = await context.new_page()
    await wrong.goto(kiosk_url(e2e_server, key, survey=survey, metric="nps", location="store-99"))

    await expect_setup_error(wrong, "pl", "store-99")
    await expect(wrong.locator("body")).to_have_attribute("data-setup", "address")
    await wrong.locator("main").click()  # where the question was: nothing to answer
    await expect(wrong.locator("body")).to_have_attribute("data-screen", "setup")
    await expect_pending(wrong, 0)
    # Reopened without a network, it remembers what the service said: still no survey.
    await wrong.locator("html[data-offline-ready]").wait_for(state="attached")
    await wrong.wait_for_function("() => navigator.serviceWorker.controller !== null")
    await context.set_offline(True)
    reloaded = await wrong.reload()
    assert reloaded is not None
    assert reloaded.from_service_worker
    await expect_setup_error(wrong, "pl", "store-99")
    await context.set_offline(False)

    right = await context.new_page()
    await right.goto(kiosk_url(e2e_server, key, survey=survey, metric="nps", location="store-12"))
    await right.locator(SET_UP).wait_for(state="attached")
    await expect(right.locator("#question")).to_be_visible()
    await expect(right.locator("#setup")).to_be_hidden()
    await answer(right, 9)
    await expect_pending(right, 0)

    assert await stored(wrong, "aside") == []
    rows = await responses_of(e2e_server, survey)
    assert [(row["score"], row["location"]) for row in rows] == [(9, "store-12")]
    assert len(sent) == 1  # the one answer, from the kiosk set up right


async def test_a_revoked_key_shows_a_setup_error_when_the_kiosk_loads(
    e2e_server: RunningServer, tablet: Tablet
) -> None:
    key = await kiosk_key(e2e_server, location="store-12")
    await revoke(e2e_server, key)
    page = await (await tablet(locale="et-EE", service_workers="block")).new_page()

    await page.goto(kiosk_url(e2e_server, key, metric="ces", location="store-12"))

    await expect(page.locator("body")).to_have_attribute("data-setup", "key-refused")
    await expect(page.locator("#setup-title")).to_have_text(TEXTS["et"].setup_title)
    await expect(page.locator("#setup-text")).to_have_text(TEXTS["et"].setup_key_refused)
    await expect(page.locator("#question")).to_be_hidden()


async def test_the_key_leaves_the_address_bar_and_the_history_once_stored(
    e2e_server: RunningServer, tablet: Tablet
) -> None:
    key = await kiosk_key(e2e_server, location="store-12")
    page = await (await tablet(service_workers="block")).new_page()
    address = kiosk_url(e2e_server, key, metric="csat", location="store-12")

    await page.goto(address)
    await page.locator(SET_UP).wait_for(state="attached")

    assert page.url == address.split("#")[0]
    assert [entry["value"] for entry in await stored(page, "meta") if entry["id"] == "key"] == [key]
    assert key not in await go_back(page)
    assert key not in page.url

    # Staff giving the tablet a new key by typing it into the address: it leaves it too.
    new_key = await kiosk_key(e2e_server, location="store-12")
    await page.evaluate("(key) => { location.hash = 'key=' + key; }", new_key)
    await page.wait_for_function(
        "() => !location.hash.includes('key=') && document.body.dataset.setup === 'ok'"
    )
    stored_keys = [entry["value"] for entry in await stored(page, "meta") if entry["id"] == "key"]
    assert stored_keys == [new_key]
    assert new_key not in await go_back(page)
    assert new_key not in await go_back(page)
    assert new_key not in page.url

    reopened = await page.reload()  # the address has no key now: the stored one is used
    assert reopened is not None
    await page.locator(SET_UP).wait_for(state="attached")
    assert new_key not in page.url


async def test_answers_queued_offline_are_kept_and_sent_when_the_setup_error_appears(
    e2e_server: RunningServer, tablet: Tablet
) -> None:
    key = await kiosk_key(e2e_server, location="store-12")
    survey = unique_slug("kiosk-setup-queue")
    context = await tablet(locale="en-GB", service_workers="block")
    # Answers taken right on this tablet before, waiting for the service.
    right = await context.new_page()
    await right.route("**/v1/responses/batch", unreachable)
    await right.goto(
        kiosk_url(e2e_server, key, survey=survey, metric="nps", location="store-12", **FAST)
    )
    await right.locator(SET_UP).wait_for(state="attached")
    await answer(right, 10)
    await answer(right, 8)
    await expect_pending(right, 2)
    await right.close()
    # The tablet then opened at another store's address while its check could not be made,
    # and taking answers (one still in its comment step) when the network came back.
    wrong = await context.new_page()
    await wrong.route("**/v1/kiosk/setup?*", unreachable)
    await wrong.route("**/v1/responses/batch", unreachable)
    await wrong.goto(
        kiosk_url(e2e_server, key, survey=survey, metric="nps", location="store-99", **FAST)
    )
    await expect(wrong.locator("body")).to_have_attribute("data-setup", "unchecked")
    await context.set_offline(True)
    await answer(wrong, 3)
    await wrong.locator('button[data-score="4"]').click()
    await wrong.locator(COMMENT_READY).wait_for()
    await wrong.locator("#comment-text").fill("Queue too long")
    await expect_pending(wrong, 4)
    await wrong.unroute("**/v1/kiosk/setup?*")
    await wrong.unroute("**/v1/responses/batch")

    await context.set_offline(False)

    await expect_setup_error(wrong, "en", "store-99")
    await expect_pending(wrong, 0)
    await expect(wrong.locator("#status")).to_have_attribute("data-aside", "2")
    aside = await stored(wrong, "aside")
    assert sorted(
        (item["body"]["score"], item["body"].get("comment"), item["why"]["status"])
        for item in aside
    ) == [(3, None, "invalid"), (4, "Queue too long", "invalid")]
    rows = await responses_of(e2e_server, survey)
    assert sorted((row["score"], row["location"]) for row in rows) == [
        (8, "store-12"),
        (10, "store-12"),
    ]
