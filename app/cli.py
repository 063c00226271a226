"""The `touchpoint` command: serve, migrate, and manage API keys."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
import uvicorn
from pydantic import ValidationError

from app import schema
from app.config import Settings, get_settings
from app.db import Database
from app.keys import service as keys_service
from app.keys.schemas import KeyCreate, KeyCreated
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind
from app.logging_config import logging_config
from app.problems import ProblemError

T = TypeVar("T")


def _with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    """Connect, migrate if needed, run ``work``, disconnect."""
    settings = _settings()

    async def run() -> T:
        async with schema.migrated(settings, pool_size=2) as db:
            return await work(db)

    try:
        return asyncio.run(run())
    except schema.DatabaseUnusable as error:
        raise click.ClickException(str(error)) from error


def _settings() -> Settings:
    """The settings, or one line naming each environment variable that is wrong."""
    try:
        return get_settings()
    except ValidationError as error:
        wrong = (
            f"TOUCHPOINT_{str(e['loc'][0]).upper()}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise click.ClickException("; ".join(wrong)) from error


@click.group()
@click.version_option(package_name="touchpoint")
def main() -> None:
    """Touchpoint: collect NPS, CES and CSAT answers and serve rolling scores.

    The database comes from TOUCHPOINT_DATABASE_URL (default sqlite:///./touchpoint.db).
    """


@main.command()
def migrate() -> None:
    """Apply database migrations and exit."""
    revision = _with_database(schema.current_revision)
    click.echo(f"database at revision {revision}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Migrate if needed, then serve HTTP."""
    settings = _settings()
    first_key = _with_database(keys_service.create_first_admin_key)
    if first_key is not None:
        _announce_first_key(first_key, host, port)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # ours logs route templates, never paths that carry ids or tokens
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        timeout_worker_healthcheck=settings.worker_healthcheck_seconds,
        # Deliberately uvicorn's defaults, written down (README "Operations"): a burst waits
        # in the kernel's queue and in the group commit, it is not answered 503.
        backlog=2048,
        limit_concurrency=None,
        log_config=logging_config(settings.log_level),
    )


def _announce_first_key(key: KeyCreated, host: str, port: int) -> None:
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    click.echo(
        "\nTouchpoint made its first admin key. It is shown this once only; keep it safe:\n\n"
        f"    {key.key}\n\n"
        "Record an answer and read the score:\n\n"
        f"    curl -X POST {base}/v1/responses \\\n"
        f'      -H "Authorization: Bearer {key.key}" \\\n'
        '      -H "Content-Type: application/json" \\\n'
        '      -d \'{"metric": "nps", "score": 9, "touchpoint": "checkout"}\'\n\n'
        f'    curl -H "Authorization: Bearer {key.key}" "{base}/v1/scores?metric=nps"\n'
    )
    sys.stdout.flush()


@main.group()
def keys() -> None:
    """Create, list and revoke API keys."""


@keys.command("create")
@click.option("--name", required=True)
@click.option("--scope", "scopes", multiple=True, type=click.Choice([s.value for s in Scope]))
@click.option(
    "--kind",
    type=click.Choice([k.value for k in KeyKind]),
    default=None,
    help="[default: secret; with --replaces: the replaced key's]",
)
@click.option("--origin", "origins", multiple=True, help="Allowed origin of a publishable key")
@click.option("--location", default=None, help="Location a kiosk key is bound to")
@click.option(
    "--replaces",
    default=None,
    metavar="KEY_ID",
    help="Rotate: the new key shares this key's idempotency namespace and, unless given, "
    "its kind, scopes, origins and location. The old key stays valid until revoked.",
)
def create_key(
    name: str,
    scopes: tuple[str, ...],
    kind: str | None,
    origins: tuple[str, ...],
    location: str | None,
    replaces: str | None,
) -> None:
    """Create a key; the key is printed alone on the last line."""
    given = {
        "kind": kind,
        "scopes": list(scopes) or None,
        "allowed_origins": list(origins) or None,
        "location": location,
    }
    # A replacement takes from the key it replaces whatever the command line leaves out.
    fields = {field: value for field, value in given.items() if value is not None}
    if replaces is None:
        fields = {"kind": "secret", "scopes": [], "allowed_origins": [], **fields}
    try:
        request = KeyCreate.model_validate({"name": name, "replaces": replaces, **fields})
    except ValidationError as error:
        raise click.UsageError(_first_message(error)) from error
    _print_created(_keys_call(lambda db: keys_service.create(db, request)))


@keys.command("rotate")
@click.argument("key_id")
def rotate_key(key_id: str) -> None:
    """Make a replacement of a key (same kind, scopes, namespace); revoke the old one later."""
    _print_created(_keys_call(lambda db: keys_service.rotate(db, key_id)))


def _keys_call(call: Callable[[Database], Awaitable[KeyCreated]]) -> KeyCreated:
    try:
        return _with_database(call)
    except ProblemError as error:
        raise click.ClickException(_problem_message(error)) from error


def _problem_message(error: ProblemError) -> str:
    return "; ".join(f"{e.field}: {e.message}" for e in error.errors) or error.detail


def _print_created(created: KeyCreated) -> None:
    replacing = f", replacing {created.replaces}" if created.replaces else ""
    click.echo(
        f"created {created.kind} key {created.id} ({created.name}{replacing}): "
        f"{' '.join(created.scopes)}"
    )
    click.echo("It is shown this once only; keep it safe:")
    click.echo(created.key)


@keys.command("list")
def list_keys() -> None:
    """List keys (never the keys themselves)."""
    rows = _with_database(keys_service.list_keys)
    click.echo(f"{'ID':<17}{'KIND':<12}{'STATE':<9}{'LAST USED':<22}{'NAME':<24}SCOPES")
    for key in rows:
        state = "revoked" if key.revoked_at else "active"
        last = key.last_used_at.strftime("%Y-%m-%d %H:%M UTC") if key.last_used_at else "never"
        name, scopes = key.name[:23], " ".join(key.scopes)
        click.echo(f"{key.id:<17}{key.kind:<12}{state:<9}{last:<22}{name:<24}{scopes}")


@keys.command("revoke")
@click.argument("key_id")
def revoke_key(key_id: str) -> None:
    """Revoke a key at once."""
    cache = keys_service.KeyCache(ttl_seconds=0)
    try:
        revoked = _with_database(lambda db: keys_service.revoke(db, cache, key_id))
    except ProblemError as error:
        raise click.ClickException(error.detail) from error
    click.echo(f"revoked key {revoked.id} ({revoked.name})")


def _first_message(error: ValidationError) -> str:
    first: dict[str, Any] = dict(error.errors()[0])
    field = ".".join(str(part) for part in first.get("loc", ()))
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message
