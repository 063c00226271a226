"""HTTP for the interactive docs; their scripts come from the fastapi-offline package, not a CDN.

FastAPI's own recipe: https://fastapi.tiangolo.com/how-to/custom-docs-ui-assets/
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse

from app.problems import NotFound
from app.routing import StrictQueryRoute

router = APIRouter(include_in_schema=False, route_class=StrictQueryRoute)

ASSETS_PATH = "/docs/assets"
# The files the two pages load, and nothing else of the package.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
# The browser itself refuses anything from elsewhere (ReDoc's sidebar would fetch its
# vendor's logo from a CDN). Inline: both pages start their UI with an inline script.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
        "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}
# Not versioned by name: a day, then the browser asks again.
CACHE_CONTROL = "public, max-age=86400"


def _assets(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{ASSETS_PATH}"


def _openapi_url(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{request.app.openapi_url}"


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    assets = _assets(request)
    page = get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} – API docs",
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon.png",
        # Swagger UI would otherwise send the whole spec to validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    page.headers.update(PAGE_HEADERS)
    return page


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    assets = _assets(request)
    page = get_redoc_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} – API reference",
        redoc_js_url=f"{assets}/redoc.standalone.js",
        redoc_favicon_url=f"{assets}/favicon.png",
        with_google_fonts=False,
    )
    page.headers.update(PAGE_HEADERS)
    return page


@router.get(ASSETS_PATH + "/{name}")
async def asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound("The API docs have no such file.")
    path = resources.files("fastapi_offline") / "static" / name
    return FileResponse(str(path), media_type=media_type, headers={"Cache-Control": CACHE_CONTROL})
