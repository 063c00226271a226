"""Read-only SQL views for BI tools that read the database (Metabase, Looker).

They are part of the public contract (docs/bi.md): columns are only ever added.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ", ".join(f"c{value}" for value in range(11))
SUMS = ", ".join(f"SUM(c{value}) AS c{value}" for value in range(11))
TOTAL = " + ".join(f"c{value}" for value in range(11))

# Respondent hashes, payload fingerprints and key ids stay out of reach of BI users.
RESPONSES_VIEW = """
CREATE VIEW bi_responses AS
SELECT id, metric, score, comment, survey, touchpoint, channel, location, locale,
       properties, responded_at, received_at, updated_at
FROM responses
"""


def _day(dialect: str) -> str:
    """The UTC day of an hour, as a date (PostgreSQL) or 'YYYY-MM-DD' text (SQLite)."""
    if dialect == "postgresql":
        return "CAST(hour AT TIME ZONE 'UTC' AS DATE)"
    return "substr(hour, 1, 10)"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute(RESPONSES_VIEW)
    op.execute(
        f"""
CREATE VIEW bi_daily_counts AS
SELECT metric, day,
       NULLIF(survey, '') AS survey, NULLIF(touchpoint, '') AS touchpoint,
       channel, NULLIF(location, '') AS location,
       {TOTAL} AS responses,
       CASE WHEN metric = 'nps' THEN c9 + c10 END AS promoters,
       CASE WHEN metric = 'nps' THEN c7 + c8 END AS passives,
       CASE WHEN metric = 'nps' THEN c0 + c1 + c2 + c3 + c4 + c5 + c6 END AS detractors,
       CASE WHEN metric = 'ces' THEN c5 + c6 + c7
            WHEN metric = 'csat' THEN c4 + c5 END AS top_box,
       {COUNTS}
FROM (
    SELECT metric, {_day(dialect)} AS day, survey, touchpoint, channel, location, {SUMS}
    FROM hourly_counts
    GROUP BY metric, {_day(dialect)}, survey, touchpoint, channel, location
) AS daily
WHERE {TOTAL} > 0
"""
    )


def downgrade() -> None:
    op.execute("DROP VIEW bi_daily_counts")
    op.execute("DROP VIEW bi_responses")
