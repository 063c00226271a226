"""What the widget's browser tests share: a real server, a shop's page, and probes."""

from __future__ import annotations

import asyncio
import html
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from playwright.async_api import Page

from tests.support.browser_support import StaticSite
from tests.support.e2e_support import TOUCHPOINT, RunningServer, export_rows

# The browser tests answer many times a minute from 127.0.0.1: the limits are tested
# over httpx (test_widget_rate_limits.py), not here. Origins are re-read on every request,
# so a key made by a test is usable at once.
SERVER_ENV = (
    "TOUCHPOINT_RATE_LIMIT_PER_IP=100000/minute",
    "TOUCHPOINT_RATE_LIMIT_PER_KEY=100000/minute",
    "TOUCHPOINT_KEY_CACHE_SECONDS=0",
)
WIDGET = "touchpoint-widget"
STUB = (
    "<script>window.touchpoint=window.touchpoint||function(){"
    "(touchpoint.q=touchpoint.q||[]).push(arguments)};</script>"
)
# A shop with opinions about styles, which the widget must leave exactly as they are.
SHOP_STYLE = (
    "<style>body{font:17px/1.6 Georgia,serif;color:#333;background:#fafaf5}"
    "button{background:#c00;color:#fff;border:0;padding:6px 12px}"
    "p{letter-spacing:.5px}div{box-sizing:content-box}*{outline-color:orange}</style>"
)
_pages = itertools.count(1)


@dataclass
class Shop:
    """A shop's site on its own origin, with a publishable key that allows that origin."""

    site: StaticSite
    pages: dict[str, str]
    key: str
    server: RunningServer
    _paths: Iterator[int] = field(default_factory=lambda: _pages)

    def publish(self, html: str) -> str:
        """Serves ``html`` at a new path of the shop; gives its URL."""
        path = f"/page-{next(self._paths)}"
        self.pages[path] = html
        return self.site.url(path)


def serve_quietly(port: int, workers: int) -> list[str]:
    """`touchpoint serve` with SERVER_ENV (the launcher passes no TOUCHPOINT_ variables)."""
    argv = [str(TOUCHPOINT), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return ["/usr/bin/env", *SERVER_ENV, *argv, "--workers", str(workers)]


def shop_page(
    server: RunningServer, *, before: str = "", widget: bool = True, **data: str | None
) -> str:
    """A shop's page embedding the widget; ``data`` become the script's data-* attributes."""
    return page_html(server, data, before=before, widget=widget)


def page_html(
    server: RunningServer, data: Mapping[str, str | None], *, before: str = "", widget: bool = True
) -> str:
    """shop_page, with the data-* attributes given as a mapping."""
    attributes = " ".join(
        f'data-{name.replace("_", "-")}="{html.escape(value)}"'
        for name, value in data.items()
        if value is not None
    )
    script = f'<script src="{server.base_url}/widget.js" async {attributes}></script>'
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>Shop</title>{SHOP_STYLE}</head><body>"
        "<h1>Checkout complete</h1><p id=note>Thank you for your order.</p>"
        "<button id=again>Shop again</button><input id=search>"
        f"{before}{script if widget else ''}</body></html>"
    )


def make_publishable_key(server: RunningServer, origin: str) -> str:
    headers = {"Authorization": f"Bearer {server.admin_key}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as admin:
        answer = admin.post(
            "/v1/keys",
            json={
                "name": "shop",
                "kind": "publishable",
                "scopes": ["responses:write"],
                "allowed_origins": [origin],
            },
        )
    assert answer.status_code == 201, answer.text
    key: str = answer.json()["key"]
    return key


async def stored(server: RunningServer, survey: str) -> list[dict[str, str]]:
    async with server.client() as admin:
        return await export_rows(admin, survey)


async def eventually(
    probe: Callable[[], Awaitable[Any]], accept: Callable[[Any], bool], within: float = 20.0
) -> Any:
    """Polls ``probe`` until ``accept`` says yes; its last value either way."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if accept(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.1)


async def widget_text(page: Page) -> str:
    return await page.locator(WIDGET).inner_text()


async def outbox(page: Page) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = await page.evaluate(
        "JSON.parse(localStorage.getItem('touchpoint:outbox') || '[]')"
    )
    return items


async def widget_loaded(page: Page) -> None:
    """The script ran and its start-up (queued calls, automatic show, outbox) is done."""
    await page.wait_for_function("window.touchpoint && window.touchpoint.loaded === 1")
    await page.wait_for_load_state("networkidle")


def admin_client(server: RunningServer) -> httpx.AsyncClient:
    return server.client()
