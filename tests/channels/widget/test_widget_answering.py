"""The widget on a shop's page, in Chromium: it asks, records, takes the comment, thanks.

The page comes from the shop's origin, the script and the API from Touchpoint's (a real
`touchpoint serve`), so every call is a real cross-origin request with CORS.
"""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext, Page, Request, Route

from app.surveys.wording import default_wording
from tests.support import widget_support
from tests.support.e2e_support import unique_slug
from tests.support.widget_support import (
    STUB,
    WIDGET,
    Shop,
    eventually,
    outbox,
    page_html,
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


async def open_shop(
    context: BrowserContext, shop: Shop, before: str = "", **data: str | None
) -> Page:
    page = await context.new_page()
    await page.goto(shop.publish(page_html(shop.server, {"key": shop.key, **data}, before=before)))
    return page


async def test_a_customer_answers_and_comments_and_the_response_has_both(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("site")
    page = await open_shop(
        browser_context, shop, survey=survey, metric="nps", touchpoint="checkout", locale="pl"
    )
    wording = default_wording("nps", "pl")
    widget = page.locator(WIDGET)

    await widget.get_by_text(wording.question).wait_for()
    assert await widget.locator("[lang=pl]").count() == 1
    await widget.get_by_role("button", name=f"10, {wording.high_label}").wait_for()
    await widget.get_by_role("button", name="9", exact=True).click()
    await widget.get_by_label(wording.followup).fill("Szybka dostawa")
    await widget.get_by_role("button", name="Wyślij").click()
    await widget.get_by_text(wording.thanks).wait_for()

    rows = await eventually(
        lambda: stored(shop.server, survey), lambda rows: rows and rows[0]["comment"]
    )
    assert [
        (r["score"], r["comment"], r["channel"], r["touchpoint"], r["locale"]) for r in rows
    ] == [("9", "Szybka dostawa", "web", "checkout", "pl")]
    assert await eventually(lambda: outbox(page), lambda items: not items) == []
    # The thank-you closes by itself.
    await widget.wait_for(state="detached", timeout=10_000)
    await widget_loaded(page)


async def seen(page: Page, survey: str) -> dict[str, float]:
    """The widget's fatigue record of ``survey`` in the shop's localStorage."""
    record: dict[str, float] = await page.evaluate(
        "s => (JSON.parse(localStorage.getItem('touchpoint:seen') || '{}'))[s] || {}", survey
    )
    return record


async def set_seen(page: Page, survey: str, field: str, days_ago: float) -> None:
    await page.evaluate(
        """([s, f, days]) => {
            const all = JSON.parse(localStorage.getItem('touchpoint:seen') || '{}');
            (all[s] = all[s] || {})[f] = Date.now() - days * 864e5;
            localStorage.setItem('touchpoint:seen', JSON.stringify(all));
        }""",
        [survey, field, days_ago],
    )


class WordingRequests:
    """Counts the widget's requests for texts: it asks only when it is about to show."""

    def __init__(self, page: Page) -> None:
        self.count = 0
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if "/wording" in request.url:
            self.count += 1


async def reload_and_settle(page: Page) -> None:
    await page.reload()
    await widget_loaded(page)


async def test_a_dismissal_keeps_the_widget_away_for_the_dismiss_days(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("site")
    page = await open_shop(browser_context, shop, survey=survey, dismiss_days="14")
    widget = page.locator(WIDGET)
    await widget.get_by_role("button", name="0, Not at all likely").wait_for()

    await widget.get_by_role("button", name="Close").click()

    await widget.wait_for(state="detached")
    assert "d" in await seen(page, survey)
    asked = WordingRequests(page)
    await reload_and_settle(page)
    assert (await widget.count(), asked.count) == (0, 0)

    await set_seen(page, survey, "d", days_ago=13.9)
    await reload_and_settle(page)
    assert (await widget.count(), asked.count) == (0, 0)

    await set_seen(page, survey, "d", days_ago=14.1)
    await page.reload()
    await widget.get_by_role("button", name="0, Not at all likely").wait_for()


async def test_an_answer_keeps_the_widget_away_for_the_resurvey_days_unless_forced(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("site")
    page = await open_shop(browser_context, shop, survey=survey, metric="ces", resurvey_days="30")
    widget = page.locator(WIDGET)
    await widget.get_by_role("button", name="5", exact=True).click()
    await widget.get_by_role("button", name="Close").click()  # after answering: no dismissal
    assert set(await seen(page, survey)) == {"a", "r"}

    asked = WordingRequests(page)
    await reload_and_settle(page)
    await page.evaluate("touchpoint('show')")  # the page's own call respects the throttle…
    await page.wait_for_load_state("networkidle")
    assert (await widget.count(), asked.count) == (0, 0)

    await page.evaluate("touchpoint('show', {force: true})")  # …unless it forces it
    await widget.get_by_role("button", name="7, Very easy").wait_for()

    await set_seen(page, survey, "a", days_ago=30.1)
    await page.reload()
    await widget.get_by_role("button", name="1, Very difficult").wait_for()
    rows = await stored(shop.server, survey)
    assert [(r["metric"], r["score"]) for r in rows] == [("ces", "5")]


async def test_with_sample_zero_only_the_pages_own_calls_show_it(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("site")
    # Called before the script has loaded: queued by the snippet, run once it has.
    queued = (
        STUB + "<script>document.getElementById('search').focus();"
        f"touchpoint('show', {{survey: '{survey}', metric: 'csat', focus: false}});</script>"
    )
    page = await open_shop(browser_context, shop, survey="never-shown", sample="0", before=queued)
    widget = page.locator(WIDGET)
    await widget.get_by_role("button", name="5, Very satisfied").wait_for()
    assert await widget.get_by_role("button").count() == 1 + 5  # close + 1–5
    # Asked not to take the focus (a call made while the page loads): it stays put.
    assert await page.evaluate("document.activeElement.id") == "search"

    await page.evaluate("touchpoint('hide')")
    await widget.wait_for(state="detached")
    assert "d" not in await seen(page, survey)  # hidden by the page, not dismissed

    await page.evaluate("touchpoint('show', {survey: 'never-shown'})")
    await widget.get_by_role("button", name="0, Not at all likely").wait_for()

    plain = await open_shop(browser_context, shop, survey="never-shown", sample="0")
    asked = WordingRequests(plain)
    for _ in range(3):
        await reload_and_settle(plain)
        assert (await plain.locator(WIDGET).count(), asked.count) == (0, 0)


async def test_a_keyboard_user_answers_and_the_focus_is_managed(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("site")
    page = await open_shop(browser_context, shop, survey=survey, sample="0")
    await widget_loaded(page)
    await page.focus("#again")
    widget = page.locator(WIDGET)

    await page.evaluate("touchpoint('show')")  # the page's own call moves the focus in
    await widget.get_by_role("button", name="0, Not at all likely").wait_for()
    assert await focused_label(page) == "0, Not at all likely"
    outline = await page.evaluate(
        "getComputedStyle(document.querySelector('touchpoint-widget').shadowRoot.activeElement)"
        ".outlineStyle"
    )
    assert outline == "solid"
    for key, label in [
        ("ArrowRight", "1"),
        ("ArrowRight", "2"),
        ("End", "10, Extremely likely"),
        ("ArrowLeft", "9"),
        ("Home", "0, Not at all likely"),
        ("ArrowLeft", "0, Not at all likely"),
    ]:
        await page.keyboard.press(key)
        assert await focused_label(page) == label, key
    await page.keyboard.press("Tab")
    assert await focused_label(page) == "1"  # every score is reachable with Tab too
    await page.keyboard.press("End")
    await page.keyboard.press("ArrowLeft")
    await page.keyboard.press("Enter")

    assert (
        await page.evaluate(
            "document.querySelector('touchpoint-widget').shadowRoot.activeElement.tagName"
        )
        == "TEXTAREA"
    )
    await page.keyboard.type("Everything was fine")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # Send
    await widget.get_by_role("status").wait_for()
    await page.keyboard.press("Escape")
    await widget.wait_for(state="detached")
    assert await page.evaluate("document.activeElement.id") == "again"  # focus given back
    assert "d" not in await seen(page, survey)  # answered, not dismissed

    rows = await eventually(
        lambda: stored(shop.server, survey), lambda rows: rows and rows[0]["comment"]
    )
    assert [(r["score"], r["comment"]) for r in rows] == [("9", "Everything was fine")]


async def focused_label(page: Page) -> str | None:
    label: str | None = await page.evaluate(
        "document.querySelector('touchpoint-widget').shadowRoot.activeElement"
        "?.getAttribute('aria-label') ?? null"
    )
    return label


async def test_escape_dismisses_and_the_delay_is_waited_for(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("site")
    page = await open_shop(browser_context, shop, survey=survey, delay="3")
    await widget_loaded(page)
    widget = page.locator(WIDGET)
    assert await widget.count() == 0  # loaded, but waiting its 3 s

    await widget.get_by_role("button", name="0, Not at all likely").wait_for(timeout=15_000)
    # Shown on its own: it took no focus.
    assert await page.evaluate("document.activeElement === document.body")
    await widget.get_by_role("button", name="3", exact=True).focus()
    await page.keyboard.press("Escape")
    await widget.wait_for(state="detached")
    assert "d" in await seen(page, survey)
    assert await stored(shop.server, survey) == []


async def test_the_surveys_own_wording_is_shown_in_its_language(
    browser_context: BrowserContext, shop: Shop
) -> None:
    survey = unique_slug("site")
    wording = {
        "survey": survey,
        "metric": "nps",
        "locale": "et",
        "brand": "Acme",
        "question": "Kui tõenäoliselt soovitaksite ettevõtet Acme oma sõbrale?",
        "low_label": "Üldse mitte",
        "high_label": "Kindlasti",
        "followup": "Mis oli peamine põhjus?",
        "thanks": "Suur aitäh!",
    }
    page = await browser_context.new_page()
    requested: list[str] = []

    async def answer_wording(route: Route) -> None:
        requested.append(route.request.url)
        await route.fulfill(json=wording, headers={"Access-Control-Allow-Origin": shop.site.origin})

    await page.route(f"{shop.server.base_url}/v1/surveys/*/wording*", answer_wording)
    await page.goto(
        shop.publish(shop_page(shop.server, key=shop.key, survey=survey, locale="et-EE"))
    )
    widget = page.locator(WIDGET)

    await widget.get_by_role("button", name="10, Kindlasti").click()
    await widget.get_by_label("Mis oli peamine põhjus?").wait_for()
    assert await widget.get_by_role("region", name="Tagasiside").count() == 1
    assert await widget.locator("[lang=et]").count() == 1
    assert requested == [
        f"{shop.server.base_url}/v1/surveys/{survey}/wording?metric=nps&locale=et-EE"
    ]
    await widget.get_by_role("button", name="Jäta vahele").click()
    await widget.get_by_text("Suur aitäh!").wait_for()
    rows = await eventually(lambda: stored(shop.server, survey), bool)
    assert [(r["score"], r["locale"], r["comment"]) for r in rows] == [("10", "et", "")]
