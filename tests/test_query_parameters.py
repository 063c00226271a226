"""Query strings are held to the rule bodies are: an unknown or repeated parameter is a 422.

A typo in a filter must never widen what is answered (``respondent=`` on the export used
to list everyone), a format the endpoint does not have must not be answered in another,
and a repeated single-valued parameter must not silently mean its last value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from app.config import Settings
from app.keys.scopes import Scope
from app.main import create_app
from app.routing import StrictQueryRoute
from tests.support.problems import assert_problem
from tests.support.service import Service

Params = list[tuple[str, str | int | float | bool | None]]
UNKNOWN = "zz_not_a_parameter"
# Pages opened from links and tags that others append parameters to (docs/email-links.md,
# docs/widget.md), and the kiosk page, which judges its query string itself (docs/kiosk.md).
TOLERANT = {
    ("GET", "/r/{token}/{score}"),
    ("HEAD", "/r/{token}/{score}"),
    ("GET", "/r/{token}"),
    ("HEAD", "/r/{token}"),
    ("POST", "/r/{token}"),
    ("GET", "/widget.js"),
    ("GET", "/kiosk"),
}


def app_routes() -> Iterator[tuple[str, str, Any]]:
    """(method, path template, route) for every operation of the app."""
    app = create_app(Settings.model_construct())
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in sorted(context.methods or ()):
                yield method, context.path_format or "", route


def concrete(template: str) -> str:
    """A path that the template matches: every path parameter filled in."""
    parts = [("x" if part.startswith("{") else part) for part in template.split("/")]
    return "/".join(parts)


def unknown_message(body: dict[str, Any]) -> list[str]:
    return [e["field"] for e in body.get("errors", []) if "unknown query" in e["message"]]


async def test_a_filter_the_export_does_not_have_is_refused_not_ignored(
    api: httpx.AsyncClient,
) -> None:
    await api.post("/v1/responses", json={"metric": "nps", "score": 9, "respondent": "cust-2"})

    for fmt in ("json", "csv", "ndjson"):
        answer = await api.get("/v1/responses", params={"respondent": "cust-1", "format": fmt})
        body = assert_problem(answer, "validation-failed", fields=["respondent"])
        assert "unknown query parameter" in body["errors"][0]["message"]
        assert "metric" in body["errors"][0]["message"], "the message lists what is taken"


async def test_a_format_the_scores_do_not_have_is_refused_not_answered_in_json(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get("/v1/scores", params={"metric": "nps", "format": "csv"})

    assert_problem(answer, "validation-failed", fields=["format"])


async def test_two_group_bys_are_refused_not_the_last_one_used(api: httpx.AsyncClient) -> None:
    answer = await api.get(
        "/v1/scores", params=[("metric", "nps"), ("group_by", "location"), ("group_by", "channel")]
    )

    body = assert_problem(answer, "validation-failed", fields=["group_by"])
    assert "more than once" in body["errors"][0]["message"]


async def test_every_unknown_and_repeated_name_is_named_once_in_the_order_given(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.get(
        "/v1/scores/series",
        params=[
            ("metric", "nps"),
            ("intervall", "day"),
            ("interval", "day"),
            ("interval", "week"),
            ("intervall", "week"),
            ("Metric", "nps"),
        ],
    )

    assert_problem(answer, "validation-failed", fields=["intervall", "interval", "Metric"])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/responses", [("metric", "nps"), ("metric", "csat")]),
        ("/v1/responses", [("limit", "5"), ("limit", "500")]),
        ("/v1/responses", [("format", "json"), ("format", "csv")]),
        ("/v1/scores", [("metric", "nps"), ("window", "7d"), ("window", "30d")]),
        ("/v1/scores/series", [("metric", "nps"), ("tz", "UTC"), ("tz", "Europe/Warsaw")]),
        ("/v1/surveys/default/wording", [("metric", "nps"), ("locale", "pl"), ("locale", "et")]),
        ("/kiosk/kiosk.js", [("v", "1"), ("v", "2")]),
    ],
)
async def test_a_repeated_single_valued_parameter_is_refused_on_every_route(
    api: httpx.AsyncClient, path: str, params: Params
) -> None:
    answer = await api.get(path, params=params)

    assert_problem(answer, "validation-failed", fields=[params[-1][0]])


async def test_the_repeatable_filters_still_take_several_values(
    api: httpx.AsyncClient,
) -> None:
    for location in ("store-1", "store-2", "store-3"):
        created = await api.post(
            "/v1/responses", json={"metric": "nps", "score": 9, "location": location}
        )
        assert created.status_code == 201, created.text
    both: Params = [("location", "store-1"), ("location", "store-2"), ("channel", "api")]

    listed = await api.get("/v1/responses", params=both)
    scored = await api.get("/v1/scores", params=[("metric", "nps"), *both])

    assert listed.status_code == 200, listed.text
    assert sorted(row["location"] for row in listed.json()["data"]) == ["store-1", "store-2"]
    assert scored.status_code == 200, scored.text
    assert scored.json()["overall"]["responses"] == 2


async def test_every_route_refuses_an_unknown_parameter_unless_it_is_a_tolerant_page(
    service: Service,
) -> None:
    # Refused before the key is looked at, like an unknown path: no key is sent.
    seen = set()
    for method, template, route in app_routes():
        assert isinstance(route, StrictQueryRoute), f"{template}: build its router with it"
        seen.add((method, template))
        if (method, template) in TOLERANT:
            continue
        answer = await service.client.request(method, concrete(template), params={UNKNOWN: "1"})
        body = assert_problem(answer, "validation-failed", fields=[UNKNOWN])
        assert unknown_message(body) == [UNKNOWN], f"{method} {template}"
    assert seen >= TOLERANT, "a tolerant page listed here no longer exists"
    assert len(seen) > 25


def test_only_fastapis_own_documentation_pages_are_not_strict_routes() -> None:
    app = create_app(Settings.model_construct())
    docs = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    others = {
        context.path_format
        for context in iter_route_contexts(app.routes)
        if not isinstance(context.original_route, APIRoute | Mount)
    }

    assert others <= docs


async def test_every_parameter_openapi_lists_is_taken(service: Service) -> None:
    """What the route refuses is derived from what it declares: the two lists agree."""
    key = await service.key(*Scope)
    auth = {"Authorization": f"Bearer {key}"}
    schema = (await service.client.get("/openapi.json")).json()
    checked = 0
    for template, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                answer = await service.client.request(
                    method, concrete(template), params={parameter["name"]: "x"}, headers=auth
                )
                body = answer.json() if answer.status_code == 422 else {}
                assert unknown_message(body) == [], f"{method} {template} {parameter['name']}"
                checked += 1
    assert checked > 30


async def test_email_link_pages_ignore_the_tracking_parameters_mail_systems_append(
    service: Service, api: httpx.AsyncClient
) -> None:
    created = await api.post("/v1/email-links", json={"metric": "nps"})
    assert created.status_code == 200, created.text
    link = urlsplit(created.json()["links"][9]["url"]).path
    tracking = {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "q4"}

    opened = await service.client.get(link, params=tracking)
    sent = await service.client.post(
        link.rsplit("/", 1)[0],
        params=tracking,
        data={"score": "9", "comment": ""},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert opened.status_code == 200, opened.text
    assert opened.headers["content-type"] == "text/html; charset=utf-8"
    assert '<form method="post"' in opened.text, "the page with the score chosen"
    assert sent.status_code == 200, sent.text
    assert sent.headers["content-type"] == "text/html; charset=utf-8"
    listed = await api.get("/v1/responses", params={"channel": "email"})
    assert [row["score"] for row in listed.json()["data"]] == [9]


async def test_the_widget_script_ignores_a_cache_busting_parameter(service: Service) -> None:
    plain = await service.client.get("/widget.js")
    busted = await service.client.get("/widget.js", params={"v": "2026-12-03", "_": "17"})

    assert busted.status_code == 200, busted.text
    assert busted.headers["content-type"] == "text/javascript; charset=utf-8"
    assert busted.content == plain.content


async def test_the_kiosk_page_names_an_unknown_parameter_to_its_installer(
    service: Service,
) -> None:
    answer = await service.client.get(
        "/kiosk", params={"metric": "csat", "survey": "store-exit", UNKNOWN: "1"}
    )

    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert UNKNOWN in answer.text
