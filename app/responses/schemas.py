from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from app.dimensions.channels import Channel
from app.fields import NoNul, Slug, Timestamp
from app.respondent_ids.accepted import erasable
from app.scoring.metrics import SCALE, Metric

MAX_FUTURE = timedelta(minutes=5)
# A tablet whose clock reset to 1970 must not file its answers under 1970.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_BATCH = 1000
MAX_COMMENT = 5000
MAX_IDEMPOTENCY_KEY = 255
MAX_HONEYPOT = 1000

PropertyKey = Annotated[str, StringConstraints(min_length=1, max_length=64), NoNul]
PropertyValue = Annotated[str, StringConstraints(max_length=256), NoNul]
Locale = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$", max_length=35),
    Field(examples=["pl", "en-GB"]),
]
# Only ids that DELETE /v1/respondents/{respondent} can name (see app/respondent_ids/accepted.py).
RespondentId = Annotated[
    str, StringConstraints(min_length=1, max_length=255), NoNul, AfterValidator(erasable)
]
IdempotencyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_IDEMPOTENCY_KEY), NoNul
]


class ResponseCreate(BaseModel):
    """A new answer. Unknown fields are rejected so that a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")

    metric: Metric
    score: StrictInt = Field(description="On the metric's scale: NPS 0–10, CES 1–7, CSAT 1–5")
    comment: Annotated[str, StringConstraints(max_length=MAX_COMMENT), NoNul] | None = None
    survey: Slug = "default"
    touchpoint: Slug | None = None
    channel: Channel = Channel.API
    location: Slug | None = None
    respondent: RespondentId | None = Field(
        default=None, description="External id; write-only, stored as a keyed hash"
    )
    properties: dict[PropertyKey, PropertyValue] = Field(default_factory=dict, max_length=20)
    locale: Locale | None = None
    responded_at: Timestamp | None = Field(
        default=None, description="When the customer answered; at most 5 minutes ahead"
    )
    idempotency_key: IdempotencyKey | None = None
    honeypot: str | None = Field(
        default=None,
        max_length=MAX_HONEYPOT,
        description=(
            "Leave out or empty. The website widget sends the value of a field that people "
            "never see; when it is filled in, the answer is a bot's: it gets the usual 201 "
            "but is not stored. Only `POST /v1/responses` takes it."
        ),
    )

    # Field validators, not a model validator: the problem must name the field at fault.
    @field_validator("score")
    @classmethod
    def _score_on_scale(cls, score: int, info: ValidationInfo) -> int:
        metric = info.data.get("metric")
        if metric is None:  # the metric itself is invalid, and reported
            return score
        scale = SCALE[metric]
        if score not in scale:
            raise ValueError(f"{metric.value} scores are integers {scale.start}–{scale.stop - 1}")
        return score

    @field_validator("responded_at")
    @classmethod
    def _plausible_time(cls, responded_at: datetime | None) -> datetime | None:
        if responded_at is None:
            return None
        if responded_at > datetime.now(UTC) + MAX_FUTURE:
            raise ValueError("more than 5 minutes in the future")
        if responded_at < EARLIEST:
            raise ValueError("before 2000-01-01; is the device clock set?")
        return responded_at


class ResponseRead(BaseModel):
    """A stored answer, as every read and write endpoint returns it."""

    id: str
    metric: Metric
    score: int
    comment: str | None
    survey: str
    touchpoint: str | None
    channel: Channel
    location: str | None
    properties: dict[str, str]
    locale: str | None
    responded_at: Timestamp
    received_at: Timestamp
    updated_at: Timestamp
    idempotency_key: str | None


class ResponseCreated(ResponseRead):
    followup_token: str | None = Field(
        default=None,
        description=(
            "Only for publishable and kiosk keys: lets that page add the comment of this "
            "response with PATCH for one hour, without a secret key"
        ),
    )


class ResponsePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    followup_token: str | None = Field(
        default=None, max_length=512, description="Instead of a secret key: see `ResponseCreated`"
    )

    comment: Annotated[str, StringConstraints(max_length=MAX_COMMENT), NoNul] | None = Field(
        description="The follow-up answer; null removes it"
    )


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Items are validated one by one so a bad item cannot sink the good ones (not even
    # one that is not an object at all: it gets its own "invalid" result).
    responses: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        json_schema_extra={"items": {"$ref": "#/components/schemas/ResponseCreate"}},
    )


class BatchItemError(BaseModel):
    field: str
    message: str


class BatchItemResult(BaseModel):
    index: int
    status: Literal["created", "duplicate", "conflict", "invalid"]
    id: str | None = None
    errors: list[BatchItemError] | None = None


class BatchResult(BaseModel):
    results: list[BatchItemResult]


class ResponsePage(BaseModel):
    data: list[ResponseRead]
    next_cursor: str | None
