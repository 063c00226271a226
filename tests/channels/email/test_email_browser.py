"""Email links in a real browser against the real `touchpoint serve`, on both databases.

What mail scanners do (open every link, run the page, wait) must record nothing; what a
customer does (press Send, then change their mind) records exactly one response.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import BrowserContext, Page, ViewportSize

from tests.support import email_support
from tests.support.browser_support import screenshot_path
from tests.support.e2e_support import RunningServer, export_rows, unique_slug

pytest_plugins = ["tests.support.browser_fixtures", "tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

SCANNER_LINE = "email link opened in a burst, likely a mail scanner"
PHONE: ViewportSize = {"width": 390, "height": 844}
NARROWEST: ViewportSize = {"width": 320, "height": 640}
EMAIL_PANE: ViewportSize = {"width": 640, "height": 300}


@pytest.fixture
async def api(e2e_server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with e2e_server.client() as client:
        yield client


async def links_for(api: httpx.AsyncClient, **fields: Any) -> tuple[str, dict[str, Any]]:
    """A fresh survey (so tests sharing the server do not see each other) and its links."""
    survey = unique_slug("email")
    return survey, await email_support.issue(api, survey=survey, respondent="cust-8812", **fields)


async def wait_for_log(server: RunningServer, text: str, within: float = 20.0) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for line in server.stderr().splitlines():
            if text in line:
                return line
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} never logged\n{server.describe()}")


async def no_horizontal_scroll(page: Page) -> bool:
    fits: bool = await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    return fits


async def test_a_landing_page_left_alone_for_10_seconds_records_nothing(
    api: httpx.AsyncClient, browser_context: BrowserContext
) -> None:
    survey, created = await links_for(api)
    page = await browser_context.new_page()

    answer = await page.goto(created["links"][10]["url"])
    assert answer is not None
    assert answer.status == 200
    assert await page.evaluate("document.scripts.length") == 0
    assert await page.is_checked("input[name=score][value='10']")
    await asyncio.sleep(10)  # what a scanner's headless browser does: load, run, wait

    assert await export_rows(api, survey) == []


async def test_send_records_one_response_and_a_second_send_updates_it(
    api: httpx.AsyncClient,
    browser_context: BrowserContext,
    e2e_backend: str,
    tmp_path: Path,
) -> None:
    survey, created = await links_for(api, locale="pl", touchpoint="checkout")
    page = await browser_context.new_page()
    await page.set_viewport_size(PHONE)
    await page.goto(created["links"][8]["url"])
    await page.fill("#comment", "Szybka dostawa")
    if e2e_backend == "sqlite":
        await page.screenshot(path=screenshot_path("email-landing.png", tmp_path), full_page=True)

    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Twoja odpowiedź została zapisana.")

    [first] = await export_rows(api, survey)
    assert (first["score"], first["comment"], first["channel"]) == ("8", "Szybka dostawa", "email")
    assert first["touchpoint"] == "checkout"
    assert await page.title() == "Dziękujemy za opinię!"

    await page.click("summary")  # "Zmień odpowiedź": the answer just sent, ready to change
    assert await page.is_checked("input[name=score][value='8']")
    assert await page.input_value("#comment") == "Szybka dostawa"
    await page.click("label.score:has(input[value='3'])")
    await page.fill("#comment", "Jednak paczka przyszła uszkodzona")
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Twoja odpowiedź została zmieniona.")

    [changed] = await export_rows(api, survey)
    assert changed["id"] == first["id"]
    assert (changed["score"], changed["comment"]) == ("3", "Jednak paczka przyszła uszkodzona")
    scores = await api.get("/v1/scores", params={"metric": "nps", "survey": survey})
    distribution = scores.json()["overall"]["distribution"]
    assert {score: n for score, n in distribution.items() if n} == {"3": 1}


async def test_eleven_rapid_opens_of_a_tokens_links_record_nothing_and_are_logged(
    api: httpx.AsyncClient, browser_context: BrowserContext, e2e_server: RunningServer
) -> None:
    survey, created = await links_for(api)
    pages = [await browser_context.new_page() for _ in created["links"]]

    answers = await asyncio.gather(
        *(page.goto(link["url"]) for page, link in zip(pages, created["links"], strict=True))
    )

    assert [answer.status if answer else None for answer in answers] == [200] * 11
    line = await wait_for_log(e2e_server, created["token_id"])
    assert SCANNER_LINE in line
    assert " WARNING " in line
    assert created["token"] not in e2e_server.stderr() + e2e_server.stdout()
    assert await export_rows(api, survey) == []


async def test_the_landing_page_works_by_keyboard_at_320_px(
    api: httpx.AsyncClient, browser_context: BrowserContext
) -> None:
    survey, created = await links_for(api, metric="csat", locale="et")
    page = await browser_context.new_page()
    await page.set_viewport_size(NARROWEST)
    await page.goto(created["links"][2]["url"])  # 3 of 1–5

    assert await no_horizontal_scroll(page)
    await page.keyboard.press("Tab")  # into the radio group, on the chosen score
    assert await page.evaluate("document.activeElement.value") == "3"
    outline = await page.evaluate(
        "getComputedStyle(document.activeElement.nextElementSibling).outlineStyle"
    )
    assert outline == "solid", "the focused score shows a focus ring"
    await page.keyboard.press("ArrowRight")
    assert await page.is_checked("input[name=score][value='4']")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Kiire teenindus")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=Teie vastus on salvestatud.")

    [row] = await export_rows(api, survey)
    assert (row["score"], row["comment"], row["metric"]) == ("4", "Kiire teenindus", "csat")


async def test_the_email_block_shows_eleven_buttons_in_a_row_even_on_a_phone(
    api: httpx.AsyncClient, browser_context: BrowserContext, e2e_backend: str, tmp_path: Path
) -> None:
    _, created = await links_for(api)
    page = await browser_context.new_page()
    await page.set_content(
        '<!doctype html><html><body style="margin:0;padding:16px;background:#fff">'
        + created["html"]
        + "</body></html>"
    )

    for viewport in (EMAIL_PANE, NARROWEST):
        await page.set_viewport_size(viewport)
        boxes = [await link.bounding_box() for link in await page.query_selector_all("a")]
        assert len(boxes) == 11
        assert all(box is not None for box in boxes)
        tops = {round(box["y"]) for box in boxes if box}
        assert len(tops) == 1, f"one row at {viewport}: {tops}"
        assert min(box["width"] for box in boxes if box) >= 20
        assert await no_horizontal_scroll(page)
        if viewport["width"] == 640 and e2e_backend == "sqlite":
            await page.screenshot(path=screenshot_path("email-block.png", tmp_path))
    hrefs = [await link.get_attribute("href") for link in await page.query_selector_all("a")]
    assert hrefs == [link["url"] for link in created["links"]]


async def test_the_eleven_nps_scores_stay_one_row_of_usable_targets_at_320_px(
    api: httpx.AsyncClient, browser_context: BrowserContext
) -> None:
    """A scale read left to right; every target at least 24 px apart (WCAG 2.5.8)."""
    _, created = await links_for(api)
    page = await browser_context.new_page()
    await page.set_viewport_size(NARROWEST)
    await page.goto(created["links"][0]["url"])

    boxes = [await label.bounding_box() for label in await page.query_selector_all("label.score")]
    assert await no_horizontal_scroll(page)
    assert len({round(box["y"]) for box in boxes if box}) == 1
    centres = [box["x"] + box["width"] / 2 for box in boxes if box]
    assert min(b - a for a, b in itertools.pairwise(centres)) >= 24
    assert min(box["height"] for box in boxes if box) >= 44
