"""What the kiosk's setup check answers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class KioskSetupRead(BaseModel):
    """How an answer from this kiosk will be recorded: its configuration, as the key allows."""

    survey: str
    touchpoint: str | None
    location: str | None = Field(
        description="The key's own location when it is bound to one, else the one asked."
    )
    channel: str = Field(examples=["kiosk"])
