"""The `touchpoint` command: migrate, and create/list/revoke keys, on both databases."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from app import schema
from app.cli import main
from app.config import Settings, get_settings
from app.db import Database
from app.main import create_app
from tests.support import pg_cluster
from tests.support.fresh_databases import BACKENDS, fresh_database

KEY_LINE = re.compile(r"^tp_(sk|pk|kk)_[0-9a-f]{16}[A-Za-z0-9]{40}$")
Cli = Callable[..., Result]


def invoke(url: str, *args: str) -> Result:
    get_settings.cache_clear()  # the command reads TOUCHPOINT_DATABASE_URL through it
    try:
        return CliRunner().invoke(
            main, list(args), env={"TOUCHPOINT_DATABASE_URL": url}, catch_exceptions=False
        )
    finally:
        get_settings.cache_clear()


@pytest.fixture(params=BACKENDS)
def fresh_url(
    request: pytest.FixtureRequest, postgres: pg_cluster.ThrowawayCluster | str, tmp_path: Path
) -> Iterator[str]:
    with fresh_database(request.param, postgres, tmp_path) as url:
        yield url


@pytest.fixture
def cli(fresh_url: str) -> Cli:
    def run(*args: str) -> Result:
        return invoke(fresh_url, *args)

    return run


def new_key(cli: Cli, *args: str) -> str:
    result = cli("keys", "create", *args)
    assert result.exit_code == 0, result.output
    last = result.stdout.rstrip("\n").splitlines()[-1]
    assert KEY_LINE.match(last), result.stdout
    return last


def status_with(
    url: str, key: str, method: str, path: str, json: dict[str, object] | None = None
) -> int:
    """The status the app answers on ``url`` to one request made with ``key``."""

    async def call() -> int:
        app = create_app(Settings(database_url=url))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                headers = {"Authorization": f"Bearer {key}", "Origin": "https://shop.example"}
                response = await client.request(method, path, headers=headers, json=json)
                return response.status_code

    return asyncio.run(call())


async def _revision(url: str) -> str | None:
    db = Database.connect(Settings(database_url=url), pool_size=1)
    try:
        return await schema.current_revision(db)
    finally:
        await db.dispose()


def test_migrate_brings_a_fresh_database_to_the_newest_revision(cli: Cli, fresh_url: str) -> None:
    head = schema.head_revision()

    first = cli("migrate")
    again = cli("migrate")

    assert first.exit_code == again.exit_code == 0, first.output + again.output
    assert first.stdout == again.stdout == f"database at revision {head}\n"
    assert asyncio.run(_revision(fresh_url)) == head


def test_keys_create_prints_a_working_key_alone_on_the_last_line(cli: Cli, fresh_url: str) -> None:
    key = new_key(cli, "--name", "POS sync", "--scope", "scores:read", "--scope", "admin")

    assert key.startswith("tp_sk_")
    assert status_with(fresh_url, key, "GET", "/v1/scores?metric=nps") == 200
    assert status_with(fresh_url, key, "GET", "/v1/keys") == 200
    assert status_with(fresh_url, key, "GET", "/v1/responses") == 403


def test_keys_create_makes_publishable_and_kiosk_keys(cli: Cli, fresh_url: str) -> None:
    publishable = new_key(
        cli, "--name", "widget", "--kind", "publishable", "--origin", "HTTPS://Shop.Example/"
    )
    kiosk = new_key(cli, "--name", "lobby", "--kind", "kiosk", "--location", "store-12")
    answer: dict[str, object] = {"metric": "nps", "score": 10}

    assert publishable.startswith("tp_pk_")
    assert kiosk.startswith("tp_kk_")
    assert status_with(fresh_url, publishable, "POST", "/v1/responses", answer) == 201
    assert status_with(fresh_url, kiosk, "POST", "/v1/responses", answer) == 201
    assert status_with(fresh_url, kiosk, "GET", "/v1/scores?metric=nps") == 403
    listing = cli("keys", "list").stdout
    assert "publishable" in listing
    assert "kiosk" in listing


def test_keys_list_shows_every_key_but_never_a_key_itself(cli: Cli) -> None:
    first = new_key(cli, "--name", "first", "--scope", "admin")
    second = new_key(cli, "--name", "second", "--scope", "responses:read")

    result = cli("keys", "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "KIND", "STATE", "LAST", "USED", "NAME", "SCOPES"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {first[6:22], second[6:22]}
    assert rows[first[6:22]].split()[1:] == ["secret", "active", "never", "first", "admin"]
    for key in (first, second):
        assert key not in result.output
        assert key[22:] not in result.output


def test_keys_revoke_refuses_the_key_from_then_on(cli: Cli, fresh_url: str) -> None:
    key = new_key(cli, "--name", "leaked", "--scope", "scores:read")
    key_id = key[6:22]

    result = cli("keys", "revoke", key_id)

    assert result.exit_code == 0, result.output
    assert result.stdout == f"revoked key {key_id} (leaked)\n"
    assert status_with(fresh_url, key, "GET", "/v1/scores?metric=nps") == 401
    row = next(line for line in cli("keys", "list").stdout.splitlines() if key_id in line)
    assert row.split()[2] == "revoked"


def test_keys_revoke_of_an_unknown_key_fails_clearly(cli: Cli) -> None:
    result = cli("keys", "revoke", "0123456789abcdef")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "No key has the id '0123456789abcdef'" in result.stderr


def answer_with(url: str, key: str, idempotency_key: str, score: int = 9) -> int:
    body: dict[str, object] = {"metric": "nps", "score": score, "idempotency_key": idempotency_key}
    return status_with(url, key, "POST", "/v1/responses", body)


def test_keys_create_replaces_makes_a_key_that_replays_the_old_keys_answers(
    cli: Cli, fresh_url: str
) -> None:
    old = new_key(cli, "--name", "POS", "--scope", "responses:write")
    assert answer_with(fresh_url, old, "receipt-1") == 201

    result = cli("keys", "create", "--name", "POS 2027", "--replaces", old[6:22])

    assert result.exit_code == 0, result.output
    new = result.stdout.rstrip("\n").splitlines()[-1]
    assert KEY_LINE.match(new), result.stdout
    assert new.startswith("tp_sk_"), result.stdout
    assert f"(POS 2027, replacing {old[6:22]}): responses:write" in result.stdout
    assert answer_with(fresh_url, new, "receipt-1") == 200  # the replay, not a second answer
    assert answer_with(fresh_url, new, "receipt-1", score=3) == 409
    assert answer_with(fresh_url, old, "receipt-1") == 200  # not revoked: it switches over
    other = new_key(cli, "--name", "another till", "--scope", "responses:write")
    assert answer_with(fresh_url, other, "receipt-1") == 201


def test_keys_rotate_makes_a_like_key_in_the_same_namespace(cli: Cli, fresh_url: str) -> None:
    kiosk = new_key(cli, "--name", "door", "--kind", "kiosk", "--location", "store-12")
    assert answer_with(fresh_url, kiosk, "tablet:1") == 201

    result = cli("keys", "rotate", kiosk[6:22])

    assert result.exit_code == 0, result.output
    rotated = result.stdout.rstrip("\n").splitlines()[-1]
    assert rotated.startswith("tp_kk_"), result.stdout
    assert f"created kiosk key {rotated[6:22]} (door, replacing {kiosk[6:22]})" in result.stdout
    assert answer_with(fresh_url, rotated, "tablet:1") == 200
    body: dict[str, object] = {"metric": "nps", "score": 9, "location": "store-13"}
    assert status_with(fresh_url, rotated, "POST", "/v1/responses", body) == 422


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rotate", "0123456789abcdef"], "No key has the id '0123456789abcdef'"),
        (["create", "--name", "x", "--replaces", "0123456789abcdef"], "replaces: no key"),
        (["create", "--name", "x", "--replaces", "{id}", "--kind", "kiosk"], "kind: the key"),
    ],
)
def test_a_replacement_that_cannot_be_made_fails_clearly(
    cli: Cli, args: list[str], message: str
) -> None:
    key_id = new_key(cli, "--name", "POS", "--scope", "responses:write")[6:22]
    before = cli("keys", "list").stdout

    result = cli("keys", *(arg.replace("{id}", key_id) for arg in args))

    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert cli("keys", "list").stdout == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x"], "scopes: a secret key needs at least one scope"),
        (["--name", "x", "--scope", "everything"], "'everything' is not one of"),
        (["--name", "x", "--kind", "publishable"], "allowed_origins: a publishable key needs"),
        (
            ["--name", "x", "--kind", "publishable", "--origin", "shop.example"],
            "an origin starts with http:// or https://",
        ),
        (["--name", "x", "--kind", "kiosk", "--scope", "admin"], "scopes: kiosk keys are write"),
        (["--name", "x", "--scope", "admin", "--location", "s1"], "location: only kiosk keys"),
        (["--name", "", "--scope", "admin"], "name:"),
        (["--scope", "admin"], "Missing option '--name'"),
        (["--name", "x", "--kind", "master", "--scope", "admin"], "'master' is not one of"),
    ],
)
def test_keys_create_refuses_an_invalid_key_with_a_clear_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    database = tmp_path / "untouched.db"

    result = invoke(f"sqlite:///{database}", "keys", "create", *args)

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not database.exists(), "nothing is written for a refused key"


def test_the_installed_command_prints_the_key_alone_on_the_last_line(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("touchpoint")
    if not command.exists():
        pytest.skip(f"the console script is not installed next to {sys.executable}")
    database = tmp_path / "installed.db"
    env = {**os.environ, "TOUCHPOINT_DATABASE_URL": f"sqlite:///{database}"}

    result = subprocess.run(
        [str(command), "keys", "create", "--name", "ci", "--scope", "admin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert KEY_LINE.match(result.stdout.splitlines()[-1]), result.stdout
    assert (
        status_with(f"sqlite:///{database}", result.stdout.splitlines()[-1], "GET", "/v1/keys")
        == 200
    )
