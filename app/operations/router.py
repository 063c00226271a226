from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app import schema
from app.db import outage_cause
from app.deps import DatabaseDep, json_response
from app.problems import ServiceUnavailable, problem_responses
from app.routing import StrictQueryRoute

router = APIRouter(tags=["operations"], route_class=StrictQueryRoute)


@router.get("/healthz", summary="The process is up")
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get(
    "/readyz",
    summary="The database is reachable and migrated",
    responses=problem_responses(ServiceUnavailable),
)
async def readyz(db: DatabaseDep) -> Response:
    try:
        revision = await schema.current_revision(db)  # a round trip: reachable or raises
    except Exception as error:
        cause = outage_cause(error)
        if cause is not None:
            db.outages.met(cause)
        raise ServiceUnavailable("The database cannot be reached.") from error
    head = schema.head_revision()
    if revision != head:
        where = f"at revision {revision}" if revision else "not migrated"
        raise ServiceUnavailable(f"The database is {where}; this service needs revision {head}.")
    return json_response({"status": "ready", "revision": revision})
