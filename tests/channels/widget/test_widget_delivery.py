"""Getting an answer to the server, whatever the network does, exactly once.

The answer waits in the shop's localStorage under its idempotency key until the server
has it: through an outage, a lost response, a 429, the browser going offline. The count
is read back through the export API with the admin key.
"""

from __future__ import annotations

import time

import pytest
from playwright.async_api import BrowserContext, Page, Request, Route

from tests.support import widget_support
from tests.support.browser_support import static_site
from tests.support.e2e_support import unique_slug
from tests.support.widget_support import (
    WIDGET,
    Shop,
    eventually,
    outbox,
    shop_page,
    stored,
    widget_loaded,
)

pytest_plugins = [
    "tests.support.browser_fixtures",
    "tests.support.e2e_fixtures",
    "tests.support.widget_fixtures",
]
pytestmark = pytest.mark.e2e

assert widget_support  # imported first: it makes e2e_support importable


async def answer(page: Page, score: str, comment: str | None) -> None:
    widget = page.locator(WIDGET)
    await widget.get_by_role("button", name=score, exact=True).click()
    if comment is None:
        await widget.get_by_role("button", name="Skip").click()
    else:
        await widget.get_by_role("textbox").fill(comment)
        await widget.get_by_role("button", name="Send").click()
    await widget.get_by_role("status").wait_for()


def posts_to(shop: Shop) -> str:
    return f"{shop.server.base_url}/v1/responses"


async def test_an_answer_from_a_disallowed_origin_is_refused_and_nothing_is_stored(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("elsewhere")
    # Same host, another port: another origin, not on the key's list.
    pages = {"/": shop_page(shop.server, key=shop.key, survey=survey)}
    with static_site(pages) as other:
        assert other.origin != shop.site.origin
        page = await browser_context.new_page()
        await page.goto(other.url("/"))
        await answer(page, "8", "Hello")

        # The preflight is refused, so the browser never sends the answer; it waits.
        items = await eventually(lambda: outbox(page), lambda q: q and q[0].get("n", 0) >= 2)
        assert [(item["b"]["score"], item["c"], item["n"] >= 2) for item in items] == [
            (8, "Hello", True)
        ]
    assert await stored(shop.server, survey) == []


async def test_answers_wait_while_the_api_is_down_and_arrive_once_on_the_next_page(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("outage")
    page = await browser_context.new_page()
    await page.route(f"{shop.server.base_url}/v1/**", lambda route: route.abort())
    url = shop.publish(shop_page(shop.server, key=shop.key, survey=survey))
    await page.goto(url)

    await answer(page, "6", "Slow delivery")  # built-in texts: the wording is down too

    items = await eventually(lambda: outbox(page), lambda q: q and q[0].get("n", 0) >= 1)
    assert [(i["b"]["score"], i["c"], i["b"]["survey"]) for i in items] == [
        (6, "Slow delivery", survey)
    ]
    assert await stored(shop.server, survey) == []

    await page.unroute(f"{shop.server.base_url}/v1/**")
    await page.goto(url)  # the next page the customer opens sends it

    rows = await eventually(
        lambda: stored(shop.server, survey), lambda rows: rows and rows[0]["comment"]
    )
    assert [(r["score"], r["comment"], r["channel"]) for r in rows] == [
        ("6", "Slow delivery", "web")
    ]
    assert await eventually(lambda: outbox(page), lambda q: not q) == []
    await widget_loaded(page)
    assert len(await stored(shop.server, survey)) == 1


async def test_a_lost_response_is_retried_with_the_same_key_and_counted_once(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("lost")
    page = await browser_context.new_page()
    statuses: list[int] = []
    keys: list[str | None] = []

    async def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:  # the server stores it, the browser never hears back
            statuses.append((await route.fetch()).status)
            await route.abort("connectionreset")
        else:
            await route.continue_()

    page.on("response", lambda r: record_post(r.request, r.status, statuses, shop))
    await page.route(posts_to(shop), lose_the_first_answer)
    await page.goto(shop.publish(shop_page(shop.server, key=shop.key, survey=survey)))

    await answer(page, "9", "Great")

    rows = await eventually(
        lambda: stored(shop.server, survey), lambda rows: rows and rows[0]["comment"]
    )
    assert [(r["score"], r["comment"]) for r in rows] == [("9", "Great")]
    assert statuses == [201, 200]  # the retry was a replay, not a second answer
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert keys[0] is not None
    assert await eventually(lambda: outbox(page), lambda q: not q) == []


def record_post(request: Request, status: int, statuses: list[int], shop: Shop) -> None:
    if request.method == "POST" and request.url == posts_to(shop):
        statuses.append(status)


async def test_a_429_is_retried_after_its_retry_after(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("limited")
    page = await browser_context.new_page()
    sent_at: list[float] = []

    async def limit_the_first_answer(route: Route) -> None:
        sent_at.append(time.monotonic())
        if len(sent_at) > 1:
            await route.continue_()
            return
        await route.fulfill(
            status=429,
            json={"type": "/problems/rate-limited", "title": "Too many requests", "status": 429},
            headers={
                "Retry-After": "3",
                "Access-Control-Allow-Origin": shop.site.origin,
                "Access-Control-Expose-Headers": "Retry-After",
            },
        )

    await page.route(posts_to(shop), limit_the_first_answer)
    await page.goto(shop.publish(shop_page(shop.server, key=shop.key, survey=survey)))
    await answer(page, "4", None)

    [item] = await eventually(lambda: outbox(page), lambda q: q and q[0].get("ra"))
    assert item["ra"] is True
    rows = await eventually(lambda: stored(shop.server, survey), bool)
    assert [r["score"] for r in rows] == ["4"]
    assert len(sent_at) == 2
    assert sent_at[1] - sent_at[0] >= 2.9


async def test_offline_answers_are_sent_when_the_browser_is_back_online(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("offline")
    page = await browser_context.new_page()
    await page.goto(shop.publish(shop_page(shop.server, key=shop.key, survey=survey)))
    await page.locator(WIDGET).get_by_role("button", name="3", exact=True).wait_for()

    await browser_context.set_offline(True)
    await answer(page, "3", "Could not pay")
    # Several failures: the next attempt by backoff alone is seconds away.
    await eventually(lambda: outbox(page), lambda q: q and q[0].get("n", 0) >= 3)
    assert await stored(shop.server, survey) == []
    await browser_context.set_offline(False)
    back_online = time.monotonic()

    rows = await eventually(
        lambda: stored(shop.server, survey), lambda rows: rows and rows[0]["comment"]
    )
    assert [(r["score"], r["comment"]) for r in rows] == [("3", "Could not pay")]
    assert time.monotonic() - back_online < 6  # the `online` event sent it at once
    assert await eventually(lambda: outbox(page), lambda q: not q) == []
