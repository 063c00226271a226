from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app.keys import service
from app.keys.auth import Admin, KeyCacheDep
from app.keys.errors import KeyNotFound
from app.keys.schemas import KeyCreate, KeyCreated, KeyList, KeyRead
from app.problems import Forbidden, Unauthenticated, ValidationFailed, problem_responses
from app.routing import StrictQueryRoute
from app.web import DatabaseDep, json_response

router = APIRouter(prefix="/v1/keys", tags=["keys"], route_class=StrictQueryRoute)
AUTH_PROBLEMS = (Unauthenticated, Forbidden)


@router.post(
    "",
    status_code=201,
    response_model=KeyCreated,
    summary="Create a key (shown once)",
    responses=problem_responses(*AUTH_PROBLEMS, ValidationFailed),
)
async def create_key(body: KeyCreate, _admin: Admin, db: DatabaseDep) -> Response:
    created = await service.create(db, body)
    return json_response(created.model_dump(mode="json"), 201)


@router.get(
    "", response_model=KeyList, summary="List keys", responses=problem_responses(*AUTH_PROBLEMS)
)
async def list_keys(_admin: Admin, db: DatabaseDep) -> Response:
    keys = await service.list_keys(db)
    return json_response({"data": [key.model_dump(mode="json") for key in keys]})


@router.delete(
    "/{key_id}",
    response_model=KeyRead,
    summary="Revoke a key",
    responses=problem_responses(*AUTH_PROBLEMS, KeyNotFound),
)
async def revoke_key(key_id: str, _admin: Admin, db: DatabaseDep, cache: KeyCacheDep) -> Response:
    revoked = await service.revoke(db, cache, key_id)
    return json_response(revoked.model_dump(mode="json"))
