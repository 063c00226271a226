"""The privacy tests use the helpers in tests/responses/ingest_support.py.

tests/ has no packages, so pytest puts each test folder on sys.path as it collects it;
this makes the responses folder importable when tests/respondents runs on its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

_RESPONSES_TESTS = str(Path(__file__).resolve().parent.parent / "responses")
if _RESPONSES_TESTS not in sys.path:
    sys.path.append(_RESPONSES_TESTS)

from ingest_support import (  # noqa: E402
    RESPONSES,
    another_app,
    assert_problem,
    changes_nothing,
    counted_total,
    empty_tables,
    hours_ago,
    nps,
    stored_rows,
    z,
)

__all__ = [
    "RESPONSES",
    "another_app",
    "assert_problem",
    "changes_nothing",
    "counted_total",
    "empty_tables",
    "hours_ago",
    "nps",
    "stored_rows",
    "z",
]
