"""The privacy tests use the ingest helpers (tests/support/ingest_support.py)."""

from __future__ import annotations

from tests.support.ingest_support import (
    RESPONSES,
    another_app,
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
    "changes_nothing",
    "counted_total",
    "empty_tables",
    "hours_ago",
    "nps",
    "stored_rows",
    "z",
]
