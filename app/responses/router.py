"""HTTP for responses: parse, call the service, shape the answer. No rules here."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response, StreamingResponse

from app.dimensions.params import Dimensions
from app.fields import Timestamp
from app.keys.auth import OptionalCaller, ResponsesReader, ResponsesWriter
from app.problems import (
    Forbidden,
    PayloadTooLarge,
    TooManyRequests,
    Unauthenticated,
    UnsupportedMediaType,
    ValidationFailed,
    problem_responses,
    require_json,
)
from app.responses import batch, export, service
from app.responses.dependencies import ExportCursorsDep, IngestDep
from app.responses.errors import FollowupTokenRejected, IdempotencyKeyReused, ResponseNotFound
from app.responses.schemas import (
    MAX_BATCH,
    BatchResult,
    ResponseCreate,
    ResponseCreated,
    ResponsePage,
    ResponsePatch,
    ResponseRead,
)
from app.routing import StrictQueryRoute
from app.scoring.metrics import Metric
from app.web import DatabaseDep, json_response


class _NotBatch(Convertor[str]):
    """Any one path segment but ``batch``: ``PATCH /v1/responses/batch`` is a 405 (that path
    answers POST only), not a 422 for an id that is not a UUID."""

    regex = "(?!batch$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("not_batch", _NotBatch())
router = APIRouter(prefix="/v1/responses", tags=["responses"], route_class=StrictQueryRoute)

IdempotencyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description=(
            "Same key and payload again: 200 with the original. Other payload: 409. Keys are "
            "unique per integration: the sending API key and the keys that replace it."
        ),
    ),
]
AUTH_PROBLEMS = (Unauthenticated, Forbidden)
DEFAULT_PAGE = 100
BATCH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "title": "BatchCreate",
                "type": "object",
                "additionalProperties": False,
                "required": ["responses"],
                "properties": {
                    "responses": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_BATCH,
                        "items": {"$ref": "#/components/schemas/ResponseCreate"},
                    }
                },
            }
        }
    },
}


@router.post(
    "",
    status_code=201,
    response_model=ResponseCreated,
    summary="Record one answer",
    responses={
        200: {
            "model": ResponseCreated,
            "description": "A replay: the original response, with `Idempotent-Replayed: true`",
        },
        **problem_responses(
            *AUTH_PROBLEMS, IdempotencyKeyReused, ValidationFailed, TooManyRequests
        ),
    },
)
async def create_response(
    body: ResponseCreate,
    caller: ResponsesWriter,
    ingest: IngestDep,
    idempotency_key: IdempotencyHeader = None,
) -> Response:
    outcome = await service.create_one(ingest, caller, body, idempotency_key)
    stored = outcome.response
    content = stored.to_api()
    token = service.followup_token(ingest, caller, stored)
    if token is not None:
        content["followup_token"] = token
    headers = {"Location": f"/v1/responses/{stored.id}"}
    if outcome.status == "duplicate":
        return json_response(content, 200, headers | {"Idempotent-Replayed": "true"})
    return json_response(content, 201, headers)


@router.post(
    "/batch",
    response_model=BatchResult,
    summary="Record up to 1000 answers, each judged on its own",
    # The body is read raw and validated in one call (see app/responses/batch.py).
    openapi_extra={"requestBody": BATCH_BODY},
    responses=problem_responses(
        *AUTH_PROBLEMS, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
    ),
)
async def create_batch(
    request: Request,
    caller: ResponsesWriter,
    ingest: IngestDep,
    idempotency_key: IdempotencyHeader = None,
) -> Response:
    require_json(request)
    results = await batch.create(ingest, caller, await request.body(), idempotency_key)
    return json_response({"results": results})


@router.get(
    "/{response_id:not_batch}",
    response_model=ResponseRead,
    summary="One response",
    responses=problem_responses(*AUTH_PROBLEMS, ResponseNotFound, ValidationFailed),
)
async def get_response(
    response_id: uuid.UUID, _caller: ResponsesReader, db: DatabaseDep
) -> Response:
    return json_response((await service.get_one(db, response_id)).to_api())


@router.patch(
    "/{response_id:not_batch}",
    response_model=ResponseRead,
    summary="Add or change the comment of a response",
    description=(
        "With a secret key holding `responses:write`, or with the `followup_token` that "
        "the widget or kiosk got when it recorded the response (no key needed then)."
    ),
    openapi_extra={"security": [{}]},  # or no key at all (OpenAPI 3.1 §4.8.10)
    responses=problem_responses(
        *AUTH_PROBLEMS, FollowupTokenRejected, ResponseNotFound, ValidationFailed, TooManyRequests
    ),
)
async def patch_response(
    response_id: uuid.UUID, body: ResponsePatch, caller: OptionalCaller, ingest: IngestDep
) -> Response:
    updated = await service.set_comment(
        ingest, caller, body.followup_token, response_id, body.comment
    )
    return json_response(updated.to_api())


@router.get(
    "",
    response_model=ResponsePage,
    summary="List and export responses",
    description=(
        "Ordered by `responded_at`, then `id`. `format=json` pages with `limit` and the "
        "opaque `next_cursor`; `ndjson` and `csv` stream every matching row (CSV always "
        "starts with its header). Walking the cursor returns every response exactly once."
    ),
    responses={
        200: {
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        },
        **problem_responses(*AUTH_PROBLEMS, ValidationFailed),
    },
)
async def list_responses(
    _caller: ResponsesReader,
    db: DatabaseDep,
    cursors: ExportCursorsDep,
    dimensions: Dimensions,
    metric: Metric | None = None,
    since: Annotated[Timestamp | None, Query(description="Inclusive, on responded_at")] = None,
    until: Annotated[Timestamp | None, Query(description="Exclusive, on responded_at")] = None,
    updated_since: Annotated[
        Timestamp | None, Query(description="Inclusive, on updated_at")
    ] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=1000, description="Page size (default 100)")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    format: Literal["json", "ndjson", "csv"] = "json",
) -> Response:
    query = export.ExportQuery.read(
        cursors,
        dimensions.to_filter(metric.value if metric else None, since, until),
        updated_since,
        cursor,
        limit,
    )
    if format == "json":
        rows, next_cursor = await export.page(db, cursors, query, limit or DEFAULT_PAGE)
        return json_response({"data": [row.to_api() for row in rows], "next_cursor": next_cursor})
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="responses.csv"'}
        return StreamingResponse(
            await export.csv_stream(db, query),
            media_type="text/csv; charset=utf-8",
            headers=headers,
        )
    stream = await export.ndjson_stream(db, query)
    return StreamingResponse(stream, media_type="application/x-ndjson")
