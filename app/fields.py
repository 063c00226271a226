"""Field types shared by the request schemas of several domains."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
)

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"

Slug = Annotated[
    str,
    StringConstraints(pattern=SLUG_PATTERN),
    Field(description="Lower-case slug: `[a-z0-9][a-z0-9._-]{0,63}`", examples=["checkout"]),
]


def _reject_nul(text: str) -> str:
    # PostgreSQL text cannot hold U+0000; refuse it everywhere so both databases agree.
    if "\x00" in text:
        raise ValueError("may not contain the NUL character (U+0000)")
    return text


NoNul = AfterValidator(_reject_nul)
EARLIEST_YEAR, LATEST_YEAR = 1000, 9000


def format_timestamp(value: datetime) -> str:
    """UTC, second precision, ``Z`` suffix: how every timestamp leaves this service."""
    # isoformat is several times faster than strftime, which matters three times a response.
    return value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def _iso_text_with_offset(value: object) -> object:
    """ISO 8601 text with an offset only: never a guessed zone, never a Unix number."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("timestamps are ISO 8601 text, e.g. 2026-11-20T14:03:11Z")
    if value and not _has_offset(value):
        raise ValueError(
            "timestamps need an offset, e.g. 2026-11-20T14:03:11Z "
            "(in a URL, write + as %2B: a bare + reads as a space)"
        )
    return value


def _has_offset(text: str) -> bool:
    tail = text[10:]
    return tail.endswith(("Z", "z")) or "+" in tail or "-" in tail


def _calendar_range(value: datetime) -> datetime:
    # Far enough from year 1 and 9999 that window arithmetic cannot overflow.
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"timestamps lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text_with_offset),
    AfterValidator(_calendar_range),
    PlainSerializer(format_timestamp, return_type=str),
    Field(examples=["2026-11-20T14:03:11Z"]),
]
