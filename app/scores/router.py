"""HTTP for scores: parse, call the service, answer with caching headers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.deps import DatabaseDep, Dimensions, ScoresReader
from app.fields import Timestamp
from app.http_caching import not_modified, strong_etag
from app.problems import Forbidden, Unauthenticated, ValidationFailed, problem_responses
from app.routing import StrictQueryRoute
from app.scores import service, timing
from app.scores.schemas import ScoreReport, SeriesReport
from app.scoring import Interval, Metric

router = APIRouter(prefix="/v1/scores", tags=["scores"], route_class=StrictQueryRoute)

GroupBy = Literal["survey", "touchpoint", "channel", "location"]
WindowParam = Annotated[
    str | None,
    Query(description="Trailing window: 12h, 7d, 30d, 13w … (default 30d)", max_length=8),
]
SinceParam = Annotated[Timestamp | None, Query(description="Inclusive, on responded_at")]
UntilParam = Annotated[
    Timestamp | None, Query(description="Exclusive, on responded_at (default now)")
]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the ETag matched If-None-Match"},
    **problem_responses(Unauthenticated, Forbidden, ValidationFailed),
}


@router.get("", response_model=ScoreReport, summary="A score over a window", responses=PROBLEMS)
async def get_score(
    request: Request,
    _caller: ScoresReader,
    db: DatabaseDep,
    dimensions: Dimensions,
    metric: Metric,
    window: WindowParam = None,
    since: SinceParam = None,
    until: UntilParam = None,
    group_by: GroupBy | None = None,
    compare: Literal["previous"] | None = None,
) -> Response:
    start, end = timing.score_range(window, since, until)
    query = service.ScoreQuery(
        metric=metric,
        filter=dimensions.to_filter(None, start, end),
        group_by=group_by,
        compare_previous=compare == "previous",
    )
    return _cached(request, await service.score(db, query), end - start)


@router.get(
    "/series",
    response_model=SeriesReport,
    summary="Rolling scores over time, for trend charts",
    responses=PROBLEMS,
)
async def get_series(
    request: Request,
    _caller: ScoresReader,
    db: DatabaseDep,
    dimensions: Dimensions,
    metric: Metric,
    interval: Interval = "day",
    window: WindowParam = None,
    since: SinceParam = None,
    until: UntilParam = None,
    tz: Annotated[str, Query(max_length=64, description="IANA time zone")] = "UTC",
    group_by: GroupBy | None = None,
) -> Response:
    zone = timing.time_zone(tz)
    length = timing.window_length(window)
    start, end, points = timing.series_range(interval, zone, since, until)
    query = service.SeriesQuery(
        metric=metric,
        filter=dimensions.to_filter(None, start, end),
        interval=interval,
        window=length,
        tz=zone,
        points=points,
        group_by=group_by,
    )
    return _cached(request, await service.series(db, query), length)


def _cached(request: Request, body: dict[str, Any], window: Any) -> Response:
    content = orjson.dumps(body)
    etag = strong_etag(content)
    headers = {"ETag": etag, "Cache-Control": f"private, max-age={timing.cache_seconds(window)}"}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)
