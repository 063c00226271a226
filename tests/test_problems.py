"""Every error is RFC 9457 problem+json, in full: routing, limits, parsing, auth, bugs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.types import Message

from app.config import Settings
from app.keys.scopes import Scope
from app.main import create_app
from app.problems import field_errors
from tests.support.problems import assert_problem
from tests.support.service import Service

MAX_BODY = 256 * 1024


def bare_app() -> FastAPI:
    """The app without its lifespan: enough for errors raised before any database work."""
    return create_app(Settings.model_construct())


@pytest.fixture
async def bare() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=bare_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def writer(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    client = await service.client_with(Scope.RESPONSES_WRITE)
    async with client:
        yield client


@pytest.mark.parametrize("path", ["/v1/nothing-here", "/nothing-here", "/v1/keys/a/b/c"])
async def test_an_unknown_route_is_a_404_problem(bare: httpx.AsyncClient, path: str) -> None:
    response = await bare.get(path)

    assert_problem(response, "not-found", detail="Nothing is served at this path")


async def test_a_wrong_method_is_a_405_problem_with_allow(bare: httpx.AsyncClient) -> None:
    response = await bare.put("/v1/keys", json={})

    assert_problem(response, "method-not-allowed", detail="PUT")
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
async def test_the_batch_path_answers_other_methods_405_not_a_422_about_an_id(
    bare: httpx.AsyncClient, method: str
) -> None:
    response = await bare.request(method, "/v1/responses/batch", json={"comment": "x"})

    assert_problem(response, "method-not-allowed", detail=method)
    assert response.headers["allow"] == "POST"


async def test_the_respondent_id_dot_dot_reaches_no_route(api: httpx.AsyncClient) -> None:
    # Clients resolve it before sending (RFC 3986 §5.2.4): openapi.yaml says 404.
    response = await api.delete("/v1/respondents/..")

    assert response.request.url.path == "/v1"
    assert_problem(response, "not-found", detail="Nothing is served at this path")


def padded(size: int) -> bytes:
    """A valid response as JSON, padded with whitespace to exactly ``size`` bytes."""
    body = b'{"metric": "nps", "score": 9}'
    return body + b" " * (size - len(body))


async def test_a_body_over_256_kib_is_a_413_problem(bare: httpx.AsyncClient) -> None:
    response = await bare.post(
        "/v1/responses", content=padded(MAX_BODY + 1), headers={"content-type": "application/json"}
    )

    assert_problem(response, "payload-too-large", detail="256 KiB")


async def _streamed_oversize_body() -> AsyncIterator[bytes]:
    """No Content-Length: the size is found only while reading."""
    body = padded(MAX_BODY + 1)
    for start in range(0, len(body), 10_000):
        yield body[start : start + 10_000]


async def test_a_streamed_body_over_256_kib_is_a_413_problem(bare: httpx.AsyncClient) -> None:
    for path in ("/v1/responses", "/v1/keys"):
        response = await bare.post(
            path, content=_streamed_oversize_body(), headers={"content-type": "application/json"}
        )
        assert "content-length" not in response.request.headers
        assert_problem(response, "payload-too-large", detail="256 KiB")


async def test_a_streamed_batch_over_256_kib_is_a_413_problem(writer: httpx.AsyncClient) -> None:
    # The batch route reads its body raw, after authentication.
    response = await writer.post(
        "/v1/responses/batch",
        content=_streamed_oversize_body(),
        headers={"content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, "payload-too-large", detail="256 KiB")


async def test_a_body_of_exactly_256_kib_is_accepted(writer: httpx.AsyncClient) -> None:
    response = await writer.post(
        "/v1/responses", content=padded(MAX_BODY), headers={"content-type": "application/json"}
    )

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b'{"metric": "nps", "score": 9}'),
        ("application/x-www-form-urlencoded", b"metric=nps&score=9"),
        ("application/xml", b"<response><score>9</score></response>"),
    ],
)
async def test_a_body_that_is_not_json_is_a_415_problem(
    writer: httpx.AsyncClient, content_type: str, content: bytes
) -> None:
    response = await writer.post(
        "/v1/responses", content=content, headers={"content-type": content_type}
    )

    assert_problem(response, "unsupported-media-type", detail="application/json")


async def test_malformed_json_is_a_422_problem_about_the_body(bare: httpx.AsyncClient) -> None:
    response = await bare.post(
        "/v1/responses", content=b'{"metric": "nps",', headers={"content-type": "application/json"}
    )

    problem = assert_problem(response, "validation-failed", fields=["body"])
    assert "not valid JSON" in problem["errors"][0]["message"]


# Every route that takes a JSON body, the batch (read raw, parsed by pydantic) included.
JSON_ROUTES = [
    ("POST", "/v1/responses"),
    ("POST", "/v1/responses/batch"),
    ("PATCH", "/v1/responses/0196f7c4-1b2a-7c3d-8e4f-5a6b7c8d9e0f"),
    ("POST", "/v1/keys"),
    ("POST", "/v1/email-links"),
    ("PUT", "/v1/surveys/site-nps"),
]


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize(
    ("content", "offset"),
    [
        (b'{"metric": "nps", "comment": "caf\xe9"}', 33),  # Latin-1, as old tills send it
        (b"\x80\x81", 0),
        ('{"metric": "nps"}'.encode("utf-16"), 0),  # the stdlib would guess its encoding
    ],
)
async def test_a_body_that_is_not_utf8_is_a_422_problem_saying_so(
    api: httpx.AsyncClient, method: str, path: str, content: bytes, offset: int
) -> None:
    response = await api.request(
        method, path, content=content, headers={"content-type": "application/json"}
    )

    problem = assert_problem(
        response, "validation-failed", detail="The body is not UTF-8", fields=["body"]
    )
    assert f"at offset {offset}" in problem["detail"]
    assert problem["errors"][0]["message"].startswith(
        "the body is not UTF-8, as JSON must be: byte 0x"
    )


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
async def test_a_body_that_is_not_json_is_a_422_problem_naming_where(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await api.request(
        method,
        path,
        content=b'{"metric": "nps",\n "score": 9,,}',
        headers={"content-type": "application/json"},
    )

    problem = assert_problem(
        response, "validation-failed", detail="The body is not valid JSON: ", fields=["body"]
    )
    assert "line 2 column 13" in problem["detail"], problem
    assert problem["errors"][0]["message"] == problem["detail"][0].lower() + problem["detail"][1:-1]


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
async def test_json_nested_too_deep_to_read_is_a_422_problem_about_the_body(
    api: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await api.request(
        method, path, content=b"[" * 100_000, headers={"content-type": "application/json"}
    )

    problem = assert_problem(response, "validation-failed", fields=["body"])
    assert "not valid JSON" in problem["detail"]
    assert "recursion" in problem["detail"] or "nested deeper" in problem["detail"]


async def test_invalid_fields_are_a_422_problem_naming_each_field(
    writer: httpx.AsyncClient,
) -> None:
    response = await writer.post(
        "/v1/responses",
        json={"score": "nine", "survey": "Not A Slug", "scroe": 9},
    )

    problem = assert_problem(
        response,
        "validation-failed",
        detail="errors",
        fields=["metric", "score", "survey", "scroe"],
    )
    messages = {error["field"]: error["message"] for error in problem["errors"]}
    assert messages["metric"] == "this field is required"
    assert messages["scroe"] == "unknown field (check its spelling)"


async def test_a_check_across_fields_names_its_field(writer: httpx.AsyncClient) -> None:
    response = await writer.post("/v1/responses", json={"metric": "nps", "score": 11})

    problem = assert_problem(response, "validation-failed", fields=["score"])
    assert problem["errors"][0]["message"] == "nps scores are integers 0–10"


async def test_a_bad_query_parameter_is_a_422_problem_naming_it(service: Service) -> None:
    reader = await service.client_with(Scope.SCORES_READ)
    async with reader:
        response = await reader.get("/v1/scores", params={"metric": "mood"})

    assert_problem(response, "validation-failed", fields=["metric"])


async def test_a_bad_slug_filter_is_a_422_problem_naming_it(service: Service) -> None:
    reader = await service.client_with(Scope.SCORES_READ)
    async with reader:
        good = await reader.get("/v1/scores", params={"metric": "nps", "survey": "q4"})
        bad = await reader.get("/v1/scores", params={"metric": "nps", "survey": "Q4 Launch"})

    assert good.status_code == 200, good.text
    assert_problem(bad, "validation-failed", fields=["survey.0"])


async def test_no_key_is_a_401_problem(service: Service) -> None:
    response = await service.client.post("/v1/responses", json={"metric": "nps", "score": 9})

    assert_problem(response, "unauthenticated", detail="Authorization: Bearer")


async def test_a_key_without_the_scope_is_a_403_problem(writer: httpx.AsyncClient) -> None:
    response = await writer.get("/v1/scores", params={"metric": "nps"})

    assert_problem(response, "forbidden", detail="scores:read")


async def test_an_idempotency_key_reused_with_another_payload_is_a_409_problem(
    writer: httpx.AsyncClient,
) -> None:
    first = await writer.post(
        "/v1/responses", json={"metric": "nps", "score": 9}, headers={"Idempotency-Key": "k-1"}
    )
    assert first.status_code == 201, first.text

    response = await writer.post(
        "/v1/responses", json={"metric": "nps", "score": 3}, headers={"Idempotency-Key": "k-1"}
    )

    assert_problem(response, "idempotency-key-reused", detail="idempotency key")


async def test_an_unexpected_exception_is_a_500_problem_without_internals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = bare_app()

    @app.get("/v1/boom/{secret}")
    async def boom(secret: str) -> None:
        raise RuntimeError(f"database password is hunter2, secret {secret}")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="touchpoint.errors"):
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/v1/boom/cust-8812")

    problem = assert_problem(response, "internal-error")
    assert problem["detail"] == "An unexpected error happened; it has been logged."
    for leak in ("hunter2", "RuntimeError", "Traceback", "cust-8812", 'File "'):
        assert leak not in response.text
    [record] = [r for r in caplog.records if r.name == "touchpoint.errors"]
    assert record.getMessage() == "unhandled error on GET /v1/boom/{secret}"
    assert record.exc_info is not None


async def test_a_client_that_hangs_up_mid_body_is_no_error_and_gets_no_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = bare_app()

    @app.post("/v1/upload")
    async def upload(request: Request) -> None:
        await request.body()

    messages: list[Message] = [
        {"type": "http.request", "body": b'{"responses": [', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/upload", "raw_path": b"/v1/upload", "query_string": b"",
        "root_path": "", "headers": [(b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000), "server": ("test", 80),
    }  # fmt: skip
    with caplog.at_level(logging.INFO, logger="touchpoint.errors"):
        await app(scope, receive, send)

    assert sent == []  # nobody is left to answer
    [record] = [r for r in caplog.records if r.name == "touchpoint.errors"]
    assert record.levelno == logging.INFO
    assert record.getMessage() == "client disconnected during POST /v1/upload"


def test_field_errors_drop_request_locations_and_read_named_model_checks() -> None:
    errors = field_errors(
        [
            {"loc": ("body", "properties", "plan"), "msg": "too long", "type": "string_too_long"},
            {"loc": ("body",), "msg": "Value error, score: nps scores are 0–10", "type": "x"},
            {"loc": ("query", "limit"), "msg": "too big", "type": "less_than_equal"},
            {"loc": (), "msg": "Value error, no field named here", "type": "value_error"},
            {"loc": ("body", 12), "msg": "JSON decode error", "type": "json_invalid"},
        ],
        drop=("body", "query"),
    )

    assert [(e.field, e.message) for e in errors] == [
        ("properties.plan", "too long"),
        ("score", "nps scores are 0–10"),
        ("limit", "too big"),
        ("body", "no field named here"),
        ("body", "the body is not valid JSON"),
    ]
