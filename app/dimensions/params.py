"""The dimension filters every listing and score endpoint takes, read from the query string."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from app.dimensions.channels import Channel
from app.dimensions.filters import ResponseFilter
from app.fields import Slug

SlugQuery = Annotated[
    list[Slug] | None,
    Query(description="Repeat to match any of several values", max_length=100),
]


ChannelQuery = Annotated[list[Channel] | None, Query(max_length=5)]


@dataclass(frozen=True)
class DimensionParams:
    """The dimension filters every listing and score endpoint takes."""

    survey: tuple[str, ...]
    touchpoint: tuple[str, ...]
    channel: tuple[str, ...]
    location: tuple[str, ...]

    def to_filter(
        self, metric: str | None, since: datetime | None, until: datetime | None
    ) -> ResponseFilter:
        return ResponseFilter(
            metric=metric,
            surveys=self.survey,
            touchpoints=self.touchpoint,
            channels=self.channel,
            locations=self.location,
            since=since,
            until=until,
        )


# An async function, not the class itself: FastAPI runs plain callables in a thread pool.
async def _dimensions(
    survey: SlugQuery = None,
    touchpoint: SlugQuery = None,
    channel: ChannelQuery = None,
    location: SlugQuery = None,
) -> DimensionParams:
    return DimensionParams(
        survey=tuple(survey or ()),
        touchpoint=tuple(touchpoint or ()),
        channel=tuple(value.value for value in channel or ()),
        location=tuple(location or ()),
    )


Dimensions = Annotated[DimensionParams, Depends(_dimensions)]
