"""Batches (POS, kiosk sync): every item judged on its own, every item answered, in order.

Validation is the costly part of a large batch, so the whole body is first validated in
one call (pydantic's compiled core parses and checks it together). Only when that fails
is the batch taken apart to find which items are wrong.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.keys.service import Principal
from app.keys.tokens import KeyKind
from app.problems import FieldError, Forbidden, ValidationFailed, body_problem, field_errors
from app.responses.records import NewResponse
from app.responses.schemas import MAX_BATCH, MAX_IDEMPOTENCY_KEY, BatchCreate, ResponseCreate
from app.responses.service import Ingest, now, prepare, rejected

# A batch's Idempotency-Key becomes `<key>:<index>` per item, which must still fit the column.
MAX_BATCH_HEADER_KEY = MAX_IDEMPOTENCY_KEY - len(f":{MAX_BATCH - 1}")

Parsed = ResponseCreate | list[FieldError]


class _AllValid(BaseModel):
    model_config = ConfigDict(extra="forbid")

    responses: list[ResponseCreate] = Field(min_length=1, max_length=MAX_BATCH)


def parse(body: bytes) -> list[Parsed]:
    """Each item as a valid answer or its errors; a bad envelope is a 422 for the whole."""
    try:
        return list(_AllValid.model_validate_json(body).responses)
    except ValidationError:
        pass
    try:
        envelope = BatchCreate.model_validate_json(body)
    except ValidationError as error:
        raise body_problem(body, error) from error
    return [_parse_item(item) for item in envelope.responses]


def _parse_item(item: Any) -> Parsed:
    try:
        return ResponseCreate.model_validate(item)
    except ValidationError as error:
        return field_errors(error.errors())


async def create(
    ingest: Ingest, caller: Principal, body: bytes, header_key: str | None
) -> list[dict[str, Any]]:
    """Valid items are stored even when others are not; every item gets a result, in order."""
    if caller.kind is KeyKind.PUBLISHABLE:
        raise Forbidden(
            "Publishable keys send one answer per request (POST /v1/responses), "
            "so that the per-request rate limits bound what a public page can send."
        )
    if header_key and len(header_key) > MAX_BATCH_HEADER_KEY:
        raise rejected(
            "Idempotency-Key",
            f"at most {MAX_BATCH_HEADER_KEY} characters on a batch (`:<index>` is appended)",
        )
    received_at = now()
    results: list[dict[str, Any]] = []
    valid: list[tuple[int, NewResponse]] = []
    for index, parsed in enumerate(parse(body)):
        if isinstance(parsed, list):
            results.append(_invalid(index, parsed))
            continue
        item_key = f"{header_key}:{index}" if header_key and not parsed.idempotency_key else None
        try:
            valid.append((index, prepare(parsed, caller, ingest.hasher, received_at, item_key)))
        except ValidationFailed as error:
            results.append(_invalid(index, error.errors))
            continue
        results.append({})
    outcomes = await ingest.writer.write([item for _, item in valid]) if valid else []
    for (index, _), outcome in zip(valid, outcomes, strict=True):
        results[index] = {"index": index, "status": outcome.status, "id": str(outcome.response.id)}
    return results


def _invalid(index: int, errors: list[FieldError]) -> dict[str, Any]:
    return {
        "index": index,
        "status": "invalid",
        "errors": [{"field": error.field, "message": error.message} for error in errors],
    }
