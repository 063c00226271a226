"""The browser harness itself: Debian's Chromium answers, pages on another origin load."""

from __future__ import annotations

from playwright.async_api import BrowserContext

from tests.support.browser_support import static_site

pytest_plugins = ["tests.support.browser_fixtures"]


async def test_chromium_renders_a_page_served_from_another_origin(
    browser_context: BrowserContext,
) -> None:
    with static_site({"/": "<!doctype html><title>Shop</title><p id=x>hello</p>"}) as site:
        page = await browser_context.new_page()
        await page.goto(site.url("/"))
        assert await page.title() == "Shop"
        assert await page.text_content("#x") == "hello"
