"""Judging retries: the same key with the same payload is a replay, with another a conflict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.responses.records import IdempotencyScope, NewResponse, Outcome, Status, StoredResponse

# An idempotency key already seen: the fingerprint of its payload and the row it made.
Seen = tuple[str | None, StoredResponse]


def judge(
    items: Sequence[NewResponse], stored: Mapping[IdempotencyScope, Seen]
) -> tuple[list[Outcome | None], list[NewResponse]]:
    """Outcomes for items that repeat a known key (None for the rest), and what to insert.

    ``stored`` maps (namespace, idempotency key) pairs already in the database to what
    they made. A pair that two items of the same group share is judged against the first
    of them; the same key in two namespaces is two unrelated answers.
    """
    seen: dict[IdempotencyScope, Seen] = dict(stored)
    outcomes: list[Outcome | None] = []
    to_insert: list[NewResponse] = []
    for item in items:
        key = item.idempotency
        previous = seen.get(key) if key is not None else None
        if previous is None:
            outcomes.append(None)
            to_insert.append(item)
            if key is not None:
                seen[key] = (item.fingerprint, item.stored)
            continue
        fingerprint, original = previous
        status: Status = "duplicate" if fingerprint == item.fingerprint else "conflict"
        outcomes.append(Outcome(status, original))
    return outcomes, to_insert
