"""Ingest use cases: one answer, a batch, a comment, a lookup."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import orjson
from uuid_utils.compat import uuid7

from app.counts import repository as counts_repository
from app.counts.rollup import RollupKey, count_deltas, rollup_key
from app.db import Database, run_retrying_races
from app.dimensions.channels import Channel
from app.keys.scopes import Scope
from app.keys.service import Principal
from app.keys.tokens import KeyKind
from app.problems import FieldError, Unauthenticated, ValidationFailed
from app.respondent_ids.hashing import RespondentHasher
from app.responses import honeypot, repository
from app.responses.errors import FollowupTokenRejected, IdempotencyKeyReused, ResponseNotFound
from app.responses.followup import FollowupTokens
from app.responses.records import IdempotencyScope, NewResponse, Outcome, StoredResponse
from app.responses.schemas import ResponseCreate
from app.responses.writer import GroupCommitWriter

if TYPE_CHECKING:  # a type only: SQL is built in repository.py
    from sqlalchemy.ext.asyncio import AsyncConnection

logger = logging.getLogger("touchpoint.ingest")

FORCED_CHANNEL = {KeyKind.PUBLISHABLE: Channel.WEB, KeyKind.KIOSK: Channel.KIOSK}


@dataclass(frozen=True)
class Ingest:
    """What the write use cases need; built once per process."""

    db: Database
    writer: GroupCommitWriter
    hasher: RespondentHasher
    followups: FollowupTokens
    decoys: honeypot.Decoys = field(default_factory=honeypot.Decoys)


async def create_one(
    ingest: Ingest, caller: Principal, body: ResponseCreate, header_key: str | None
) -> Outcome:
    item = _new_response(body, caller, ingest.hasher, now(), header_key)
    if honeypot.filled_in(body.honeypot):
        logger.info("honeypot filled in: an answer sent with key %s was not stored", caller.key_id)
        outcome = ingest.decoys.answer(item)
    else:
        [outcome] = await ingest.writer.write([item])
    if outcome.status == "conflict":
        raise IdempotencyKeyReused(
            "A response with this idempotency key exists and has other values; "
            "use a new key for a new answer."
        )
    return outcome


def prepare(
    body: ResponseCreate,
    caller: Principal,
    hasher: RespondentHasher,
    received_at: datetime,
    header_key: str | None,
) -> NewResponse:
    """The row to store, with the rules of the caller's key kind applied."""
    if body.honeypot is not None:  # only the widget sends one, one answer at a time
        raise rejected("honeypot", "only POST /v1/responses takes a honeypot")
    return _new_response(body, caller, hasher, received_at, header_key)


def _new_response(
    body: ResponseCreate,
    caller: Principal,
    hasher: RespondentHasher,
    received_at: datetime,
    header_key: str | None,
) -> NewResponse:
    channel, location = _channel_and_location(body, caller)
    respondent_hash = hasher.hash(body.respondent) if body.respondent is not None else None
    idempotency_key = _idempotency_key(body.idempotency_key, header_key)
    return _assemble(
        body,
        channel,
        location,
        respondent_hash,
        received_at,
        idempotency_key,
        caller.key_id,
        caller.idempotency_namespace,
    )


def prepare_vouched(
    body: ResponseCreate,
    respondent_hash: str | None,
    key_id: str | None,
    received_at: datetime,
    namespace: str,
) -> NewResponse:
    """The row to store for an answer a channel vouches for itself (a signed email link).

    Such a channel carries the respondent already hashed (it must never hold the id in
    clear), so ``body.respondent`` must be empty; its channel, location and idempotency key
    are in ``body`` as the channel decided them, and ``key_id`` names the key that issued it.
    ``namespace`` is the channel's own idempotency namespace, one that no API key has.
    """
    if body.respondent is not None:
        raise ValueError("a vouched answer carries its respondent hashed, not in clear")
    return _assemble(
        body,
        body.channel.value,
        body.location,
        respondent_hash,
        received_at,
        body.idempotency_key,
        key_id,
        namespace,
    )


def _assemble(
    body: ResponseCreate,
    channel: str,
    location: str | None,
    respondent_hash: str | None,
    received_at: datetime,
    idempotency_key: str | None,
    key_id: str | None,
    namespace: str,
) -> NewResponse:
    responded_at = (
        body.responded_at.astimezone(UTC).replace(microsecond=0) if body.responded_at else None
    )
    stored = StoredResponse(
        # Time-ordered: new rows land at the end of the id index instead of anywhere in it.
        id=uuid7(),
        metric=body.metric.value,
        score=body.score,
        comment=body.comment,
        survey=body.survey,
        touchpoint=body.touchpoint,
        channel=channel,
        location=location,
        properties=body.properties,
        locale=body.locale,
        responded_at=responded_at or received_at,
        received_at=received_at,
        updated_at=received_at,
        idempotency_key=idempotency_key,
    )
    # Only a retry under the same key is ever compared with it.
    fingerprint = (
        _fingerprint(stored, respondent_hash, responded_at) if stored.idempotency_key else None
    )
    return NewResponse(stored, respondent_hash, fingerprint, key_id, namespace)


