"""GET /kiosk and its files over HTTP: the page, its headers, bad addresses, caching, size."""

from __future__ import annotations

import gzip
import json
import logging
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from app.channels.kiosk import service as kiosk_service
from app.channels.kiosk.assets import bundle
from app.channels.kiosk.pages import UNAVAILABLE_RETRY_SECONDS
from app.channels.kiosk.texts import TEXTS
from app.keys.tokens import KeyKind
from app.surveys.service import wording_for
from tests.support.problems import assert_problem
from tests.support.service import Service

BUDGET_BYTES = 30 * 1024


class _Page(HTMLParser):
    """The URLs a page loads, and its <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.config: dict[str, Any] = {}
        self._in_config = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts.append(found)
            self._in_config = found.get("id") == "kiosk-config"
            if found.get("src"):
                self.loads.append(str(found["src"]))
        if tag == "link" and found.get("href"):
            self.loads.append(str(found["href"]))

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config = json.loads(data)
            self._in_config = False


def parsed(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def precached_urls(worker: str) -> list[str]:
    """The files the service worker stores when it installs."""
    found = re.search(r"var PRECACHED = (\[.*?\]);", worker)
    assert found is not None
    urls: list[str] = json.loads(found[1])
    return urls


async def test_the_page_asks_the_surveys_question_with_its_end_labels(service: Service) -> None:
    answer = await service.client.get("/kiosk", params={"survey": "store", "metric": "nps"})

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    wording = await wording_for(service.db, "store", "nps", "en")
    html = answer.text
    assert '<html lang="en">' in html
    assert f">{wording.question}</h1>" in html
    assert f'aria-label="0 – {wording.low_label}">0</button>' in html
    assert f'aria-label="10 – {wording.high_label}">10</button>' in html
    assert len(re.findall(r'<button type="button" class="score"', html)) == 11
    assert wording.followup in html
    assert wording.thanks in html
    config = parsed(html).config
    assert config["metric"] == "nps"
    assert config["survey"] == "store"
    assert (config["reset_ms"], config["guard_ms"], config["idle_ms"]) == (5000, 3000, 30000)


@pytest.mark.parametrize(
    ("query", "headers", "locale", "metric", "buttons"),
    [
        ({"metric": "ces", "locale": "pl"}, {}, "pl", "ces", 7),
        ({"metric": "csat", "locale": "et-EE"}, {"Accept-Language": "pl"}, "et", "csat", 5),
        ({"metric": "nps"}, {"Accept-Language": "de-DE,et;q=0.8,pl;q=0.5"}, "et", "nps", 11),
    ],
)
async def test_the_page_speaks_the_configured_or_the_browsers_language(
    service: Service,
    query: dict[str, str],
    headers: dict[str, str],
    locale: str,
    metric: str,
    buttons: int,
) -> None:
    answer = await service.client.get("/kiosk", params=query, headers=headers)

    assert answer.status_code == 200
    html = answer.text
    wording = await wording_for(service.db, "default", metric, locale)
    texts = TEXTS[locale]
    assert f'<html lang="{locale}">' in html
    assert wording.question in html
    assert f">{texts.send}</button>" in html
    assert f">{texts.skip}</button>" in html
    assert len(re.findall(r'class="score"', html)) == buttons
    assert parsed(html).config["texts"]["pending"] == texts.pending
    assert answer.headers["vary"] == "Accept-Language"


async def test_the_page_is_locked_down_and_holds_no_key(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    key = await service.key(kind=KeyKind.KIOSK, location="store-12")
    caplog.set_level(logging.INFO)

    answer = await service.client.get(f"/kiosk?metric=nps&location=store-12#key={key}")

    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"
    page = parsed(answer.text)
    # Every script is a file of this origin, or data that is never run.
    assert all(s.get("src") or s.get("type") == "application/json" for s in page.scripts)
    assert "<a " not in answer.text
    assert key not in answer.text
    assert key not in str(answer.headers)
    assert key not in caplog.text
    assert "key" not in page.config


@pytest.mark.parametrize(
    ("query", "problems"),
    [
        ("", {"metric": "required: nps, ces or csat"}),
        ("metric=eNPS", {"metric": "must be nps, ces or csat"}),
        ("metric=nps&locaton=store-12", {"locaton": "unknown parameter"}),
        ("metric=nps&metric=ces", {"metric": "given more than once"}),
        ("metric=nps&survey=Store%2012", {"survey": "lower-case letters"}),
        ("metric=nps&touchpoint=", {"touchpoint": "lower-case letters"}),
        ("metric=nps&locale=de", {"locale": "must be en, pl or et"}),
        ("metric=nps&reset=0", {"reset": "from 0.2 to 600"}),
        ("metric=nps&guard=soon", {"guard": "from 0 to 60"}),
        ("metric=nps&idle=nan", {"idle": "from 1 to 600"}),
        (
            "survey=a%20b&location=X&reset=-1",
            {
                "metric": "required",
                "survey": "lower-case",
                "location": "lower-case",
                "reset": "from",
            },
        ),
    ],
)
async def test_a_wrong_address_gets_a_page_for_staff_naming_every_wrong_parameter(
    service: Service, query: str, problems: dict[str, str]
) -> None:
    answer = await service.client.get(f"/kiosk?{query}")

    assert answer.status_code == 400
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert TEXTS["en"].config_title in answer.text
    listed = re.findall(r"<li><code>(.*?)</code>: (.*?)</li>", answer.text)
    assert [name for name, _ in listed] == list(problems)
    for (_, message), expected in zip(listed, problems.values(), strict=True):
        assert expected in message
    assert "kiosk.js" not in answer.text  # nothing runs on it


async def test_the_staff_page_speaks_their_language_and_escapes_what_it_repeats(
    service: Service,
) -> None:
    answer = await service.client.get(
        "/kiosk", params={"locale": "pl", "<script>alert(1)</script>": "x"}
    )

    assert answer.status_code == 400
    assert '<html lang="pl">' in answer.text
    assert TEXTS["pl"].config_title in answer.text
    assert TEXTS["pl"].config_required in answer.text
    assert "<script>alert" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("kiosk.js", "text/javascript; charset=utf-8"),
        ("kiosk.css", "text/css; charset=utf-8"),
        ("sw.js", "text/javascript; charset=utf-8"),
        ("manifest.webmanifest", "application/manifest+json"),
        ("icon.svg", "image/svg+xml"),
    ],
)
async def test_each_file_has_an_etag_and_answers_304_when_unchanged(
    service: Service, name: str, media_type: str
) -> None:
    plain = await service.client.get(f"/kiosk/{name}", headers={"Accept-Encoding": "identity"})
    zipped = await service.client.get(f"/kiosk/{name}", headers={"Accept-Encoding": "gzip"})
    unchanged = await service.client.get(
        f"/kiosk/{name}",
        headers={"Accept-Encoding": "identity", "If-None-Match": plain.headers["etag"]},
    )

    assert plain.status_code == 200
    assert plain.headers["content-type"] == media_type
    assert plain.headers["x-content-type-options"] == "nosniff"
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decoded it
    assert zipped.headers["etag"] != plain.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{20}"', plain.headers["etag"])
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == plain.headers["etag"]


async def test_versioned_files_are_cached_for_a_year_and_the_worker_is_always_checked(
    service: Service,
) -> None:
    version = bundle().version

    current = await service.client.get(f"/kiosk/kiosk.js?v={version}")
    unversioned = await service.client.get("/kiosk/kiosk.js")
    stale = await service.client.get("/kiosk/kiosk.js?v=000000000000")
    worker = await service.client.get(f"/kiosk/sw.js?v={version}")
    any_etag = await service.client.get("/kiosk/kiosk.css", headers={"If-None-Match": "*"})

    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert unversioned.headers["cache-control"] == "no-cache"
    assert stale.headers["cache-control"] == "no-cache"
    assert worker.headers["cache-control"] == "no-cache"
    assert worker.headers["service-worker-allowed"] == "/kiosk"
    assert worker.headers["content-security-policy"] == "default-src 'none'; connect-src 'self'"
    assert f"var VERSION = '{version}';" in worker.text
    precached = precached_urls(worker.text)
    assert precached == [
        f"/kiosk/{name}?v={version}"
        for name in ("kiosk.js", "kiosk.css", "manifest.webmanifest", "icon.svg")
    ]
    assert any_etag.status_code == 304


async def test_an_unknown_file_is_a_404_problem(service: Service) -> None:
    answer = await service.client.get("/kiosk/..%2Fconfig.py")
    missing = await service.client.get("/kiosk/kiosk.map")

    assert_problem(answer, "not-found")
    assert_problem(missing, "not-found")


async def _load(client: httpx.AsyncClient, url: str) -> bytes:
    answer = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert answer.status_code == 200, url
    return answer.content


async def test_the_page_and_everything_it_loads_fit_in_30_kb_gzipped(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    page_url = "/kiosk?survey=store&metric=nps&location=store-12"
    html = await _load(service.client, page_url)
    page = parsed(html.decode())
    loads = set(page.loads) | {page.config["service_worker"]}
    manifest_url = next(url for url in loads if "manifest" in url)
    manifest = json.loads(await _load(service.client, manifest_url))
    loads |= {urljoin(manifest_url, icon["src"]) for icon in manifest["icons"]}
    worker = (await _load(service.client, page.config["service_worker"])).decode()
    loads |= set(precached_urls(worker))
    # One entry per file, whatever version query points at it.
    files = {url.split("?")[0]: url for url in sorted(loads)}

    sizes = {page_url: len(gzip.compress(html, 9))}
    for url in files.values():
        sizes[url] = len(gzip.compress(await _load(service.client, url), 9))
    total = sum(sizes.values())

    with capsys.disabled():
        listing = ", ".join(f"{url.split('?')[0]} {size}" for url, size in sizes.items())
        print(f"\nkiosk page + everything it loads: {total} bytes gzipped ({listing})")
    assert set(files) == {
        "/kiosk/kiosk.js",
        "/kiosk/kiosk.css",
        "/kiosk/sw.js",
        "/kiosk/manifest.webmanifest",
        "/kiosk/icon.svg",
    }
    assert total < BUDGET_BYTES


async def test_a_database_outage_gets_a_page_for_staff_that_tries_again(
    service: Service, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def unreachable(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("SELECT …", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(kiosk_service, "wording_for", unreachable)
    with caplog.at_level(logging.INFO):
        answer = await service.client.get(
            "/kiosk?survey=store&metric=nps&locale=pl", headers={"Accept-Language": "en"}
        )

    assert answer.status_code == 503
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["retry-after"] == str(UNAVAILABLE_RETRY_SECONDS)
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert TEXTS["pl"].unavailable_title in answer.text
    refresh = re.search(r'<meta http-equiv="refresh" content="(\d+)">', answer.text)
    assert refresh is not None
    assert int(refresh[1]) == UNAVAILABLE_RETRY_SECONDS
    assert "kiosk.js" not in answer.text
    assert "SELECT" not in answer.text
    assert not any(record.exc_info for record in caplog.records)
    assert [r.getMessage() for r in caplog.records if r.name == "touchpoint.outage"]


async def test_a_bug_behind_the_page_is_still_a_500_not_an_outage(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("SELECT …", {}, Exception("no such table: surveys"))

    monkeypatch.setattr(kiosk_service, "wording_for", broken)
    answer = await service.client.get("/kiosk?survey=store&metric=nps")

    assert answer.status_code == 500
