"""The layering rules of STYLE.md, made executable.

* importing the app (any module of it) builds no engine and reads no environment;
* routers do HTTP only: they never import SQLAlchemy;
* SQL is built only in repository.py and models.py files, app/db.py, app/schema.py and
  app/instance/ (a type imported under ``if TYPE_CHECKING:`` builds no SQL and is allowed);
* only app/schema.py drives Alembic; routers and repositories never open or commit a
  transaction (the service does, by leaving a `begin()` block);
* no two parts of app/ (a top-level module app/x.py or a package app/x/) import each other,
  nor loop through three or more: each stands above everything it imports, counting imports
  inside functions and under ``if TYPE_CHECKING:`` (the map is in README.md's layout section).

That app.scoring loads nothing but the standard library is tested in
tests/scoring/test_scoring_purity.py.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
SQL_ALLOWED = {"app/db.py", "app/schema.py"}
SQL_ALLOWED_NAMES = {"repository.py", "models.py"}
SQL_ALLOWED_PACKAGES = ("app/instance/",)

# Known breaches, each with its owner's fix; strict, so fixing one fails until it is removed.
KNOWN_SQL_OUTSIDE_REPOSITORIES: dict[str, str] = {}


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def app_modules() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
    )


def runtime_imports(path: Path) -> set[str]:
    """Top-level package names imported at run time (TYPE_CHECKING blocks skipped)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking_block(node):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def may_build_sql(path: Path) -> bool:
    name = relative(path)
    return (
        name in SQL_ALLOWED
        or path.name in SQL_ALLOWED_NAMES
        or name.startswith(SQL_ALLOWED_PACKAGES)
    )


def sqlalchemy_importers() -> list[object]:
    params: list[object] = []
    for path in app_modules():
        if "sqlalchemy" not in runtime_imports(path) or may_build_sql(path):
            continue
        name = relative(path)
        reason = KNOWN_SQL_OUTSIDE_REPOSITORIES.get(name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, id=name, marks=marks))
    return params or [pytest.param(None, id="none")]


@pytest.mark.parametrize("path", sqlalchemy_importers())
def test_only_repositories_models_and_the_db_modules_import_sqlalchemy(
    path: Path | None,
) -> None:
    if path is None:
        return
    pytest.fail(
        f"{relative(path)} imports sqlalchemy: SQL belongs in the domain's repository.py "
        "(a type for annotations may be imported under `if TYPE_CHECKING:`)"
    )


def test_the_known_breaches_are_real_files() -> None:
    assert all((ROOT / name).is_file() for name in KNOWN_SQL_OUTSIDE_REPOSITORIES)


def test_routers_never_import_sqlalchemy() -> None:
    routers = sorted(APP.rglob("router.py"))
    offenders = [relative(path) for path in routers if "sqlalchemy" in runtime_imports(path)]

    assert routers
    assert not offenders, f"routers must not touch SQL: {offenders}"


def test_only_app_schema_drives_alembic() -> None:
    offenders = [
        relative(path)
        for path in app_modules()
        if "alembic" in runtime_imports(path) and relative(path) != "app/schema.py"
    ]

    assert not offenders


# How a transaction is opened or ended here: leaving a `begin()` block commits it
# (engine.begin(), session.begin(), connection.begin()); the Database's own openers
# (app/db.py) hand out the engines, sessions and snapshots those blocks start from.
TRANSACTION_METHODS = {"begin", "begin_nested", "commit"}
DATABASE_OPENERS = {"engine", "write_engine", "readers", "writers", "snapshot"}


