"""Every operation of the API, fuzzed by schemathesis with all of its checks, finds nothing.

The service runs for real: uvicorn on a port of 127.0.0.1, on a migrated SQLite file, so
what schemathesis sends goes through HTTP parsing and every middleware. Every check is on
(schemathesis' default, no config file), with valid and invalid data both generated; the
requests carry an admin key, and the auth checks send them without it too. Up to 20
examples per operation, derandomized: every run sends the same requests, in about 40 s.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import CheckFunction
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app import openapi_spec
from app import schema as migrations
from app.config import Settings
from app.db import Database
from app.keys import service as keys_service
from app.keys.schemas import KeyCreate
from app.keys.scopes import Scope
from app.main import create_app

# The committed contract (tests/test_openapi.py keeps it equal to openapi.yaml).
schema = schemathesis.openapi.from_dict(openapi_spec.spec())
START_TIMEOUT_S = 30.0
# Bodies that fit the schema but break a rule between fields, which the JSON Schema FastAPI
# writes cannot state: the service answers them 422 naming the field, as the API docs say.
# For these operations only, schema-valid data may be refused; every other check still runs.
RULES_BETWEEN_FIELDS = {
    # scopes, allowed_origins and location each depend on `kind` (app/keys/schemas.py)
    "POST /v1/keys",
    # scale labels need the `metric` they are for (app/surveys/schemas.py)
    "PUT /v1/surveys/{survey}",
}


@dataclass(frozen=True)
class Running:
    base_url: str
    admin_key: str


async def _migrate_and_make_admin_key(active: Settings) -> str:
    db = Database.connect(active, pool_size=1)
    try:
        await migrations.upgrade(db)
        request = KeyCreate.model_validate({"name": "contract", "scopes": [Scope.ADMIN]})
        return (await keys_service.create(db, request)).key
    finally:
        await db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    database = Path(tmp_path_factory.mktemp("contract")) / "touchpoint.db"
    # Generous limits: schemathesis sends hundreds of requests a minute from one address.
    active = Settings(
        database_url=f"sqlite:///{database}",
        key_cache_seconds=0,
        rate_limit_per_ip="100000/minute",
        rate_limit_per_key="100000/minute",
    )
    admin_key = asyncio.run(_migrate_and_make_admin_key(active))
    port = _free_port()
    config = uvicorn.Config(
        create_app(active), host="127.0.0.1", port=port, access_log=False, log_config=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="contract-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive(), "the server stopped before it started"
        assert time.monotonic() < deadline, f"not started within {START_TIMEOUT_S} s"
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}", admin_key)
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT_S)
        assert not thread.is_alive(), "the server did not stop"


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_meets_its_contract(case: schemathesis.Case[Any], service: Running) -> None:
    excluded: list[CheckFunction] = []
    if case.operation.label in RULES_BETWEEN_FIELDS:
        excluded.append(positive_data_acceptance)
    case.call_and_validate(
        base_url=service.base_url,
        headers={"Authorization": f"Bearer {service.admin_key}"},
        excluded_checks=excluded,
    )
