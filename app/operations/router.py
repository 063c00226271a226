from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text
from starlette.responses import Response

from app import schema
from app.deps import DatabaseDep, json_response
from app.problems import ServiceUnavailable, problem_responses

router = APIRouter(tags=["operations"])


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
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        revision = await schema.current_revision(db)
    except Exception as error:
        raise ServiceUnavailable("The database cannot be reached.") from error
    if revision != schema.head_revision():
        raise ServiceUnavailable(f"The database is at revision {revision}, not the newest.")
    return json_response({"status": "ready", "revision": revision})
