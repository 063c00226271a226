"""Every SQL statement about API keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.keys.models import ApiKey


async def add(session: AsyncSession, key: ApiKey) -> None:
    session.add(key)
    await session.flush()


async def get(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def list_all(session: AsyncSession) -> Sequence[ApiKey]:
    result = await session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id))
    return result.all()


# Any fixed number: every replica agrees on it (SQLite serialises writers by itself).
_FIRST_KEY_LOCK = 7_312_027


async def lock_for_first_key(session: AsyncSession) -> None:
    """Hold a transaction-long lock so that only one starter creates the first key."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SELECT pg_advisory_xact_lock({_FIRST_KEY_LOCK})"))


async def count(session: AsyncSession) -> int:
    return (await session.scalar(select(func.count()).select_from(ApiKey))) or 0


async def mark_revoked(session: AsyncSession, key_id: str, at: datetime) -> None:
    await session.execute(
        update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=at)
    )


async def publishable_origin_lists(session: AsyncSession) -> Sequence[list[str]]:
    """The origin allow-lists of every unrevoked publishable key."""
    result = await session.scalars(
        select(ApiKey.allowed_origins).where(
            ApiKey.kind == "publishable", ApiKey.revoked_at.is_(None)
        )
    )
    return result.all()


async def touch(session: AsyncSession, key_id: str, at: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))
