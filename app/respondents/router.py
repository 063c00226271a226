from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel
from starlette.convertors import Convertor, register_url_convertor
from starlette.responses import Response

from app.deps import Admin, DatabaseDep, IngestDep, json_response
from app.problems import Forbidden, NotFound, Unauthenticated, problem_responses
from app.respondents import service
from app.routing import StrictQueryRoute


class _AnyText(Convertor[str]):
    """Like ``:path`` (``/`` included, sent as %2F), and line breaks too: Starlette's ``.*``
    stops at one, so ``cust-1%0A`` would otherwise be matched, and erased, as ``cust-1``."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("any_text", _AnyText())
router = APIRouter(prefix="/v1/respondents", tags=["privacy"], route_class=StrictQueryRoute)


class Erasure(BaseModel):
    responses_deleted: int


# Any id, even one the write rules refuse today (app/respondent_ids/accepted.py): one stored
# before they existed must still be erasable.
@router.delete(
    "/{respondent:any_text}",
    response_model=Erasure,
    summary="Erase every response of a respondent; scores stop counting them",
    responses={
        **problem_responses(Unauthenticated, Forbidden),
        404: {
            **problem_responses(NotFound)[404],
            "description": (
                "The ids `.` and `..`: clients resolve them as steps of the path, so the "
                "request reaches another path (the write routes refuse these ids)"
            ),
        },
    },
)
async def erase_respondent(
    respondent: Annotated[str, Path(min_length=1, max_length=255)],
    _admin: Admin,
    db: DatabaseDep,
    ingest: IngestDep,
) -> Response:
    deleted = await service.erase(db, ingest.hasher, respondent)
    return json_response({"responses_deleted": deleted})
