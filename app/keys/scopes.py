from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    RESPONSES_WRITE = "responses:write"
    RESPONSES_READ = "responses:read"
    SCORES_READ = "scores:read"
    ADMIN = "admin"
