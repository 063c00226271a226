"""On SQLite, keep per-dimension counts in primary-key order (WITHOUT ROWID).

A score's hours are a range of the primary key (metric, dimension, hour, value). In a
rowid table SQLite walks that range in the key's index and then looks every row up in
the table; clustered by the key it reads one contiguous run: about a quarter less time
for a 30-day score grouped by touchpoint or a daily series. PostgreSQL is unchanged.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = [f"c{value}" for value in range(11)]
COLUMNS = ", ".join(["metric", "dimension", "hour", "value", *COUNTS])


def _rebuild(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_table(
        "dimension_counts_rebuilt",
        sa.Column("metric", sa.String(8), nullable=False),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint("metric", "dimension", "hour", "value", name="pk_dimension_counts"),
        sqlite_with_rowid=with_rowid,
    )
    op.execute(
        f"INSERT INTO dimension_counts_rebuilt ({COLUMNS}) "
        f"SELECT {COLUMNS} FROM dimension_counts ORDER BY metric, dimension, hour, value"
    )
    op.drop_table("dimension_counts")
    op.rename_table("dimension_counts_rebuilt", "dimension_counts")


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)
