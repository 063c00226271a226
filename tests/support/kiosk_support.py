"""What the kiosk's browser tests share: a kiosk key, the kiosk's address, and probes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from playwright.async_api import Page, expect

from tests.support.e2e_support import RunningServer, unique_slug

__all__ = ["RunningServer", "unique_slug"]

QUESTION_READY = '#question:not([hidden]) .scale:not([aria-disabled="true"])'
COMMENT_READY = "#comment:not([hidden]):not(.arming)"

# Reads the kiosk's IndexedDB as the page sees it (Runtime.evaluate: the page's CSP
# forbids eval, not the debugger).
READ_STORE = """async (name) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('touchpoint-kiosk');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  if (!db.objectStoreNames.contains(name)) { db.close(); return []; }
  const items = await new Promise((resolve, reject) => {
    const request = db.transaction(name).objectStore(name).getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  db.close();
  return items;
}"""


async def kiosk_key(server: RunningServer, location: str | None = "store-12") -> str:
    body: dict[str, Any] = {"name": "door", "kind": "kiosk", "scopes": ["responses:write"]}
    if location:
        body["location"] = location
    async with server.client() as admin:
        created = await admin.post("/v1/keys", json=body)
    assert created.status_code == 201, created.text
    key: str = created.json()["key"]
    return key


def kiosk_url(server: RunningServer, key: str | None, **params: str) -> str:
    fragment = f"#key={key}" if key is not None else ""
    return f"{server.base_url}/kiosk?{urlencode(params)}{fragment}"


async def stored(page: Page, name: str = "outbox") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = await page.evaluate(READ_STORE, name)
    return items


async def expect_pending(page: Page, count: int, timeout_ms: float = 20_000) -> None:
    await expect(page.locator("#status")).to_have_attribute(
        "data-pending", str(count), timeout=timeout_ms
    )


async def answer(page: Page, score: int, comment: str | None = None) -> tuple[datetime, datetime]:
    """Taps `score`, then Send with `comment` or Skip; the instants around the tap."""
    await page.locator(QUESTION_READY).wait_for()
    before = datetime.now(UTC)
    await page.locator(f'button[data-score="{score}"]').click()
    after = datetime.now(UTC)
    await page.locator(COMMENT_READY).wait_for()
    if comment is None:
        await page.locator("#skip").click()
    else:
        await page.locator("#comment-text").fill(comment)
        await page.locator("#send").click()
    return before, after


async def responses_of(server: RunningServer, survey: str) -> list[dict[str, Any]]:
    """Every response of `survey`, read back with the admin key."""
    async with server.client() as admin:
        listed = await admin.get("/v1/responses", params={"survey": survey, "limit": 1000})
    assert listed.status_code == 200, listed.text
    rows: list[dict[str, Any]] = listed.json()["data"]
    return rows


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# WCAG 2.x contrast ratio of each element's text against the first opaque background
# behind it (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio).
_CONTRAST = """(selectors) => {
  const rgba = (text) => {
    const parts = text.match(/rgba?\\(([^)]+)\\)/)[1].split(',').map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const behind = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const color = rgba(getComputedStyle(e).backgroundColor);
      if (color.a > 0) return color;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  return Object.fromEntries(selectors.map((selector) => {
    const element = document.querySelector(selector);
    const text = luminance(rgba(getComputedStyle(element).color));
    const [high, low] = [text, luminance(behind(element))].sort((a, b) => b - a);
    return [selector, (high + 0.05) / (low + 0.05)];
  }));
}"""


async def contrast(page: Page, *selectors: str) -> dict[str, float]:
    ratios: dict[str, float] = await page.evaluate(_CONTRAST, list(selectors))
    return ratios


async def revoke(server: RunningServer, key: str) -> None:
    async with server.client() as admin:
        revoked = await admin.delete(f"/v1/keys/{key[6:22]}")
    assert revoked.status_code == 200, revoked.text
