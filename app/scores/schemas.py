"""Shapes of the score answers, for the API documentation (the service builds plain dicts)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ScoreSummary(BaseModel):
    score: float | None = Field(
        description="NPS −100…100, or the top-box % for CES/CSAT; null with no responses"
    )
    responses: int
    promoters: int | None = Field(None, description="NPS only")
    passives: int | None = Field(None, description="NPS only")
    detractors: int | None = Field(None, description="NPS only")
    promoters_pct: float | None = None
    passives_pct: float | None = None
    detractors_pct: float | None = None
    top_box: int | None = Field(None, description="CES (5–7) and CSAT (4–5) only")
    top_box_pct: float | None = None
    mean: float | None = Field(None, description="CES and CSAT only")
    margin_of_error: float | None = Field(description="Half the width of the 95% interval")
    ci_low: float | None
    ci_high: float | None
    distribution: dict[str, int] = Field(description="Count per scale value, zeros included")


class Change(BaseModel):
    change: float | None = None
    change_significant: bool | None = None


class ScoreGroup(ScoreSummary, Change):
    key: str | None
    previous: ScoreSummary | None = None


class ScoreReport(Change):
    metric: str
    since: str
    until: str
    filters: dict[str, list[str]]
    overall: ScoreSummary
    groups: list[ScoreGroup] | None = None
    previous: ScoreSummary | None = None


class SeriesPoint(ScoreSummary):
    at: str


class SeriesGroup(BaseModel):
    key: str | None
    points: list[SeriesPoint]


class SeriesReport(BaseModel):
    metric: str
    interval: str
    window: str
    tz: str
    since: str
    until: str
    filters: dict[str, list[str]]
    points: list[SeriesPoint] | None = None
    groups: list[SeriesGroup] | None = None
