"""GET /widget.js: small, versioned by a strong ETag, revalidated with 304, safe to embed."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from app.channels.widget import service
from app.channels.widget.texts import UI_TEXTS
from app.config import Settings
from app.main import create_app
from app.surveys.wording import SUPPORTED_LOCALES, default_wording

BUDGET_BYTES = 8 * 1024


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """The app without its lifespan: serving the script needs no database."""
    app = create_app(Settings.model_construct())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def test_the_script_gzipped_fits_the_8_kb_budget() -> None:
    script = service.script()
    size = len(gzip.compress(script.plain.body, compresslevel=9))

    print(f"\nwidget.js: {len(script.plain.body)} bytes, {size} bytes gzipped (budget 8192)")
    assert size <= BUDGET_BYTES
    assert len(script.gzip.body) <= BUDGET_BYTES


async def test_it_is_served_gzipped_with_a_strong_etag_and_short_revalidated_caching(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/widget.js", headers={"Accept-Encoding": "gzip, br"})

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["cache-control"] == "public, max-age=300, stale-while-revalidate=86400"
    assert answer.headers["vary"] == "Accept-Encoding"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "set-cookie" not in answer.headers
    etag = answer.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')  # strong: no W/
    assert answer.content == service.script().plain.body  # httpx has decoded it


async def test_a_client_without_gzip_gets_the_plain_script_under_another_etag(
    client: httpx.AsyncClient,
) -> None:
    plain = await client.get("/widget.js", headers={"Accept-Encoding": "identity"})
    refused = await client.get("/widget.js", headers={"Accept-Encoding": "gzip;q=0"})
    zipped = await client.get("/widget.js", headers={"Accept-Encoding": "gzip"})

    assert "content-encoding" not in plain.headers
    assert "content-encoding" not in refused.headers
    assert plain.content == zipped.content
    assert plain.headers["etag"] == refused.headers["etag"] != zipped.headers["etag"]


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
async def test_a_current_copy_is_revalidated_with_a_304(
    client: httpx.AsyncClient, encoding: str
) -> None:
    first = await client.get("/widget.js", headers={"Accept-Encoding": encoding})
    etag = first.headers["etag"]

    for if_none_match in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        again = await client.get(
            "/widget.js", headers={"Accept-Encoding": encoding, "If-None-Match": if_none_match}
        )
        assert again.status_code == 304, if_none_match
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == first.headers["cache-control"]

    stale = await client.get(
        "/widget.js", headers={"Accept-Encoding": encoding, "If-None-Match": '"stale"'}
    )
    assert stale.status_code == 200
    assert stale.content == first.content


def test_the_etag_is_the_hash_of_exactly_the_bytes_sent() -> None:
    script = service.script()

    assert gzip.decompress(script.gzip.body) == script.plain.body
    assert script.plain.etag != script.gzip.etag
    service.script.cache_clear()
    assert service.script() == script  # rebuilt from the same source: same bytes, same tags


def test_the_script_carries_every_locales_words_and_the_built_in_wording() -> None:
    body = service.script().plain.body.decode()
    assert service.PLACEHOLDER not in body
    start = body.index('{"ui":')
    texts = orjson.loads(body[start:].split(";\n", 1)[0])

    assert texts["ui"] == UI_TEXTS
    for metric in ("nps", "ces", "csat"):
        for locale in SUPPORTED_LOCALES:
            wording = default_wording(metric, locale)
            assert texts["w"][metric][locale] == [
                wording.question,
                wording.low_label,
                wording.high_label,
                wording.followup,
                wording.thanks,
            ]


def test_the_widgets_own_words_exist_in_every_language() -> None:
    assert set(UI_TEXTS) == set(SUPPORTED_LOCALES)
    names = set(UI_TEXTS["en"])
    for locale, words in UI_TEXTS.items():
        assert set(words) == names, locale
        assert all(word.strip() for word in words.values()), locale
    # Written for each language, not left in English.
    assert UI_TEXTS["pl"]["send"] != UI_TEXTS["en"]["send"] != UI_TEXTS["et"]["send"]
