"""Migration 0003 fills the per-dimension counts from the counts per combination."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from app import schema
from app.config import Settings
from app.db import Database
from tests.support import pg_cluster
from tests.support.fresh_databases import BACKENDS, fresh_database

HOUR = datetime(2026, 11, 20, 14, tzinfo=UTC)
COMBINATIONS = [  # metric, survey, touchpoint, channel, location, c9, c10
    ("nps", "post-purchase", "checkout", "web", "", 2, 1),
    ("nps", "post-purchase", "delivery", "web", "", 0, 4),
    ("nps", "support", "checkout", "pos", "store-1", 3, 0),
    ("csat", "support", "", "kiosk", "store-1", 5, 0),
]


@pytest.fixture(params=BACKENDS)
def fresh_url(
    request: pytest.FixtureRequest, postgres: pg_cluster.ThrowawayCluster | str, tmp_path: Path
) -> Iterator[str]:
    with fresh_database(request.param, postgres, tmp_path) as url:
        yield url


async def test_existing_counts_are_summed_per_dimension_value_and_in_total(
    fresh_url: str,
) -> None:
    db = Database.connect(Settings(database_url=fresh_url), pool_size=1)
    try:
        await schema.upgrade(db, "0002")
        async with db.write_engine.begin() as connection:
            for metric, survey, touchpoint, channel, location, c9, c10 in COMBINATIONS:
                await connection.execute(
                    text(
                        "INSERT INTO hourly_counts (metric, hour, survey, touchpoint, channel, "
                        "location, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10) VALUES (:m, :h, "
                        ":s, :t, :ch, :l, 0, 0, 0, 0, 0, 0, 0, 0, 0, :c9, :c10)"
                    ),
                    {"m": metric, "h": HOUR, "s": survey, "t": touchpoint, "ch": channel}
                    | {"l": location, "c9": c9, "c10": c10},
                )
        await schema.upgrade(db)
        async with db.engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT metric, dimension, value, c9, c10 FROM dimension_counts")
            )
            found = {(r.metric, r.dimension, r.value): (r.c9, r.c10) for r in rows}
    finally:
        await db.dispose()

    assert found == {
        ("nps", "", ""): (5, 5),
        ("nps", "survey", "post-purchase"): (2, 5),
        ("nps", "survey", "support"): (3, 0),
        ("nps", "touchpoint", "checkout"): (5, 1),
        ("nps", "touchpoint", "delivery"): (0, 4),
        ("nps", "channel", "web"): (2, 5),
        ("nps", "channel", "pos"): (3, 0),
        ("nps", "location", ""): (2, 5),
        ("nps", "location", "store-1"): (3, 0),
        ("csat", "", ""): (5, 0),
        ("csat", "survey", "support"): (5, 0),
        ("csat", "touchpoint", ""): (5, 0),
        ("csat", "channel", "kiosk"): (5, 0),
        ("csat", "location", "store-1"): (5, 0),
    }