def transaction_openers(source: str) -> list[str]:
    """Each place in ``source`` that opens, commits or reaches for a transaction."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr in TRANSACTION_METHODS or node.attr in DATABASE_OPENERS:
            found.append(f"{node.lineno}: .{node.attr}")
    return found


def test_repositories_and_routers_never_open_or_commit_a_transaction() -> None:
    checked = [p for p in app_modules() if p.name in ("repository.py", "router.py")]
    offenders = [
        f"{relative(path)}:{where}"
        for path in checked
        for where in transaction_openers(path.read_text(encoding="utf-8"))
    ]

    assert len(checked) >= 10
    assert not offenders, f"the service opens and commits, once per use case: {offenders}"


@pytest.mark.parametrize(
    "snippet",
    [
        "async with db.write_engine.begin() as connection:\n    pass",
        "async with db.writers() as session, session.begin():\n    pass",
        "async with session.begin_nested():\n    pass",
        "await session.commit()",
        "async with db.snapshot() as connection:\n    pass",
        "async with db.readers() as session:\n    pass",
        "async with request.app.state.db.engine.connect() as connection:\n    pass",
        "async with transaction(db.engine):\n    pass",
    ],
)
def test_the_transaction_rule_catches_a_router_that_opens_one(snippet: str) -> None:
    router = "@router.post('/v1/x')\nasync def handler(db: DatabaseDep) -> None:\n" + (
        textwrap.indent(snippet, "    ")
    )

    assert transaction_openers(router)


def test_the_transaction_rule_lets_a_router_call_its_service() -> None:
    router = textwrap.dedent(
        """
        @router.post("/v1/x")
        async def handler(db: DatabaseDep, body: XCreate) -> XRead:
            return await service.create(db, body)
        """
    )

    assert transaction_openers(router) == []


IMPORT_EVERYTHING = textwrap.dedent(
    """
    import gc, importlib, pkgutil, sys
    import app
    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)

    from sqlalchemy.engine import Engine
    from app.config import Settings, get_settings
    from app.main import create_app

    create_app(Settings.model_construct(database_url="sqlite:////nonexistent-dir/t.db"))
    engines = [o for o in gc.get_objects() if isinstance(o, Engine)]
    print(len(engines), get_settings.cache_info().currsize)
    """
)


def test_importing_the_app_builds_no_engine_and_reads_no_environment() -> None:
    env = {
        **os.environ,
        # Each would make Settings() fail: importing must not even look.
        "TOUCHPOINT_DATABASE_URL": "mysql://bogus",
        "TOUCHPOINT_KEY_CACHE_SECONDS": "not a number",
        "TOUCHPOINT_LOG_LEVEL": "chatty",
    }

    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    engines, settings_read = result.stdout.split()
    assert engines == "0", "an engine was built at import time or by create_app()"
    assert settings_read == "0", "get_settings() was called at import time"


# --- no back stairs: no two parts of app/ import each other ------------------------------


@dataclass(frozen=True)
class ImportSite:
    target: str  # the part imported: "db" for app/db.py, "keys" for app/keys/
    where: str  # file:line of the import statement


def _part(dotted: str, parts: set[str]) -> str | None:
    """The part of app/ a dotted module name belongs to, None outside app/."""
    names = dotted.split(".")
    if names[0] != "app" or len(names) < 2 or names[1] not in parts:
        return None
    return names[1]


def _imported_modules(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    """Dotted names an import statement reaches, ``from app import x`` as ``app.x``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        module = ".".join([*base, *([node.module] if node.module else [])])
    else:
        module = node.module or ""
    return [module, *(f"{module}.{alias.name}" for alias in node.names)]


