"""Hourly counts per single dimension value and in total, so dashboard scores stay flat.

Filled from hourly_counts, which holds the same answers per combination of dimensions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = [f"c{value}" for value in range(11)]
DIMENSIONS = ("survey", "touchpoint", "channel", "location")


def upgrade() -> None:
    op.create_table(
        "dimension_counts",
        sa.Column("metric", sa.String(8), nullable=False),
        sa.Column("dimension", sa.String(16), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint("metric", "dimension", "hour", "value", name="pk_dimension_counts"),
    )
    sums = ", ".join(f"SUM({name})" for name in COUNTS)
    columns = ", ".join(COUNTS)
    for dimension, value in [("", "''"), *((d, d) for d in DIMENSIONS)]:
        grouping = "metric, hour" + (f", {value}" if dimension else "")
        op.execute(
            f"INSERT INTO dimension_counts (metric, dimension, hour, value, {columns}) "
            f"SELECT metric, '{dimension}', hour, {value}, {sums} FROM hourly_counts "
            f"GROUP BY {grouping}"
        )


def downgrade() -> None:
    op.drop_table("dimension_counts")
