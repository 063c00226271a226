"""What a customer and staff see and do at the kiosk, in Debian's Chromium.

One person, one answer: a double tap counts once, the thank-you ignores taps, and the
question ignores taps for 3 s after an answer. The comment goes with its score; a
comment step left alone gives up. Keyboard, names, 320 px, and the screenshots.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Request, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from app.channels.kiosk.texts import TEXTS
from tests.support.browser_support import screenshot_path
from tests.support.kiosk_support import (
    COMMENT_READY,
    QUESTION_READY,
    RunningServer,
    contrast,
    expect_pending,
    kiosk_key,
    kiosk_url,
    responses_of,
    stored,
    unique_slug,
)

pytest_plugins = ["tests.support.browser_fixtures", "tests.support.e2e_fixtures"]
pytestmark = pytest.mark.e2e

Tablet = Callable[..., Awaitable[BrowserContext]]
QUESTION = "How likely are you to recommend us to a friend or colleague?"


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


async def test_a_double_tap_counts_once_and_taps_right_after_an_answer_are_ignored(
    e2e_server: RunningServer, tablet: Tablet
) -> None:
    key = await kiosk_key(e2e_server)
    survey = unique_slug("kiosk-taps")
    page = await (await tablet()).new_page()
    # The default repeated-press filter (3 s); a thank-you of 2 s, shorter than it.
    await page.goto(kiosk_url(e2e_server, key, survey=survey, metric="ces", reset="2"))
    await page.locator(QUESTION_READY).wait_for()

    await page.locator('button[data-score="6"]').dblclick()
    await page.locator(COMMENT_READY).wait_for()
    assert len(await stored(page)) == 1
    before_skip = time.monotonic()
    await page.locator("#skip").click()
    await page.locator("#thanks").wait_for()
    for _ in range(3):  # the thank-you screen ignores taps, wherever they land
        await page.touchscreen.tap(512, 384)
        await page.mouse.click(100, 400)
    await expect(page.locator("body")).to_have_attribute("data-screen", "thanks")
    assert len(await stored(page)) <= 1  # at most the first, if it is not sent yet

    await page.locator("#question").wait_for()
    ignored = 0
    while True:
        assert time.monotonic() - before_skip < 8, "a tap on the question was never taken"
        # force: Playwright itself waits out aria-disabled, which would hide the filter.
        await page.locator('button[data-score="2"]').click(force=True)
        try:
            await page.locator("#comment").wait_for(timeout=300)
            break
        except PlaywrightTimeout:
            ignored += 1
    accepted_after = time.monotonic() - before_skip

    assert ignored >= 1
    assert accepted_after >= 3.0
    await page.locator(COMMENT_READY).wait_for()
    await page.locator("#skip").click()
    await expect_pending(page, 0)
    rows = await responses_of(e2e_server, survey)
    assert sorted(row["score"] for row in rows) == [2, 6]


async def test_a_comment_goes_with_its_score_and_an_idle_comment_step_gives_up(
    e2e_server: RunningServer, tablet: Tablet, tmp_path: Path
) -> None:
    key = await kiosk_key(e2e_server)
    survey = unique_slug("kiosk-comment")
    page = await (await tablet(locale="en-US")).new_page()
    address = kiosk_url(
        e2e_server, key, survey=survey, metric="nps", reset="1", guard="0.2", idle="1"
    )
    await page.goto(address)
    await expect_pending(page, 0)

    assert await page.get_attribute("html", "lang") == "en"
    scale = page.get_by_role("group", name=QUESTION)
    await expect(scale.get_by_role("button")).to_have_count(11)
    await expect(scale.get_by_role("button", name="0 – Not at all likely")).to_be_visible()
    await expect(scale.get_by_role("button", name="10 – Extremely likely")).to_be_visible()
    await expect(page.get_by_role("status")).to_have_attribute("aria-live", "polite")
    await expect(page.locator("a")).to_have_count(0)
    menu_blocked = await page.evaluate(
        "() => !document.querySelector('.score').dispatchEvent("
        "new MouseEvent('contextmenu', {bubbles: true, cancelable: true}))"
    )
    assert menu_blocked
    question_texts = ("#question-title", ".score", ".ends span", "#status-text")
    assert min((await contrast(page, *question_texts)).values()) >= 4.5
    await page.screenshot(path=screenshot_path("kiosk.png", tmp_path))

    await page.locator('button[data-score="9"]').click()
    await page.locator(COMMENT_READY).wait_for()
    comment_box = page.get_by_role("textbox", name="What is the main reason for your score?")
    await comment_box.fill("Friendly staff at the till")
    comment_texts = ("#comment-title label", ".hint", "#comment-text", "#send", "#skip")
    assert min((await contrast(page, *comment_texts)).values()) >= 4.5
    await page.screenshot(path=screenshot_path("kiosk-comment.png", tmp_path))
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#thanks-title")).to_have_text("Thank you for your feedback!")
    assert (await contrast(page, "#thanks-title"))["#thanks-title"] >= 4.5
    await page.locator(QUESTION_READY).wait_for()

    # By keyboard: from the question, Tab reaches the scale in order; Enter answers.
    for _ in range(4):
        await page.keyboard.press("Tab")
    focused = await page.evaluate(
        "() => [document.activeElement.dataset.score, getComputedStyle(document.activeElement)"
        ".outlineStyle]"
    )
    assert focused == ["3", "solid"]
    await page.keyboard.press("Enter")
    await page.locator(COMMENT_READY).wait_for()
    await comment_box.fill("I was going to say")  # and walks away without sending it
    await expect(page.locator("body")).to_have_attribute("data-screen", "question")
    await expect_pending(page, 0)

    rows = await responses_of(e2e_server, survey)
    assert sorted((row["score"], row["comment"]) for row in rows) == [
        (3, None),
        (9, "Friendly staff at the till"),
    ]

    await page.set_viewport_size({"width": 320, "height": 640})
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= 320
    for button in await page.locator(".score").all():
        box = await button.bounding_box()
        assert box is not None
        assert box["width"] >= 40
        assert box["height"] >= 44
    await page.screenshot(path=screenshot_path("kiosk-320.png", tmp_path))

    assert (
        await page.evaluate(
            "() => getComputedStyle(document.querySelector('#question')).animationName"
        )
        == "appear"
    )
    await page.emulate_media(reduced_motion="reduce")
    assert (
        await page.evaluate(
            "() => getComputedStyle(document.querySelector('#question')).animationName"
        )
        == "none"
    )


async def test_without_a_kiosk_key_staff_are_told_what_to_do(
    e2e_server: RunningServer, tablet: Tablet
) -> None:
    context = await tablet()
    calls: list[str] = []

    def remember(request: Request) -> None:
        if "/v1/" in request.url:
            calls.append(request.url)

    context.on("request", remember)
    missing = await context.new_page()
    await missing.goto(kiosk_url(e2e_server, None, metric="nps", locale="et"))
    await expect(missing.locator("#setup-text")).to_have_text(TEXTS["et"].key_missing)
    await expect(missing.locator("#question")).to_be_hidden()

    # A secret key typed into a tablet is refused by the page: never kept, never sent.
    assert e2e_server.admin_key is not None
    wrong = await context.new_page()
    await wrong.goto(kiosk_url(e2e_server, e2e_server.admin_key, metric="nps", locale="pl"))
    await expect(wrong.locator("#setup-text")).to_have_text(TEXTS["pl"].key_wrong_kind)
    await expect(wrong.locator("#question")).to_be_hidden()
    await expect(wrong.locator("#status-text")).to_have_text(TEXTS["pl"].all_sent)
    assert await stored(wrong, "meta") == []
    assert calls == []
