"""In Chromium, with every request to another host refused, the docs still show the API."""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext, Route, expect

from tests.support.e2e_support import RunningServer

pytest_plugins = ["tests.support.browser_fixtures", "tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e


async def offline(context: BrowserContext, server: RunningServer) -> list[str]:
    """Refuse every request that does not go to ``server``; return what was refused
    (what the page's Content-Security-Policy stops never becomes a request)."""
    refused: list[str] = []

    async def only_the_service(route: Route) -> None:
        if route.request.url.startswith(server.base_url):
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", only_the_service)
    return refused


async def test_swagger_ui_lists_the_operations_with_no_internet(
    e2e_server: RunningServer, browser_context: BrowserContext
) -> None:
    refused = await offline(browser_context, e2e_server)
    page = await browser_context.new_page()

    await page.goto(f"{e2e_server.base_url}/docs")

    operation = page.locator(".opblock-summary-path", has_text="/v1/responses/batch")
    await expect(operation).to_be_visible(timeout=15_000)
    await expect(page.locator(".information-container .title")).to_contain_text("Touchpoint")
    assert refused == []


async def test_redoc_shows_the_reference_with_no_internet(
    e2e_server: RunningServer, browser_context: BrowserContext
) -> None:
    refused = await offline(browser_context, e2e_server)
    page = await browser_context.new_page()

    await page.goto(f"{e2e_server.base_url}/redoc")

    await expect(page.locator("h1", has_text="Touchpoint")).to_be_visible(timeout=15_000)
    await expect(page.get_by_text("/v1/responses/batch").first).to_be_attached()
    assert refused == []
