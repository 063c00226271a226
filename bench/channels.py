"""Size and speed of the customer-facing channels, measured in Debian's Chromium.

    /work/venv/bin/python bench/channels.py              # ~1 min
    /work/venv/bin/python bench/channels.py --reloads 9

Starts the real ``touchpoint serve`` on a fresh SQLite database, makes a publishable,
a kiosk and a secret key, then, in the browser (Playwright, /usr/bin/chromium):

1. the widget on a shop page served from another origin: ``widget.js`` gzipped
   (budget 8 KB) and everything else the widget fetches from Touchpoint;
2. the email landing page behind a one-click link, with everything it loads
   (budget 30 KB gzipped);
3. the kiosk page, with everything it loads (budget 30 KB gzipped); then, offline,
   the first contentful paint of each of ``--reloads`` reloads served by its service
   worker (median and spread printed; a figure, not a pass/fail on time).

Sizes are each response body gzipped at level 6 (what a compressing proxy in front of
the service would send); uvicorn itself does not compress.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import run  # noqa: E402  (bench/run.py: the service launcher)
from playwright.async_api import BrowserContext, Page, Response, async_playwright  # noqa: E402

from tests.support.browser_support import CHROMIUM_ARGS, static_site  # noqa: E402

WIDGET_BUDGET = 8 * 1024
PAGE_BUDGET = 30 * 1024


@dataclass
class Loaded:
    """The responses a page received, by URL, with their gzipped sizes."""

    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # url → (raw, gzipped)

    async def record(self, response: Response) -> None:
        try:
            body = await response.body()
        except Exception:  # redirects and aborted requests have no body
            return
        self.sizes[response.url] = (len(body), len(gzip.compress(body, compresslevel=6)))

    def gzipped(self, prefix: str = "") -> int:
        return sum(gz for url, (_, gz) in self.sizes.items() if url.startswith(prefix))


def _watch(page: Page) -> Loaded:
    """Every response of the page's context, so also what its service worker fetches."""
    loaded = Loaded()
    page.context.on("response", loaded.record)
    return loaded


async def widget(context: BrowserContext, site_origin: str) -> Loaded:
    page = await context.new_page()
    loaded = _watch(page)
    await page.goto(site_origin + "/")
    await page.wait_for_function(
        "() => document.querySelector('[data-touchpoint-widget]') || "
        "[...document.body.children].some(e => e.shadowRoot)"
    )
    await page.wait_for_load_state("networkidle")
    await page.close()
    return loaded


async def email_page(context: BrowserContext, link: str) -> Loaded:
    page = await context.new_page()
    loaded = _watch(page)
    await page.goto(link)
    await page.wait_for_load_state("networkidle")
    await page.close()
    return loaded


async def kiosk(context: BrowserContext, url: str, reloads: int) -> tuple[Loaded, list[float]]:
    page = await context.new_page()
    loaded = _watch(page)
    await page.goto(url)
    await page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    await page.wait_for_load_state("networkidle")
    # Controlled by the service worker from here on (a reload makes sure of it).
    await page.reload()
    await page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    await context.set_offline(True)
    paints: list[float] = []
    for _ in range(reloads):
        await page.reload()
        fcp = await page.evaluate(
            """() => new Promise(resolve => {
                const seen = () => performance.getEntriesByName('first-contentful-paint');
                if (seen().length) return resolve(seen()[0].startTime);
                new PerformanceObserver(list => {
                    const entry = list.getEntriesByName('first-contentful-paint')[0];
                    if (entry) resolve(entry.startTime);
                }).observe({type: 'paint', buffered: true});
            })"""
        )
        paints.append(float(fcp))
    await context.set_offline(False)
    await page.close()
    return loaded, paints


def _keys(base: str, admin: str, origin: str) -> dict[str, str]:
    made: dict[str, str] = {}
    specs: dict[str, dict[str, Any]] = {
        "publishable": {"kind": "publishable", "allowed_origins": [origin]},
        "kiosk": {"kind": "kiosk", "location": "store-12"},
        "secret": {"kind": "secret"},
    }
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}) as client:
        for kind, spec in specs.items():
            body = {"name": f"bench-{kind}", "scopes": ["responses:write"], **spec}
            response = client.post("/v1/keys", json=body)
            response.raise_for_status()
            made[kind] = response.json()["key"]
    return made


def _email_link(base: str, secret: str) -> str:
    body = {"metric": "nps", "survey": "post-purchase", "respondent": "bench-1", "locale": "pl"}
    response = httpx.post(
        base + "/v1/email-links", json=body, headers={"Authorization": f"Bearer {secret}"}
    )
    response.raise_for_status()
    links: list[dict[str, Any]] = response.json()["links"]
    return str(links[9]["url"])


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


async def measure(base: str, admin: str, reloads: int) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    shop_page = "<!doctype html><html lang=en><title>Shop</title><h1>Shop</h1>{script}</html>"
    pages: dict[str, str] = {}
    with static_site(pages) as site:
        keys = _keys(base, admin, site.origin)
        pages["/"] = shop_page.format(
            script=f'<script src="{base}/widget.js" async data-key="{keys["publishable"]}" '
            'data-survey="site-nps" data-metric="nps" data-touchpoint="checkout"></script>'
        )
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=list(CHROMIUM_ARGS)
            )
            context = await browser.new_context()
            loaded = await widget(context, site.origin)
            script = loaded.sizes.get(base + "/widget.js", (0, 0))[1]
            rows.append(
                (
                    "widget.js",
                    _kb(script),
                    f"≤ {_kb(WIDGET_BUDGET)}",
                    _verdict(script, WIDGET_BUDGET),
                )
            )
            fetched = loaded.gzipped(base)
            rows.append(("widget, all it fetches from Touchpoint", _kb(fetched), "", ""))
            await context.close()

            context = await browser.new_context()
            loaded = await email_page(context, _email_link(base, keys["secret"]))
            total = loaded.gzipped()
            rows.append(
                (
                    "email landing page + all it loads",
                    _kb(total),
                    f"≤ {_kb(PAGE_BUDGET)}",
                    _verdict(total, PAGE_BUDGET),
                )
            )
            await context.close()

            context = await browser.new_context()
            url = f"{base}/kiosk?survey=store-exit&metric=csat#key={keys['kiosk']}"
            loaded, paints = await kiosk(context, url, reloads)
            total = loaded.gzipped()
            rows.append(
                (
                    "kiosk page + all it loads",
                    _kb(total),
                    f"≤ {_kb(PAGE_BUDGET)}",
                    _verdict(total, PAGE_BUDGET),
                )
            )
            rows.append(
                (
                    f"kiosk first paint offline (median of {len(paints)} reloads)",
                    f"{statistics.median(paints):.0f} ms",
                    f"min {min(paints):.0f} / max {max(paints):.0f} ms",
                    "figure",
                )
            )
            await context.close()
            await browser.close()
    return rows


def _verdict(value: int, budget: int) -> str:
    return "PASS" if value <= budget else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=5, help="offline kiosk reloads")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="touchpoint-channels-"))
    server, admin = run.start_service(
        f"sqlite:///{workdir / 'touchpoint.db'}", 1, None, workdir, "channels"
    )
    try:
        if admin is None:
            raise SystemExit("the service printed no admin key")
        rows = asyncio.run(measure(server.base, admin, args.reloads))
    finally:
        server.stop()
    width = max(len(name) for name, *_ in rows)
    for name, figure, budget, verdict in rows:
        print(f"{name:<{width}}  {figure:>10}  {budget:<22} {verdict}")


if __name__ == "__main__":
    main()
