"""app.scoring is pure maths: importing it must load nothing but the standard library."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"fastapi", "sqlalchemy", "pydantic", "starlette"}

LIST_NEW_TOP_LEVEL_MODULES = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    before = set(sys.modules)
    import app.scoring
    for module in pkgutil.walk_packages(app.scoring.__path__, "app.scoring."):
        importlib.import_module(module.name)
    print("\\n".join(sorted({name.split(".")[0] for name in set(sys.modules) - before})))
    """
)


def modules_loaded_by_importing_app_scoring() -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", LIST_NEW_TOP_LEVEL_MODULES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def test_importing_every_scoring_module_loads_no_web_or_database_library() -> None:
    loaded = modules_loaded_by_importing_app_scoring()

    assert "app" in loaded
    assert not loaded & FORBIDDEN


def test_importing_every_scoring_module_loads_only_the_standard_library() -> None:
    loaded = modules_loaded_by_importing_app_scoring()
    # sysconfig's platform-specific data module is stdlib but not in stdlib_module_names.
    stdlib = {*sys.stdlib_module_names, *(m for m in loaded if m.startswith("_sysconfigdata"))}

    assert loaded - stdlib == {"app"}
