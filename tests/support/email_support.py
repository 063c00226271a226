"""What the email-link tests share: issuing links, reading pages, posting the Send form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from app.config import Settings
from app.main import create_app

BASE64_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# What every link page must send, whatever it shows.
PAGE_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-robots-tag": "noindex, nofollow",
}


async def issue(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """POST /v1/email-links (metric nps unless given); the created links."""
    answer = await client.post("/v1/email-links", json={"metric": "nps", **fields})
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    return created


def path(url: str) -> str:
    """The path of a link, to request it from an in-process client on another base URL."""
    return urlsplit(url).path


async def send(
    client: httpx.AsyncClient, token: str, score: int | str | None, comment: str = ""
) -> httpx.Response:
    """What the Send button posts."""
    fields = {"comment": comment} | ({"score": str(score)} if score is not None else {})
    return await client.post(f"/r/{token}", data=fields, headers=FORM)


def assert_page(answer: httpx.Response, status: int, lang: str) -> str:
    """A friendly link page: HTML in ``lang`` with every protective header; its text."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    for name, value in PAGE_HEADERS.items():
        assert answer.headers[name] == value, name
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert "unsafe-inline" not in policy
    assert answer.headers["content-language"] == lang
    assert f'<html lang="{lang}">' in answer.text
    assert "<script" not in answer.text.lower()
    return answer.text


class _Form(HTMLParser):
    """The radios (value, checked) and the form's action in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.radios: list[tuple[int, bool]] = []
        self.actions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("type") == "radio":
            self.radios.append((int(named["value"] or ""), "checked" in named))
        if tag == "form":
            self.actions.append(named.get("action") or "")


def radios(page: str) -> list[tuple[int, bool]]:
    parser = _Form()
    parser.feed(page)
    return parser.radios


def checked(page: str) -> list[int]:
    return [value for value, on in radios(page) if on]


def form_actions(page: str) -> list[str]:
    parser = _Form()
    parser.feed(page)
    return parser.actions


def heading(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.DOTALL)
    assert found, page
    return found.group(1)


def with_secrets(settings: Settings, secret: str, *old: str) -> Settings:
    return settings.model_copy(
        update={"secret_key": SecretStr(secret), "old_secret_keys": [SecretStr(o) for o in old]}
    )


@asynccontextmanager
async def app_client(
    settings: Settings, key: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An instance of the service with these settings (its own engine, writer and secrets)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as client:
            yield client


def flipped(token: str, position: int) -> str:
    """The token with one character changed so that its decoded bits change too.

    Flipping the top bit of a base64 digit always changes the bytes it encodes (the low
    bits of a final digit may be padding); '.' separators become a base64 digit.
    """
    char = token[position]
    new = "A" if char == "." else BASE64_DIGITS[BASE64_DIGITS.index(char) ^ 0b100000]
    return token[:position] + new + token[position + 1 :]
