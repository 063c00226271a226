"""A good guest: the shop's page keeps its styles, globals, focus, cookies and errors.

Every comparison is against the same page without the widget, in the same browser.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page

from app.surveys.wording import default_wording
from tests.support import widget_support
from tests.support.browser_support import screenshot_path
from tests.support.e2e_support import unique_slug
from tests.support.widget_support import WIDGET, Shop, eventually, shop_page, stored, widget_loaded

pytest_plugins = [
    "tests.support.browser_fixtures",
    "tests.support.e2e_fixtures",
    "tests.support.widget_fixtures",
]
pytestmark = pytest.mark.e2e

assert widget_support  # imported first: it makes e2e_support importable

# Every computed style of the page's own elements, and every global name.
SNAPSHOT = """() => {
    const styles = {};
    for (const el of document.querySelectorAll('html, body, h1, p, button, input')) {
        const computed = getComputedStyle(el);
        styles[el.tagName + '#' + el.id] =
            Array.from(computed).map(n => n + ':' + computed.getPropertyValue(n));
    }
    return {styles, globals: Object.getOwnPropertyNames(window).sort(),
            scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight]};
}"""
WATCH_ERRORS = """
window.__hostErrors = [];
window.addEventListener('error', e => window.__hostErrors.push(String(e.message)));
window.addEventListener('unhandledrejection', e => window.__hostErrors.push(String(e.reason)));
"""


async def snapshot(page: Page) -> dict[str, Any]:
    taken: dict[str, Any] = await page.evaluate(SNAPSHOT)
    return taken


async def test_the_shops_styles_globals_and_cookies_are_untouched(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("guest")
    await browser_context.add_init_script(WATCH_ERRORS)
    without = await browser_context.new_page()
    await without.goto(shop.publish(shop_page(shop.server, widget=False)))
    before = await snapshot(without)

    page = await browser_context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(shop.publish(shop_page(shop.server, key=shop.key, survey=survey)))
    widget = page.locator(WIDGET)
    await widget.get_by_role("button", name="7", exact=True).click()
    await widget.get_by_role("textbox").fill("ok")
    await widget.get_by_role("button", name="Send").click()
    await widget.get_by_role("status").wait_for()
    during = await snapshot(page)

    assert during["styles"] == before["styles"]
    assert during["scroll"] == before["scroll"]
    assert set(during["globals"]) - set(before["globals"]) == {"touchpoint"}
    assert set(before["globals"]) - set(during["globals"]) == set()
    assert await eventually(lambda: stored(shop.server, survey), bool)
    await widget.wait_for(state="detached", timeout=10_000)
    assert await snapshot(page) == {**during, "styles": before["styles"]}

    assert await page.evaluate("window.__hostErrors") == []
    assert await browser_context.cookies() == []
    assert await page.evaluate("document.cookie") == ""
    origins = {shop.site.origin, shop.server.base_url}
    assert {url.split("/", 3)[0] + "//" + url.split("/", 3)[2] for url in requests} <= origins


async def test_without_storage_or_api_it_still_never_throws_into_the_page(
    browser_context: BrowserContext, shop: Shop
) -> None:
    """Storage refused (as in some privacy modes) and the API unreachable."""
    await browser_context.add_init_script(
        WATCH_ERRORS + "Object.defineProperty(window, 'localStorage', "
        "{get() { throw new DOMException('denied', 'SecurityError'); }});"
    )
    page = await browser_context.new_page()
    await page.route(f"{shop.server.base_url}/v1/**", lambda route: route.abort())
    await page.goto(shop.publish(shop_page(shop.server, key=shop.key, survey="no-storage")))
    widget = page.locator(WIDGET)

    await widget.get_by_role("button", name="2", exact=True).click()
    await widget.get_by_role("button", name="Send").click()
    await widget.get_by_role("status").wait_for()
    await page.evaluate("touchpoint('hide'); touchpoint('show', {metric: 'bogus'}); touchpoint()")
    await widget_loaded(page)

    assert await page.evaluate("window.__hostErrors") == []


@pytest.mark.parametrize(("width", "height", "name"), [(1280, 800, "desktop"), (320, 640, "320")])
async def test_the_widget_fits_the_screen_and_is_photographed(
    browser_context: BrowserContext,
    shop: Shop,
    tmp_path: Any,
    width: int,
    height: int,
    name: str,
    e2e_backend: str,
) -> None:
    page = await browser_context.new_page()
    await page.set_viewport_size({"width": width, "height": height})
    await page.goto(shop.publish(shop_page(shop.server, key=shop.key, survey="photo")))
    widget = page.locator(WIDGET)
    await widget.get_by_text(default_wording("nps", "en").question).wait_for()
    await page.wait_for_timeout(300)  # the entrance animation

    box = await widget.get_by_role("region").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    for button in await widget.get_by_role("button").all():
        size = await button.bounding_box()
        assert size is not None
        assert size["width"] >= 24  # WCAG 2.2 target size (minimum)
        assert size["height"] >= 24
    if e2e_backend == "sqlite":  # one picture each is enough
        await page.screenshot(path=screenshot_path(f"widget-{name}.png", tmp_path))
