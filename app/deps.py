"""The shared dependencies, each named once and used as a parameter type.

This module stands above the domains: it gathers the aliases their owners define
(``app/web.py``, ``app/keys/auth.py``, ``app/responses/dependencies.py``,
``app/dimensions/params.py``) for the routers of other packages. A domain's own router
imports its aliases from where they are defined, never from here.
"""

from __future__ import annotations

from app.dimensions.params import ChannelQuery, DimensionParams, Dimensions, SlugQuery
from app.keys.auth import (
    Admin,
    KeyCacheDep,
    OptionalCaller,
    ResponsesReader,
    ResponsesWriter,
    ScoresReader,
    requires,
)
from app.responses.dependencies import ExportCursorsDep, IngestDep
from app.web import DatabaseDep, SettingsDep, json_response

__all__ = [
    "Admin",
    "ChannelQuery",
    "DatabaseDep",
    "DimensionParams",
    "Dimensions",
    "ExportCursorsDep",
    "IngestDep",
    "KeyCacheDep",
    "OptionalCaller",
    "ResponsesReader",
    "ResponsesWriter",
    "ScoresReader",
    "SettingsDep",
    "SlugQuery",
    "json_response",
    "requires",
]
