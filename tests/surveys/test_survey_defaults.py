"""The built-in texts and the choice of language: no database, no app."""

from __future__ import annotations

import itertools
import re
from dataclasses import fields
from pathlib import Path

import pytest

from app.scoring.metrics import Metric
from app.surveys.wording import SUPPORTED_LOCALES, Wording, default_wording, pick_locale

METRICS = list(Metric)
TEXT_FIELDS = ("question", "low_label", "high_label", "followup", "thanks")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_metric_has_every_text_in_every_language(metric: Metric, locale: str) -> None:
    wording = default_wording(metric, locale)

    assert wording.locale == locale
    assert wording.brand is None
    for name in TEXT_FIELDS:
        text = getattr(wording, name)
        assert text.strip() == text, (name, text)
        assert text, name
        assert "{" not in text, f"{name} has a placeholder left: {text}"
    assert wording.low_label != wording.high_label
    assert wording.question.endswith("?")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize(("first", "second"), list(itertools.combinations(SUPPORTED_LOCALES, 2)))
def test_each_language_has_its_own_texts(metric: Metric, first: str, second: str) -> None:
    one, other = default_wording(metric, first), default_wording(metric, second)

    same = [name for name in TEXT_FIELDS if getattr(one, name) == getattr(other, name)]

    assert not same, f"{metric} {first}/{second} share {same}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_each_metric_asks_its_own_question(locale: str) -> None:
    questions = {default_wording(metric, locale).question for metric in METRICS}

    assert len(questions) == len(METRICS)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_brand_is_named_in_the_question_and_nowhere_else(metric: Metric, locale: str) -> None:
    plain = default_wording(metric, locale)
    branded = default_wording(metric, locale, "Żabka {x}")

    assert "Żabka {x}" in branded.question
    assert branded.brand == "Żabka {x}"
    unchanged = [f.name for f in fields(Wording) if f.name not in ("question", "brand")]
    assert all(getattr(plain, name) == getattr(branded, name) for name in unchanged)


@pytest.mark.parametrize(
    ("locale", "question"),
    [
        ("en", "How likely are you to recommend Acme to a friend or colleague?"),
        (
            "pl",
            "Na ile prawdopodobne jest, że polecisz firmę Acme znajomemu lub współpracownikowi?",
        ),
        ("et", "Kui tõenäoliselt soovitaksite ettevõtet Acme oma sõbrale või kolleegile?"),
    ],
)
def test_the_brand_needs_no_declension(locale: str, question: str) -> None:
    # "firmę X", "ettevõtet X": the common noun takes the case, the name stays as written.
    assert default_wording(Metric.NPS, locale, "Acme").question == question


# Past-tense and adjective forms that would make a Polish text speak to men or women only.
GENDERED_POLISH = re.compile(r"\b\w+(łeś|łaś|łbyś|łabyś)\b|\bzadowolon[ya]\b", re.IGNORECASE)
# Estonian informal "you" (sina); the texts address customers with the polite "teie".
INFORMAL_ESTONIAN = {"sa", "sina", "sinu", "sul", "sulle", "sind", "soovitaksid", "olid"}


@pytest.mark.parametrize("metric", METRICS)
def test_polish_is_informal_and_not_gendered(metric: Metric) -> None:
    wording = default_wording(metric, "pl", "Acme")
    texts = " ".join(getattr(wording, name) for name in TEXT_FIELDS)

    assert not GENDERED_POLISH.search(texts), texts


@pytest.mark.parametrize("metric", METRICS)
def test_estonian_addresses_the_customer_politely(metric: Metric) -> None:
    wording = default_wording(metric, "et", "Acme")
    words = set(re.findall(r"\w+", " ".join(getattr(wording, n) for n in TEXT_FIELDS).lower()))

    assert not words & INFORMAL_ESTONIAN, words & INFORMAL_ESTONIAN


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [
        (("pl",), "pl"),
        (("et",), "et"),
        (("en",), "en"),
        (("pl-PL",), "pl"),
        (("ET-ee",), "et"),
        (("en-GB",), "en"),
        (("de",), "en"),
        ((None,), "en"),
        (("",), "en"),
        ((), "en"),
        # An explicit choice wins over the browser's.
        (("et", "pl-PL,pl;q=0.9"), "et"),
        # An unsupported explicit choice falls through to the browser's languages.
        (("de", "pl-PL,pl;q=0.9,en;q=0.8"), "pl"),
        ((None, "pl-PL,pl;q=0.9,en;q=0.8"), "pl"),
        # Ranked by q-value, not by position.
        ((None, "en;q=0.5, pl;q=0.9"), "pl"),
        ((None, "de-DE,de;q=0.9,et;q=0.8,en;q=0.7"), "et"),
        # Equal q-values keep the header's order.
        ((None, "et, pl"), "et"),
        ((None, "pl;q=0.5, et;q=0.5"), "pl"),
        # q=0 means "not this one".
        ((None, "pl;q=0, fr"), "en"),
        ((None, "et;q=0.0, pl;q=0.1"), "pl"),
        # Other parameters, spaces, capitals.
        ((None, "en;level=1;q=0.1, pl;q=0.5"), "pl"),
        ((None, " pl ; Q=0.7 , et ; q=0.6"), "pl"),
        # Nonsense q-values do not rank a tag first.
        ((None, "pl;q=abc, et;q=0.5"), "et"),
        ((None, "pl;q=2, et;q=0.5"), "et"),
        ((None, "pl;q=nan, et;q=0.5"), "et"),
        ((None, "*"), "en"),
        ((None, "*, pl;q=0.5"), "pl"),
        ((None, "fr-CA, fr;q=0.9"), "en"),
        ((None, ",,;q=1,"), "en"),
    ],
)
def test_pick_locale(preferences: tuple[str | None, ...], expected: str) -> None:
    assert pick_locale(*preferences) == expected


def test_docs_show_every_built_in_text(repo_root: Path) -> None:
    docs = (repo_root / "docs" / "surveys.md").read_text(encoding="utf-8")
    expected_rows = []
    for metric in METRICS:
        for locale in SUPPORTED_LOCALES:
            plain, branded = (
                default_wording(metric, locale),
                default_wording(metric, locale, "Acme"),
            )
            cells = [f"`{metric}`", f"`{locale}`", plain.question, branded.question]
            expected_rows.append([*cells, plain.low_label, plain.high_label])
    for locale in SUPPORTED_LOCALES:
        plain = default_wording(Metric.NPS, locale)
        expected_rows.append([f"`{locale}`", plain.followup, plain.thanks])

    missing = [row for row in expected_rows if "| " + " | ".join(row) + " |" not in docs]

    assert not missing, f"docs/surveys.md is out of date with app/surveys/wording.py: {missing}"
