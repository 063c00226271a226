"""Surveys: the operator's own question, labels, follow-up prompt, thanks and brand per survey.

A survey without a row is asked with the built-in texts, so no rows are needed here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("survey", sa.String(64), nullable=False),
        sa.Column("brand", sa.String(100), nullable=True),
        sa.Column("metric", sa.String(8), nullable=True),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("survey", name="pk_surveys"),
    )


def downgrade() -> None:
    op.drop_table("surveys")
