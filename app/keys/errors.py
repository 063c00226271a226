from __future__ import annotations

from app.problems import NotFound


class KeyNotFound(NotFound):
    slug = "key-not-found"
    title = "No such API key"
