"""Every domain's tables on one metadata, for Alembic and the tests."""

from app.counts.models import DimensionCounts, HourlyCounts
from app.db import Base
from app.instance.models import InstanceSecret
from app.keys.models import ApiKey
from app.responses.models import SurveyResponse
from app.surveys.models import Survey

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "DimensionCounts",
    "HourlyCounts",
    "InstanceSecret",
    "Survey",
    "SurveyResponse",
    "metadata",
]
