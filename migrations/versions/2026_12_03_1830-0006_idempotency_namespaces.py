"""Idempotency keys are unique per integration: one key's answers never block or answer another's.

Every API key gets an idempotency namespace (its own id; a key made to replace another
shares that one's), and a response's idempotency key is unique within the namespace of
the key that wrote it, not across the whole service. Existing answers move into the
namespace of the key that wrote them (``responses.key_id``), so a POS or kiosk retrying
an old answer after the upgrade still gets its replay; email-link answers move into the
links' own namespace, which no key has; answers without a key into one that nobody writes.

Down again, two namespaces may hold the same key, which one global key cannot: the
oldest answer keeps it, the others keep their data and lose only the key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 18:30:00
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMAIL_LINKS = "email-links"  # app.channels.email.service.IDEMPOTENCY_NAMESPACE
WITHOUT_KEY = "legacy"  # not 16 hex digits: no key id, so no key's namespace
# As 0002 made it, unchanged. SQLite rebuilds the table under it (batch mode) and refuses
# to rename a table into place while a view names it, so the view steps aside meanwhile.
RESPONSES_VIEW = """
CREATE VIEW bi_responses AS
SELECT id, metric, score, comment, survey, touchpoint, channel, location, locale,
       properties, responded_at, received_at, updated_at
FROM responses
"""


@contextmanager
def _rebuilding_responses() -> Iterator[BatchOperations]:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP VIEW bi_responses")
    with op.batch_alter_table("responses") as batch:
        yield batch
    if sqlite:
        op.execute(RESPONSES_VIEW)


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("idempotency_namespace", sa.String(16), nullable=True))
    op.add_column("api_keys", sa.Column("replaces", sa.String(16), nullable=True))
    op.execute("UPDATE api_keys SET idempotency_namespace = id")
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("idempotency_namespace", existing_type=sa.String(16), nullable=False)

    op.add_column("responses", sa.Column("idempotency_namespace", sa.String(16), nullable=True))
    # Every key's namespace is its id at this point, so the writer's key_id is its namespace.
    op.execute(
        sa.text(
            "UPDATE responses SET idempotency_namespace = CASE "
            "WHEN channel = 'email' AND idempotency_key LIKE 'email-link:%' THEN :email "
            "ELSE COALESCE(key_id, :without_key) END"
        ).bindparams(email=EMAIL_LINKS, without_key=WITHOUT_KEY)
    )
    with _rebuilding_responses() as batch:
        batch.alter_column("idempotency_namespace", existing_type=sa.String(16), nullable=False)
        batch.drop_constraint("uq_responses_idempotency_key", type_="unique")
        batch.create_unique_constraint(
            "uq_responses_idempotency_namespace_idempotency_key",
            ["idempotency_namespace", "idempotency_key"],
        )


def downgrade() -> None:
    op.execute(
        "UPDATE responses SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM responses AS earlier "
        "WHERE earlier.idempotency_key = responses.idempotency_key "
        "AND (earlier.received_at < responses.received_at "
        "OR (earlier.received_at = responses.received_at AND earlier.id < responses.id)))"
    )
    with _rebuilding_responses() as batch:
        batch.drop_constraint("uq_responses_idempotency_namespace_idempotency_key", type_="unique")
        batch.create_unique_constraint("uq_responses_idempotency_key", ["idempotency_key"])
        batch.drop_column("idempotency_namespace")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("replaces")
        batch.drop_column("idempotency_namespace")
