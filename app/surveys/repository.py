"""Every SQL statement about surveys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.surveys.models import Survey


async def get(session: AsyncSession, survey: str) -> Survey | None:
    return await session.get(Survey, survey)


async def add(session: AsyncSession, survey: Survey) -> None:
    session.add(survey)
    await session.flush()


async def list_all(session: AsyncSession) -> Sequence[Survey]:
    return (await session.scalars(select(Survey).order_by(Survey.survey))).all()


async def remove(session: AsyncSession, survey: str) -> bool:
    """Whether there was a row to delete."""
    statement = delete(Survey).where(Survey.survey == survey).returning(Survey.survey)
    return await session.scalar(statement) is not None
