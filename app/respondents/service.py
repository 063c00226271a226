from __future__ import annotations

from app.config import Settings
from app.counts import repository as counts_repository
from app.counts.rollup import count_deltas, rollup_key
from app.db import Database
from app.instance.service import stored_secret
from app.respondent_ids.hashing import RespondentHasher
from app.responses import repository as responses_repository

GENERATED_KEY_NAME = "respondent-hash-key"


async def load_hasher(db: Database, settings: Settings) -> RespondentHasher:
    """The configured key first; the generated one (if any) and old keys still erase."""
    generated = (await stored_secret(db, GENERATED_KEY_NAME)).encode()
    old = tuple(key.get_secret_value().encode() for key in settings.old_secret_keys)
    if settings.secret_key is None:
        return RespondentHasher(generated, old)
    return RespondentHasher(settings.secret_key.get_secret_value().encode(), (*old, generated))


async def erase(db: Database, hasher: RespondentHasher, respondent: str) -> int:
    """Delete every response of a respondent (under any key's hash) and uncount them."""
    async with db.write_engine.begin() as connection:
        deleted = await responses_repository.delete_by_respondent(
            connection, hasher.every_hash(respondent)
        )
        entries = (
            (
                rollup_key(
                    row.metric,
                    row.responded_at,
                    row.survey,
                    row.touchpoint,
                    row.channel,
                    row.location,
                ),
                row.score,
            )
            for row in deleted
        )
        await counts_repository.add_counts(connection, count_deltas(entries, sign=-1))
    return len(deleted)
