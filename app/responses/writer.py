"""Group commit: concurrent requests share one transaction, and each answers after it commits.

A commit is the expensive part of a write (a disk flush). Requests that arrive while
one transaction is in flight queue up and are written together in the next one, so
the cost of a flush is shared while every 201 still means "on disk".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.counts import repository as counts_repository
from app.counts.rollup import RollupKey, count_deltas, rollup_key
from app.db import Database, outage_cause, run_retrying_races
from app.responses import repository
from app.responses.idempotency import judge
from app.responses.records import NewResponse, Outcome

if TYPE_CHECKING:  # a type only: SQL is built in repository.py
    from sqlalchemy.ext.asyncio import AsyncConnection

logger = logging.getLogger("touchpoint.ingest")


@dataclass
class _Job:
    items: Sequence[NewResponse]
    future: asyncio.Future[list[Outcome]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupCommitWriter:
    def __init__(self, db: Database, max_group_rows: int) -> None:
        self._db = db
        self._max_rows = max_group_rows
        self._queue: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="group-commit-writer")

    async def close(self) -> None:
        """Write what is queued, then stop."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        await self._task
        self._task = None

    async def write(self, items: Sequence[NewResponse]) -> list[Outcome]:
        if self._task is None or self._task.done():
            raise RuntimeError("the writer is not running")
        job = _Job(items)
        self._queue.put_nowait(job)
        # Shielded: a client that hangs up does not cancel a write others share.
        return await asyncio.shield(job.future)

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                return
            group, rows = [first], len(first.items)
            while rows < self._max_rows and not self._queue.empty():
                job = self._queue.get_nowait()
                if job is None:
                    stopping = True
                    break
                group.append(job)
                rows += len(job.items)
            await self._commit_group(group)

    async def _commit_group(self, group: list[_Job]) -> None:
        try:
            outcomes = await self._store([item for job in group for item in job.items])
        except Exception as error:
            cause = outage_cause(error)
            if cause is not None:  # every job would fail alike; each request answers 503
                self._db.outages.met(cause)
                for job in group:
                    _settle(job.future, error=error)
                return
            if len(group) > 1:  # find the one job that fails; the others still land
                for job in group:
                    await self._commit_group([job])
                return
            logger.exception("writing %d responses failed", len(group[0].items))
            _settle(group[0].future, error=error)
            return
        start = 0
        for job in group:
            _settle(job.future, outcomes[start : start + len(job.items)])
            start += len(job.items)

    async def _store(self, items: list[NewResponse]) -> list[Outcome]:
        return await store(self._db, items)


async def store(db: Database, items: Sequence[NewResponse]) -> list[Outcome]:
    """One transaction: judge retries, insert the new rows, count them. Commits.

    A race with another process (a unique key, a deadlock) runs it again: the retry
    sees the winner's row and judges the item a retry of it.
    """
    keys = [item.idempotency for item in items if item.idempotency is not None]

    async def work(connection: AsyncConnection) -> tuple[list[Outcome | None], list[NewResponse]]:
        known = await repository.find_by_idempotency_keys(connection, keys) if keys else {}
        outcomes, to_insert = judge(items, known)
        await repository.insert_many(connection, to_insert)
        await counts_repository.add_counts(connection, _deltas(to_insert))
        return outcomes, to_insert

    outcomes, to_insert = await run_retrying_races(db, work)
    created = iter(to_insert)
    return [
        outcome if outcome is not None else Outcome("created", next(created).stored)
        for outcome in outcomes
    ]


def _deltas(items: Sequence[NewResponse]) -> dict[RollupKey, list[int]]:
    entries = (
        (
            rollup_key(r.metric, r.responded_at, r.survey, r.touchpoint, r.channel, r.location),
            r.score,
        )
        for r in (item.stored for item in items)
    )
    return count_deltas(entries, sign=+1)


def _settle(
    future: asyncio.Future[list[Outcome]],
    outcomes: list[Outcome] | None = None,
    *,
    error: BaseException | None = None,
) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(outcomes or [])
