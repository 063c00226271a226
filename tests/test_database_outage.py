"""A database that cannot be reached answers 503 with Retry-After, and nothing is half-written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import Service
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.responses import repository
from app.responses.models import SurveyResponse


async def test_an_unreachable_database_is_a_retryable_503(
    service: Service, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("INSERT …", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(repository, "insert_many", refuse)
    answer = await api.post("/v1/responses", json={"metric": "nps", "score": 9})

    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    body = answer.json()
    assert body["type"] == "/problems/service-unavailable"
    assert body["status"] == 503
    assert "INSERT" not in answer.text
    async with service.db.engine.connect() as connection:
        stored = await connection.scalar(select(func.count()).select_from(SurveyResponse))
    assert stored == 0


async def test_the_writer_keeps_working_after_an_outage(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = repository.insert_many
    failures = iter([True])

    async def flaky(*args: Any, **kwargs: Any) -> None:
        if next(failures, False):
            raise OperationalError("INSERT …", {}, ConnectionResetError("reset"))
        await original(*args, **kwargs)

    monkeypatch.setattr(repository, "insert_many", flaky)
    assert (await api.post("/v1/responses", json={"metric": "nps", "score": 1})).status_code == 503
    assert (await api.post("/v1/responses", json={"metric": "nps", "score": 2})).status_code == 201
