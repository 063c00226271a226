"""The ingest service and the export cursor signer, as the lifespan built them for this app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.responses.export_cursors import CursorSigner
from app.responses.service import Ingest


# Every dependency is `async def`: FastAPI runs plain functions in a worker thread.
async def _ingest(request: Request) -> Ingest:
    ingest: Ingest = request.app.state.ingest
    return ingest


async def _export_cursors(request: Request) -> CursorSigner:
    cursors: CursorSigner = request.app.state.export_cursors
    return cursors


IngestDep = Annotated[Ingest, Depends(_ingest)]
ExportCursorsDep = Annotated[CursorSigner, Depends(_export_cursors)]
