from __future__ import annotations

from app.problems import NotFound


class SurveyNotFound(NotFound):
    slug = "survey-not-found"
    title = "No wording is stored for this survey"
