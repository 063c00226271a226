"""Initial schema: API keys, responses, their hourly counts, instance secrets.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("location", sa.String(64), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("metric", sa.String(8), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("survey", sa.String(64), nullable=False),
        sa.Column("touchpoint", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("location", sa.String(64), nullable=True),
        sa.Column("respondent_hash", sa.String(64), nullable=True),
        sa.Column(
            "properties",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("locale", sa.String(35), nullable=True),
        sa.Column("responded_at", TIMESTAMP, nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("request_fingerprint", sa.String(64), nullable=True),
        sa.Column("key_id", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_responses"),
        sa.UniqueConstraint("idempotency_key", name="uq_responses_idempotency_key"),
    )
    op.create_index("ix_responses_responded_at_id", "responses", ["responded_at", "id"])
    op.create_index("ix_responses_updated_at_id", "responses", ["updated_at", "id"])
    op.create_index(
        "ix_responses_respondent_hash",
        "responses",
        ["respondent_hash"],
        sqlite_where=sa.text("respondent_hash IS NOT NULL"),
        postgresql_where=sa.text("respondent_hash IS NOT NULL"),
    )
    op.create_table(
        "hourly_counts",
        sa.Column("metric", sa.String(8), nullable=False),
        sa.Column("hour", TIMESTAMP, nullable=False),
        sa.Column("survey", sa.String(64), nullable=False),
        sa.Column("touchpoint", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("location", sa.String(64), nullable=False),
        *(sa.Column(f"c{value}", sa.Integer(), nullable=False) for value in range(11)),
        sa.PrimaryKeyConstraint(
            "metric",
            "hour",
            "survey",
            "touchpoint",
            "channel",
            "location",
            name="pk_hourly_counts",
        ),
    )
    op.create_table(
        "instance_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_instance_secrets"),
    )


def downgrade() -> None:
    op.drop_table("instance_secrets")
    op.drop_table("hourly_counts")
    op.drop_index("ix_responses_respondent_hash", table_name="responses")
    op.drop_index("ix_responses_updated_at_id", table_name="responses")
    op.drop_index("ix_responses_responded_at_id", table_name="responses")
    op.drop_table("responses")
    op.drop_table("api_keys")
