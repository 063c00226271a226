"""The channels an answer can arrive through: a dimension every filter and rollup knows."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    KIOSK = "kiosk"
    POS = "pos"
    API = "api"
