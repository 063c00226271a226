"""The browser fixtures; a test module takes them in with

    pytest_plugins = ["tests.support.browser_fixtures"]

(a plugin module, not a conftest.py, for the reason tests/support/e2e_fixtures.py gives).
Each test gets a fresh browser context, so storage, service workers and offline state
never leak from one test into the next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from tests.support.browser_support import CHROMIUM_ARGS, chromium_path


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def browser_context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context()
    try:
        yield context
    finally:
        await context.close()
