from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.fields import Timestamp
from app.scoring.metrics import Metric

MAX_TEXT = 300
MAX_LABEL = 60
MAX_BRAND = 100
# Categories a one-line customer-facing text never needs: control characters (NUL, tabs,
# newlines, escapes), lone surrogates (PostgreSQL refuses them) and line/paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})

LocaleCode = Literal["en", "pl", "et"]


def _one_line_of_text(text: str) -> str:
    for character in text:
        if unicodedata.category(character) in _FORBIDDEN_CATEGORIES:
            raise ValueError(
                f"may not contain control characters or line breaks (found U+{ord(character):04X})"
            )
    return text


OneLine = AfterValidator(_one_line_of_text)
Question = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT),
    OneLine,
    Field(examples=["How likely are you to recommend Acme to a friend?"]),
]
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LABEL),
    OneLine,
]
Followup = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT),
    OneLine,
    Field(examples=["What could we do better?"]),
]
Thanks = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT),
    OneLine,
    Field(examples=["Thank you, see you soon!"]),
]
Brand = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BRAND),
    OneLine,
    Field(examples=["Acme"]),
]
SCALE_TEXTS = ("question", "low_label", "high_label")


class LocaleTexts(BaseModel):
    """A survey's own texts in one language; a text left out keeps the built-in one."""

    model_config = ConfigDict(extra="forbid")

    question: Question | None = None
    low_label: Label | None = Field(
        default=None, description="Under the lowest score", examples=["Not likely at all"]
    )
    high_label: Label | None = Field(
        default=None, description="Under the highest score", examples=["Very likely"]
    )
    followup: Followup | None = Field(default=None, description="The comment box's prompt")
    thanks: Thanks | None = None

    @model_validator(mode="after")
    def _says_something(self) -> LocaleTexts:
        if not self.model_dump(exclude_none=True):
            raise ValueError("give at least one text, or leave this language out")
        return self

    def scale_texts(self) -> bool:
        return any(getattr(self, name) is not None for name in SCALE_TEXTS)


class SurveyTexts(BaseModel):
    """A survey's own texts per language; a language left out keeps the built-in texts."""

    model_config = ConfigDict(extra="forbid")

    en: LocaleTexts | None = None
    pl: LocaleTexts | None = None
    et: LocaleTexts | None = None

    def given(self) -> list[LocaleTexts]:
        return [texts for texts in (self.en, self.pl, self.et) if texts is not None]


class SurveyWording(BaseModel):
    """The whole wording of a survey: PUT replaces what was stored before."""

    model_config = ConfigDict(extra="forbid")

    brand: Brand | None = Field(
        default=None, description="Named in the built-in questions instead of “us”"
    )
    metric: Metric | None = Field(
        default=None,
        description=(
            "The metric your questions and end labels are written for (required with them); "
            "asked with another metric, the survey shows that metric's built-in question"
        ),
    )
    texts: SurveyTexts = Field(default_factory=SurveyTexts)

    # The message starts with the field it is about: the problem's errors[].field names it.
    @model_validator(mode="after")
    def _scale_texts_name_their_metric(self) -> SurveyWording:
        if self.metric is None and any(texts.scale_texts() for texts in self.texts.given()):
            raise ValueError(
                "metric: say which metric (nps, ces, csat) your question and labels are for"
            )
        return self

    def stored_texts(self) -> dict[str, dict[str, str]]:
        texts: dict[str, dict[str, str]] = self.texts.model_dump(exclude_none=True)
        return texts


class SurveyRead(BaseModel):
    survey: str
    brand: str | None
    metric: Metric | None
    texts: SurveyTexts = Field(description="Only the texts that were set")
    created_at: Timestamp
    updated_at: Timestamp

    def to_api(self) -> dict[str, Any]:
        content = self.model_dump(mode="json")
        content["texts"] = self.texts.model_dump(exclude_none=True)
        return content


class SurveyList(BaseModel):
    data: list[SurveyRead]


class WordingRead(BaseModel):
    """What a customer-facing channel shows, in one language, built-in texts filled in."""

    survey: str
    metric: Metric
    locale: LocaleCode
    brand: str | None
    question: str
    low_label: str
    high_label: str
    followup: str
    thanks: str
