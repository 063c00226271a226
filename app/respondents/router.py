from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel
from starlette.responses import Response

from app.deps import Admin, DatabaseDep, IngestDep, json_response
from app.problems import Forbidden, Unauthenticated, problem_responses
from app.respondents import service
from app.routing import StrictQueryRoute

router = APIRouter(prefix="/v1/respondents", tags=["privacy"], route_class=StrictQueryRoute)


class Erasure(BaseModel):
    responses_deleted: int


# `:path`, so that an id with a `/` in it (sent as %2F) can be erased too.
@router.delete(
    "/{respondent:path}",
    response_model=Erasure,
    summary="Erase every response of a respondent; scores stop counting them",
    responses=problem_responses(Unauthenticated, Forbidden),
)
async def erase_respondent(
    respondent: Annotated[str, Path(min_length=1, max_length=255)],
    _admin: Admin,
    db: DatabaseDep,
    ingest: IngestDep,
) -> Response:
    deleted = await service.erase(db, ingest.hasher, respondent)
    return json_response({"responses_deleted": deleted})