def import_graph(root: Path) -> dict[str, dict[str, list[ImportSite]]]:
    """Which part of the package at ``root`` imports which, with every site that does it.

    ``ast.walk`` sees every import statement: at module level, inside functions and
    under ``if TYPE_CHECKING:`` alike, since each one ties the importer to the imported.
    """
    parts = {path.stem for path in root.glob("*.py") if not path.stem.startswith("__")}
    parts |= {path.parent.name for path in root.glob("*/__init__.py")}
    graph: dict[str, dict[str, list[ImportSite]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(root.rglob("*.py")):
        inside = path.relative_to(root).with_suffix("").parts
        source = inside[0] if inside[0] in parts else None
        if source is None:
            continue  # app/__init__.py, app/__main__.py: no part of the layering
        package = ".".join([root.name, *inside[:-1]])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            where = f"{path.relative_to(root.parent).as_posix()}:{node.lineno}"
            for module in _imported_modules(node, package):
                target = _part(module, parts)
                if target is not None and target != source:
                    graph[source][target].append(ImportSite(target, where))
    return graph


def mutual_imports(graph: dict[str, dict[str, list[ImportSite]]]) -> list[str]:
    """Each pair of parts importing each other, with the sites of both directions."""
    found = []
    for a in sorted(graph):
        for b in sorted(graph[a]):
            if a < b and a in graph.get(b, {}):
                sites = [site.where for site in (*graph[a][b], *graph[b][a])]
                found.append(f"{a} <-> {b}: {', '.join(sorted(set(sites)))}")
    return found


def import_loops(graph: dict[str, dict[str, list[ImportSite]]]) -> list[list[str]]:
    """Each loop of any length (a -> b -> c -> a), as the path that closes it."""
    loops: list[list[str]] = []
    done: set[str] = set()

    def visit(part: str, path: list[str]) -> None:
        if part in path:
            loops.append([*path[path.index(part) :], part])
            return
        if part in done:
            return
        for target in sorted(graph.get(part, {})):
            visit(target, [*path, part])
        done.add(part)

    for part in sorted(graph):
        visit(part, [])
    return loops


def test_no_two_parts_of_the_app_import_each_other() -> None:
    cycles = mutual_imports(import_graph(APP))

    assert not cycles, (
        "these parts of app/ import each other; move what both need below both "
        f"(see the map in README.md's layout section): {cycles}"
    )


def test_the_parts_of_the_app_stand_in_floors_with_no_loop_through_three_or_more() -> None:
    loops = import_loops(import_graph(APP))

    assert not loops, f"each part must stand above everything it imports: {loops}"


def test_the_import_graph_sees_the_app_as_it_is() -> None:
    graph = import_graph(APP)

    # deps gathers the domains' aliases; the domains stand on db; db stands on outages.
    assert {"keys", "responses", "web", "dimensions"} <= set(graph["deps"])
    assert "db" in graph["responses"]
    assert "db" in graph["keys"]
    assert set(graph["db"]) == {"config", "outages"}


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_a_pair_importing_each_other_is_caught_even_from_inside_a_function(
    tmp_path: Path,
) -> None:
    app = _package(
        tmp_path / "app",
        {
            "__init__.py": "",
            "db.py": """
                def log() -> None:
                    from app.operations.outages import OutageLog
            """,
            "operations/__init__.py": "",
            "operations/outages.py": "from app import db\n",
            "keys/__init__.py": "",
            "keys/router.py": "from ..db import log\n",
        },
    )

    cycles = mutual_imports(import_graph(app))

    assert cycles == ["db <-> operations: app/db.py:3, app/operations/outages.py:1"]
    assert "db" in import_graph(app)["keys"]  # a relative import counts too


def test_a_loop_through_three_parts_is_caught(tmp_path: Path) -> None:
    app = _package(
        tmp_path / "app",
        {
            "__init__.py": "",
            "db.py": "from app import outages\n",
            "outages.py": "from app.problems import ServiceUnavailable\n",
            "problems.py": "def render() -> None:\n    import app.db\n",
        },
    )

    assert mutual_imports(import_graph(app)) == []
    assert import_loops(import_graph(app)) == [["db", "outages", "problems", "db"]]


def test_imports_in_one_direction_are_no_cycle(tmp_path: Path) -> None:
    app = _package(
        tmp_path / "app",
        {
            "__init__.py": "",
            "db.py": "from app import outages\n",
            "outages.py": "import app.problems\n",
            "problems.py": "",
        },
    )

    assert mutual_imports(import_graph(app)) == []
    assert import_loops(import_graph(app)) == []
