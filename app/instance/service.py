"""Secrets the installation makes for itself when the operator has not set one."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.db import Database
from app.instance.models import InstanceSecret


async def stored_secret(db: Database, name: str) -> str:
    """The secret called ``name``, created on first use; every worker gets the same one."""
    dialect_insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    candidate = {
        "name": name,
        "value": secrets.token_urlsafe(48),
        "created_at": datetime.now(UTC),
    }
    async with db.writers() as session, session.begin():
        await session.execute(
            dialect_insert(InstanceSecret).values(candidate).on_conflict_do_nothing()
        )
        value = await session.scalar(
            select(InstanceSecret.value).where(InstanceSecret.name == name)
        )
    assert value is not None
    return value
