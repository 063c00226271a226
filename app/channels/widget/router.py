"""GET /widget.js: the embeddable widget, revalidated by ETag."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from starlette.responses import Response

from app.channels.widget import service
from app.http_caching import not_modified
from app.routing import StrictQueryRoute, tolerates_unknown_query

router = APIRouter(tags=["widget"], route_class=StrictQueryRoute)


@router.get(
    "/widget.js",
    summary="The website widget",
    description=(
        "One script, configured by the `data-*` attributes of its `<script>` tag "
        "(see docs/widget.md). Strong ETag; `If-None-Match` answers 304."
    ),
    response_class=Response,
    responses={
        200: {"content": {"text/javascript": {"schema": {"type": "string"}}}},
        304: {"description": "The cached copy is current"},
    },
)
@tolerates_unknown_query  # pages load it with a cache-busting ?v=…
async def widget_script(
    if_none_match: Annotated[str | None, Header()] = None,
    accept_encoding: Annotated[str, Header()] = "",
) -> Response:
    chosen = service.script().for_request(accept_encoding)
    headers = {
        "ETag": chosen.etag,
        "Cache-Control": service.CACHE_CONTROL,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
        # Any shop's page may load it, including pages that isolate themselves (COEP).
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if not_modified(if_none_match, chosen.etag):
        return Response(status_code=304, headers=headers)
    if chosen.gzipped:
        headers["Content-Encoding"] = "gzip"
    return Response(chosen.body, media_type="text/javascript; charset=utf-8", headers=headers)
