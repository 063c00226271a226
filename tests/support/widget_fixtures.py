"""Fixtures of the widget's browser tests; a test module takes them in with

pytest_plugins = [
    "tests.support.browser_fixtures",
    "tests.support.e2e_fixtures",
    "tests.support.widget_fixtures",
]
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.browser_support import static_site
from tests.support.e2e_support import FreshDatabase, Launcher, RunningServer
from tests.support.widget_support import Shop, make_publishable_key, serve_quietly


@pytest.fixture(scope="module")
def widget_server(
    fresh_database: FreshDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    launcher = Launcher(tmp_path_factory.mktemp("widget-serve"))
    try:
        yield launcher.start(fresh_database("widget"), command=serve_quietly)
    finally:
        launcher.stop_all()


@pytest.fixture(scope="module")
def shop(widget_server: RunningServer) -> Iterator[Shop]:
    pages: dict[str, str] = {}
    with static_site(pages) as site:
        key = make_publishable_key(widget_server, site.origin)
        yield Shop(site, pages, key, widget_server)
