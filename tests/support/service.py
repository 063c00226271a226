"""The app in-process with an httpx client: what the ``service`` fixture hands a test."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from app.config import Settings
from app.db import Database
from app.keys import service as keys_service
from app.keys.schemas import KeyCreate
from app.keys.scopes import Scope
from app.keys.tokens import KeyKind


@dataclass
class Service:
    """The app in-process, its database, and an httpx client to it."""

    client: httpx.AsyncClient
    db: Database
    settings: Settings

    async def key(self, *scopes: Scope, kind: KeyKind = KeyKind.SECRET, **extra: object) -> str:
        request = KeyCreate.model_validate(
            {"name": "test", "kind": kind, "scopes": list(scopes), **extra}
        )
        return (await keys_service.create(self.db, request)).key

    async def client_with(
        self, *scopes: Scope, kind: KeyKind = KeyKind.SECRET, **extra: object
    ) -> httpx.AsyncClient:
        key = await self.key(*scopes, kind=kind, **extra)
        headers = {"Authorization": f"Bearer {key}", **self.client.headers}
        return httpx.AsyncClient(
            transport=self.client._transport, base_url=self.client.base_url, headers=headers
        )
