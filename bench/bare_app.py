"""The framework's ceiling: a bare FastAPI endpoint that validates the real ingest body.

``POST /v1/responses`` parses and validates the body with the service's own
``ResponseCreate`` model (identical validation: the same pydantic model, the same
validators), then answers 201 with a small JSON body. No database, no auth, no
middleware. It is served by uvicorn with the same options as ``touchpoint serve``
(uvicorn's default ``auto`` loop and HTTP implementation, i.e. uvloop and httptools
when installed, access log off, no server header)::

    python bench/bare_app.py --port 8100 --workers 1

``bench/run.py`` starts it next to the real service and reports the service's
single-ingest figures as a ratio to this endpoint's, measured in the same run.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from starlette.responses import Response

from app.responses.schemas import ResponseCreate


def create_app() -> FastAPI:
    app = FastAPI(title="bare ingest ceiling")

    @app.post("/v1/responses", status_code=201)
    async def create_response(body: ResponseCreate) -> Response:
        # A small JSON body, built by hand: no serialisation cost beyond the id.
        content = b'{"id":"%s","metric":"%s","score":%d}' % (
            uuid.uuid4().hex.encode(),
            body.metric.value.encode(),
            body.score,
        )
        return Response(content, status_code=201, media_type="application/json")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bare_app:create_app",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent),
        host=args.host,
        port=args.port,
        workers=args.workers,
        # As `touchpoint serve`: loop/http left at "auto" (uvloop, httptools).
        access_log=False,
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=30,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
