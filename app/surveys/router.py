"""HTTP for survey wording: the operator's admin routes and the public read for channels."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Path, Query
from starlette.responses import Response

from app.deps import Admin, DatabaseDep, json_response
from app.fields import SLUG_PATTERN
from app.http_caching import not_modified, strong_etag
from app.problems import Forbidden, Unauthenticated, ValidationFailed, problem_responses
from app.routing import StrictQueryRoute
from app.scoring.metrics import Metric
from app.surveys import service
from app.surveys.errors import SurveyNotFound
from app.surveys.schemas import SurveyList, SurveyRead, SurveyWording, WordingRead
from app.surveys.wording import pick_locale

router = APIRouter(prefix="/v1/surveys", tags=["surveys"], route_class=StrictQueryRoute)

AUTH_PROBLEMS = (Unauthenticated, Forbidden)
SurveyPath = Annotated[
    str,
    Path(
        pattern=SLUG_PATTERN,
        description="The survey slug responses carry: `[a-z0-9][a-z0-9._-]{0,63}`",
        examples=["site-nps"],
    ),
]
LocaleQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$",
        max_length=35,
        description="BCP 47 tag; unsupported or absent: Accept-Language, then English",
        examples=["pl"],
    ),
]
# Long enough to spare the database a read per page view, short enough that an operator's
# change reaches customers within a minute.
WORDING_MAX_AGE = 60
# An empty requirement: this operation takes no key (OpenAPI 3.1 §4.8.10).
PUBLIC: dict[str, Any] = {"security": [{}]}


@router.put(
    "/{survey}",
    response_model=SurveyRead,
    summary="Set a survey's wording",
    description=(
        "Replaces everything stored for the survey: a text left out is the built-in one "
        "again. Answers 201 when the survey had no wording yet, 200 when it was replaced."
    ),
    responses={
        201: {"model": SurveyRead, "description": "The survey had no wording before"},
        **problem_responses(*AUTH_PROBLEMS, ValidationFailed),
    },
)
async def put_survey(
    survey: SurveyPath, body: SurveyWording, _admin: Admin, db: DatabaseDep
) -> Response:
    stored, created = await service.put(db, survey, body)
    if created:
        return json_response(stored.to_api(), 201, {"Location": f"/v1/surveys/{survey}"})
    return json_response(stored.to_api())


@router.get(
    "",
    response_model=SurveyList,
    summary="List the surveys that have their own wording",
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def list_surveys(_admin: Admin, db: DatabaseDep) -> Response:
    surveys = await service.list_surveys(db)
    return json_response({"data": [survey.to_api() for survey in surveys]})


@router.get(
    "/{survey}",
    response_model=SurveyRead,
    summary="A survey's stored wording",
    responses=problem_responses(*AUTH_PROBLEMS, SurveyNotFound, ValidationFailed),
)
async def get_survey(survey: SurveyPath, _admin: Admin, db: DatabaseDep) -> Response:
    return json_response((await service.get(db, survey)).to_api())


@router.delete(
    "/{survey}",
    status_code=204,
    summary="Forget a survey's wording (back to the built-in texts)",
    responses=problem_responses(*AUTH_PROBLEMS, SurveyNotFound, ValidationFailed),
)
async def delete_survey(survey: SurveyPath, _admin: Admin, db: DatabaseDep) -> Response:
    await service.delete(db, survey)
    return Response(status_code=204)


@router.get(
    "/{survey}/wording",
    response_model=WordingRead,
    summary="The texts a customer sees (no key needed)",
    description=(
        "For widgets, email pages and kiosks: the survey's wording in one language, the "
        "built-in texts filled in. A survey nobody configured answers the built-in texts. "
        "The language is `locale` if supported, else the best of Accept-Language, else `en`."
    ),
    openapi_extra=PUBLIC,
    responses={
        304: {"description": "Not modified: the ETag matched If-None-Match"},
        **problem_responses(ValidationFailed),
    },
)
async def get_wording(
    survey: SurveyPath,
    metric: Metric,
    db: DatabaseDep,
    locale: LocaleQuery = None,
    accept_language: Annotated[
        str | None, Header(description="Used when `locale` is absent or unsupported")
    ] = None,
    if_none_match: Annotated[
        str | None, Header(description="The ETag of a copy you hold: 304 if still current")
    ] = None,
) -> Response:
    chosen = pick_locale(locale, accept_language)
    wording = await service.wording_for(db, survey, metric, chosen)
    content = WordingRead(survey=survey, metric=metric, **asdict(wording)).model_dump(mode="json")
    return _cacheable(orjson.dumps(content), if_none_match)


def _cacheable(body: bytes, if_none_match: str | None) -> Response:
    etag = strong_etag(body)
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={WORDING_MAX_AGE}",
        "Vary": "Accept-Language",
    }
    if not_modified(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
