"""/docs and /redoc, and every file they load, come from the service itself: they work on
a box with no internet."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.support.problems import assert_problem

PAGES = ["/docs", "/redoc"]
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class References(HTMLParser):
    """Every URL a page loads: src, href, ReDoc's spec-url and Swagger UI's `url: '…'`."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href", "spec-url") and v]

    def handle_data(self, data: str) -> None:
        self.urls += re.findall(r"\burl: '([^']+)'", data)


def references(html: str) -> list[str]:
    parser = References()
    parser.feed(html)
    return parser.urls


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings.model_construct())  # the pages need no database
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.mark.parametrize("page", PAGES)
async def test_the_page_names_no_other_host(client: httpx.AsyncClient, page: str) -> None:
    response = await client.get(page)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert not re.search(r"(https?:)?//[a-z0-9.-]", response.text, re.IGNORECASE), (
        "an absolute URL: the page would need the internet"
    )
    assert "fonts.googleapis" not in response.text
    # …and the browser is told to fetch nothing from elsewhere, whatever the scripts ask.
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy


@pytest.mark.parametrize("page", PAGES)
async def test_every_file_the_page_loads_is_served_here(
    client: httpx.AsyncClient, page: str
) -> None:
    html = (await client.get(page)).text
    urls = references(html)

    assert any(url.endswith(".js") for url in urls), urls
    assert "/openapi.json" in urls
    for url in urls:
        assert url.startswith("/"), url
        response = await client.get(url)
        assert response.status_code == 200, url
        assert response.content, url
        suffix = url[url.rfind(".") :]
        expected = MEDIA_TYPES.get(suffix, "application/json")
        assert response.headers["content-type"].startswith(expected), url


async def test_swagger_ui_sends_the_spec_to_no_validator(client: httpx.AsyncClient) -> None:
    html = (await client.get("/docs")).text

    assert '"validatorUrl": null' in html


async def test_a_file_the_docs_do_not_have_is_a_problem(client: httpx.AsyncClient) -> None:
    for path in ("/docs/assets/nope.js", "/docs/assets/core.py", "/docs/assets/..%2Fcore.py"):
        assert_problem(await client.get(path), "not-found")


async def test_the_docs_answer_only_get(client: httpx.AsyncClient) -> None:
    response = await client.post("/docs")

    assert_problem(response, "method-not-allowed")
    assert response.headers["allow"] == "GET"


async def test_the_docs_are_not_part_of_the_api_contract(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert not [path for path in paths if path.startswith(("/docs", "/redoc"))]
