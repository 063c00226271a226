from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from app.fields import Slug, Timestamp
from app.responses.schemas import Locale, PropertyKey, PropertyValue, RespondentId
from app.scoring.metrics import Metric

DEFAULT_DAYS = 30
MAX_DAYS = 90


class EmailLinkCreate(BaseModel):
    """One respondent's links for one survey question. Unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")

    metric: Metric
    survey: Slug = "default"
    respondent: RespondentId | None = Field(
        default=None,
        description="External id; carried in the link only as its keyed hash, never in clear",
    )
    touchpoint: Slug | None = None
    location: Slug | None = None
    locale: Locale | None = Field(
        default=None, description="Language of the email block and the pages (en, pl, et)"
    )
    properties: dict[PropertyKey, PropertyValue] = Field(
        default_factory=dict,
        max_length=20,
        description=(
            "Stored with the answer; readable by whoever holds the link (signed, not encrypted)"
        ),
    )
    expires_in_days: StrictInt = Field(default=DEFAULT_DAYS, ge=1, le=MAX_DAYS)


class ScoreLink(BaseModel):
    score: int
    url: str


class EmailLinkCreated(BaseModel):
    token: str = Field(description="Signed; carries the answer's context and its expiry")
    token_id: str = Field(
        description=(
            "Names the token without granting anything; its answer's idempotency key is "
            "`email-link:<token_id>`"
        )
    )
    expires_at: Timestamp
    links: list[ScoreLink] = Field(description="One per score of the metric's scale, in order")
    html: str = Field(description="Email-safe block: tables and inline styles only")
    text: str = Field(description="Plain-text fallback: the question and one line per score")
