from __future__ import annotations

from app.problems import Forbidden


class OriginNotAllowed(Forbidden):
    slug = "origin-not-allowed"
    title = "This origin may not call the API from a browser"
