"""Migrations go up, down and up again on both databases, and end exactly at the models."""

from __future__ import annotations

import ast
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app import schema
from app.config import Settings
from app.db import Database
from app.models import metadata
from tests.support import pg_cluster
from tests.support.fresh_databases import BACKENDS, fresh_database

FILE_NAME = re.compile(r"^\d{4}_\d{2}_\d{2}_\d{4}-[0-9a-z]+_[0-9a-z_]+\.py$")


@pytest.fixture(params=BACKENDS)
def fresh_url(
    request: pytest.FixtureRequest, postgres: pg_cluster.ThrowawayCluster | str, tmp_path: Path
) -> Iterator[str]:
    with fresh_database(request.param, postgres, tmp_path) as url:
        yield url


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[Database]:
    db = Database.connect(Settings(database_url=url), pool_size=1)
    try:
        yield db
    finally:
        await db.dispose()


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _schema_objects(connection: Connection) -> tuple[set[str], set[str]]:
    inspector = inspect(connection)
    return set(inspector.get_table_names()), set(inspector.get_view_names())


async def autogenerate_diff(db: Database) -> list[Any]:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_differences)


async def schema_objects(db: Database) -> tuple[set[str], set[str]]:
    async with db.engine.connect() as connection:
        return await connection.run_sync(_schema_objects)


async def test_upgrade_downgrade_upgrade_ends_exactly_at_the_models(fresh_url: str) -> None:
    head = schema.head_revision()
    async with connected(fresh_url) as db:
        await schema.upgrade(db)
        assert await schema.current_revision(db) == head
        assert await autogenerate_diff(db) == []
        tables, _ = await schema_objects(db)
        assert tables >= set(metadata.tables)

        await schema.downgrade(db, "base")
        assert await schema.current_revision(db) is None
        assert await schema_objects(db) == ({"alembic_version"}, set())

        await schema.upgrade(db)
        assert await schema.current_revision(db) == head
        assert await autogenerate_diff(db) == []


async def test_every_revision_can_be_stepped_down_and_up_again(fresh_url: str) -> None:
    revisions = list(reversed(list(scripts().walk_revisions())))  # oldest first
    async with connected(fresh_url) as db:
        for revision in revisions:
            down = revision.down_revision
            assert down is None or isinstance(down, str), "no merge revisions"
            await schema.upgrade(db, revision.revision)
            await schema.downgrade(db, down or "base")
            await schema.upgrade(db, revision.revision)
            assert await schema.current_revision(db) == revision.revision
        assert await autogenerate_diff(db) == []


async def test_upgrading_an_up_to_date_database_changes_nothing(fresh_url: str) -> None:
    async with connected(fresh_url) as db:
        await schema.upgrade(db)
        before = await schema_objects(db)
        await schema.upgrade(db)
        assert await schema_objects(db) == before
        assert await schema.current_revision(db) == schema.head_revision()


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(schema.alembic_config())


def migration_files() -> list[Path]:
    return sorted((schema.migrations_dir() / "versions").glob("*.py"))


def test_there_is_one_linear_history() -> None:
    directory = scripts()
    revisions = list(directory.walk_revisions())

    assert len(directory.get_heads()) == 1
    assert len(revisions) == len(migration_files())
    assert [r.down_revision for r in revisions if r.down_revision is None] == [None]


@pytest.mark.parametrize("path", migration_files(), ids=lambda path: path.name)
def test_a_migration_file_is_dated_explained_reversible_and_independent_of_the_app(
    path: Path,
) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]

    assert FILE_NAME.match(path.name), f"{path.name}: name it YYYY_MM_DD_HHMM-<rev>_<slug>.py"
    docstring = ast.get_docstring(tree)
    assert docstring, f"{path.name}: start with a docstring saying why"
    assert docstring.splitlines()[0].strip(), f"{path.name}: the first line says why"
    assert {"upgrade", "downgrade"} <= set(functions), f"{path.name}: needs upgrade/downgrade"
    body = functions["downgrade"].body
    assert not all(_does_nothing(statement) for statement in body), (
        f"{path.name}: downgrade() must undo upgrade()"
    )
    from_app = [name for name in imported if name == "app" or name.startswith("app.")]
    assert not from_app, f"{path.name} imports {from_app}: migrations must outlive the models"


def _does_nothing(statement: ast.stmt) -> bool:
    """``pass``, ``...``, a docstring, or ``raise NotImplementedError``."""
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, ast.Constant)
    return isinstance(statement, ast.Raise)


def test_the_migration_environment_does_not_import_the_app() -> None:
    source = (schema.migrations_dir() / "env.py").read_text(encoding="utf-8")

    assert not re.search(r"^\s*(from|import)\s+app\b", source, re.MULTILINE)
