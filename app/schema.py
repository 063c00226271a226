"""Bringing the database schema to the newest migration; Alembic is the only way in."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.db import Database

# Any fixed number: all replicas of this service agree on it, nothing else uses it.
_MIGRATION_LOCK = 7_312_026


class MigrationsNotFound(RuntimeError):
    pass


def migrations_dir() -> Path:
    """The repository's migrations/ (an install from a checkout, or the Docker image)."""
    for candidate in (
        Path(__file__).resolve().parent.parent / "migrations",
        Path.cwd() / "migrations",
    ):
        if (candidate / "env.py").is_file():
            return candidate
    raise MigrationsNotFound(
        "migrations/ is neither next to the app package nor in the current folder: "
        "run touchpoint from the folder that holds migrations/ (the Docker image's WORKDIR)"
    )


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["skip_logging_config"] = True
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(db: Database, revision: str = "head") -> None:
    """Apply migrations; concurrent starters wait for each other instead of racing."""
    async with db.engine.execution_options(writes=True).begin() as connection:
        if db.dialect == "postgresql":
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        await connection.run_sync(_run_alembic, "upgrade", revision)


async def downgrade(db: Database, revision: str) -> None:
    async with db.engine.execution_options(writes=True).begin() as connection:
        await connection.run_sync(_run_alembic, "downgrade", revision)


async def current_revision(db: Database) -> str | None:
    async with db.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def _run_alembic(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)
