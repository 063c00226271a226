"""One access-log line per request: method, route template, status — never a secret."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from starlette.types import Message

from app.config import Settings
from app.db import Database
from app.keys import service as keys_service
from app.keys.schemas import KeyCreate
from app.keys.scopes import Scope
from app.main import create_app
from tests.support.service import Service

RESPONDENT = "cust-8812-private"
LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<route>.+?) (?P<status>\d{3}) \d+\.\dms$")


def wrong_secret(key: str) -> str:
    return key[:-1] + ("B" if key[-1] != "B" else "C")


def access_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, int]]:
    lines = []
    for record in caplog.records:
        if record.name == "touchpoint.access":
            match = LINE.match(record.getMessage())
            assert match, record.getMessage()
            lines.append((match["method"], match["route"], int(match["status"])))
    return lines


def service_logs(caplog: pytest.LogCaptureFixture) -> str:
    """Everything the service logged (the test client's own httpx log lines excluded)."""
    return "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}"
        for record in caplog.records
        if record.name.startswith(("touchpoint", "uvicorn", "sqlalchemy", "alembic"))
    )


async def test_each_request_logs_method_route_template_and_status(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    key = await service.key(*Scope)
    auth = {"Authorization": f"Bearer {key}"}
    caplog.set_level(logging.INFO, logger="touchpoint.access")

    await service.client.post(
        "/v1/responses",
        json={"metric": "nps", "score": 9, "respondent": RESPONDENT},
        headers=auth,
    )
    await service.client.get("/v1/scores?metric=nps&window=13w", headers=auth)
    await service.client.delete(f"/v1/respondents/{RESPONDENT}", headers=auth)
    await service.client.get(f"/v1/lost/{RESPONDENT}")
    await service.client.get("/v1/keys", headers={"Authorization": f"Bearer {wrong_secret(key)}"})
    await service.client.put("/v1/keys", headers=auth)

    assert access_lines(caplog) == [
        ("POST", "/v1/responses", 201),
        ("GET", "/v1/scores", 200),
        ("DELETE", "/v1/respondents/{respondent}", 200),
        ("GET", "(no route)", 404),
        ("GET", "/v1/keys", 401),
        ("PUT", "/v1/keys", 405),
    ]


async def test_the_log_never_holds_keys_respondent_ids_or_query_strings(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    key = await service.key(*Scope)
    auth = {"Authorization": f"Bearer {key}"}
    caplog.set_level(logging.DEBUG, logger="touchpoint")

    await service.client.post(
        "/v1/responses",
        json={"metric": "nps", "score": 2, "respondent": RESPONDENT, "comment": "rude staff"},
        headers=auth,
    )
    await service.client.delete(f"/v1/respondents/{RESPONDENT}?reason=gdpr-ticket-77", headers=auth)
    await service.client.get("/v1/scores?metric=nps&window=13w", headers=auth)
    await service.client.get("/v1/keys", headers={"Authorization": f"Bearer {wrong_secret(key)}"})
    await service.client.get(f"/v1/responses?cursor={RESPONDENT}", headers=auth)

    logged = service_logs(caplog)
    assert "/v1/respondents/{respondent}" in logged
    for secret in (key, key[22:-1], RESPONDENT, "gdpr-ticket-77", "rude staff", "13w", "?"):
        assert secret not in logged, secret


@pytest.fixture
async def app(db: Database, settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def hang_up_mid_body(app: FastAPI, path: str, key: str) -> list[Message]:
    """POST half a JSON body to ``path``, then hang up; what the app sent back."""
    messages: list[Message] = [
        {"type": "http.request", "body": b'{"metric": "nps", "sco', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"40"),
        (b"authorization", f"Bearer {key}".encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    return sent


# One route FastAPI parses, one that reads its body raw.
@pytest.mark.parametrize("route", ["/v1/responses", "/v1/responses/batch"])
async def test_a_client_that_hangs_up_mid_body_is_logged_as_499_and_no_error(
    app: FastAPI, db: Database, caplog: pytest.LogCaptureFixture, route: str
) -> None:
    request = KeyCreate.model_validate({"name": "pos", "scopes": [Scope.RESPONSES_WRITE]})
    key = (await keys_service.create(db, request)).key
    caplog.set_level(logging.INFO, logger="touchpoint")

    sent = await hang_up_mid_body(app, route, key)

    assert sent == []  # nobody is left to answer
    assert access_lines(caplog) == [("POST", route, 499)]
    errors = [r for r in caplog.records if r.name == "touchpoint.errors"]
    assert [(r.levelno, r.getMessage()) for r in errors] == [
        (logging.INFO, f"client disconnected during POST {route}")
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
