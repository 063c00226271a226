"""On SQLite, bi_responses shows ids and timestamps exactly as the API writes them.

SQLite keeps a UUID as 32 hex digits and a timestamp as 'YYYY-MM-DD HH:MM:SS.ffffff';
the API says '0b6c2d1e-…' and '2026-11-20T14:03:11Z'. A BI user joining the view to an
export (or pasting an id from it into the API) needs the same text. PostgreSQL's uuid and
timestamptz columns already are the API's values, so its view stays as it is.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DASHED_ID = (
    "substr(id, 1, 8) || '-' || substr(id, 9, 4) || '-' || substr(id, 13, 4) || '-' || "
    "substr(id, 17, 4) || '-' || substr(id, 21, 12)"
)


def _api_time(column: str) -> str:
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {column}) AS {column}"


API_FORMS_VIEW = f"""
CREATE VIEW bi_responses AS
SELECT {_DASHED_ID} AS id, metric, score, comment, survey, touchpoint, channel, location,
       locale, properties,
       {_api_time("responded_at")}, {_api_time("received_at")}, {_api_time("updated_at")}
FROM responses
"""

STORED_FORMS_VIEW = """
CREATE VIEW bi_responses AS
SELECT id, metric, score, comment, survey, touchpoint, channel, location, locale,
       properties, responded_at, received_at, updated_at
FROM responses
"""


def _replace_view(definition: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP VIEW bi_responses")
    op.execute(definition)


def upgrade() -> None:
    _replace_view(API_FORMS_VIEW)


def downgrade() -> None:
    _replace_view(STORED_FORMS_VIEW)