def _channel_and_location(body: ResponseCreate, caller: Principal) -> tuple[str, str | None]:
    channel, location = body.channel.value, body.location
    forced = FORCED_CHANNEL.get(caller.kind)
    if forced is not None:
        if "channel" in body.model_fields_set and body.channel is not forced:
            raise rejected("channel", f"{caller.kind} keys write the {forced} channel only")
        channel = forced.value
    return channel, recorded_location(caller, location)


def recorded_location(caller: Principal, location: str | None) -> str | None:
    """The location an answer of ``caller`` is filed under: a bound key's own, or refused."""
    if caller.location is None:
        return location
    if location is not None and location != caller.location:
        raise rejected("location", f"this key is bound to location {caller.location!r}")
    return caller.location


def _idempotency_key(in_body: str | None, in_header: str | None) -> str | None:
    if in_body and in_header and in_body != in_header:
        raise rejected("idempotency_key", "differs from the Idempotency-Key header")
    return in_body or in_header


def _fingerprint(
    stored: StoredResponse, respondent_hash: str | None, given_at: datetime | None
) -> str:
    """What makes a retry "the same payload": every field the client sent, as sent."""
    payload = {
        "metric": stored.metric,
        "score": stored.score,
        "comment": stored.comment,
        "survey": stored.survey,
        "touchpoint": stored.touchpoint,
        "channel": stored.channel,
        "location": stored.location,
        "respondent": respondent_hash,
        "properties": stored.properties,
        "locale": stored.locale,
        "responded_at": given_at.isoformat() if given_at else None,
    }
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def rejected(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("See `errors` for what to fix.", errors=[FieldError(field, message)])


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def get_one(db: Database, response_id: uuid.UUID) -> StoredResponse:
    async with db.engine.connect() as connection:
        found = await repository.get(connection, response_id)
    if found is None:
        raise ResponseNotFound(f"No response has the id {response_id}.")
    return found


def followup_token(ingest: Ingest, caller: Principal, response: StoredResponse) -> str | None:
    """Pages holding a write-only key get a token to add the comment afterwards."""
    if caller.kind is KeyKind.SECRET:
        return None
    return ingest.followups.issue(response.id)


async def set_comment(
    ingest: Ingest,
    caller: Principal | None,
    followup: str | None,
    response_id: uuid.UUID,
    comment: str | None,
) -> StoredResponse:
    """With a follow-up token for this response, or a secret key with responses:write."""
    if followup is not None:
        if not ingest.followups.allows(followup, response_id):
            raise FollowupTokenRejected("The token is for another response, altered, or expired.")
        decoy = ingest.decoys.comment(response_id, comment, now())
        if decoy is not None:
            logger.info("honeypot: the comment on an answer that was not stored is dropped")
            return decoy
    elif caller is None:
        raise Unauthenticated("Send a secret key, or the response's `followup_token`.")
    else:
        caller.require_secret()
        caller.require(Scope.RESPONSES_WRITE)
    async with ingest.db.write_engine.begin() as connection:
        updated = await repository.update_comment(connection, response_id, comment, now())
    if updated is None:
        raise ResponseNotFound(f"No response has the id {response_id}.")
    return updated


async def record_or_update(ingest: Ingest, item: NewResponse) -> Outcome:
    """Store ``item``; if its idempotency key already made a response, change that one instead.

    For channels where the customer may send the same answer again with another score or
    comment (an email link): the key stays the one response's, so sending again never
    adds a second response. The unique key settles two sends racing on two workers: the
    loser's insert fails, and its retry finds the winner's row and updates it. The hourly
    counts move with the score in the same transaction. "created" for a new response,
    "updated" for a changed one, "duplicate" when nothing differed.
    """
    key = item.idempotency
    if key is None:
        raise ValueError("record_or_update needs an idempotency key")
    return await run_retrying_races(
        ingest.db, lambda connection: _record_or_update(connection, item, key)
    )


async def _record_or_update(
    connection: AsyncConnection, item: NewResponse, key: IdempotencyScope
) -> Outcome:
    current = await repository.find_for_update(connection, key)
    new = item.stored
    if current is None:
        await repository.insert_many(connection, [item])
        await counts_repository.add_counts(connection, _counts_of(new, +1))
        return Outcome("created", new)
    if (current.score, current.comment) == (new.score, new.comment):
        return Outcome("duplicate", current)
    updated = await repository.update_answer(
        connection, current.id, new.score, new.comment, item.fingerprint, new.received_at
    )
    if current.score != new.score:
        deltas = _counts_of(current, -1)
        for counts in deltas.values():  # the same hour and dimensions: only the score moves
            counts[new.score] += 1
        await counts_repository.add_counts(connection, deltas)
    return Outcome("updated", updated)


def _counts_of(response: StoredResponse, sign: int) -> dict[RollupKey, list[int]]:
    key = rollup_key(
        response.metric,
        response.responded_at,
        response.survey,
        response.touchpoint,
        response.channel,
        response.location,
    )
    return count_deltas([(key, response.score)], sign)
