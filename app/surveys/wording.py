"""What a customer reads: the question, its end labels, the follow-up prompt, the thanks.

Built-in texts exist for every metric in English, Polish and Estonian, written as a
native speaker would say them (Polish in the informal "ty" of Polish shops and without
gendered forms; Estonian in the polite "teie"). A survey may override the question and
the follow-up prompt per locale and name its brand (see app/surveys/service.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SUPPORTED_LOCALES = ("en", "pl", "et")
DEFAULT_LOCALE = "en"


@dataclass(frozen=True)
class Wording:
    locale: str
    brand: str | None
    question: str
    low_label: str
    high_label: str
    followup: str
    thanks: str


@dataclass(frozen=True)
class _Texts:
    question: str  # about "us"
    branded_question: str  # names the brand: {brand}
    low_label: str
    high_label: str


_FOLLOWUP = {
    "en": "What is the main reason for your score?",
    "pl": "Co jest głównym powodem Twojej oceny?",
    "et": "Mis on teie hinnangu peamine põhjus?",
}
_THANKS = {
    "en": "Thank you for your feedback!",
    "pl": "Dziękujemy za opinię!",
    "et": "Aitäh tagasiside eest!",
}
_TEXTS: dict[str, dict[str, _Texts]] = {
    "nps": {
        "en": _Texts(
            "How likely are you to recommend us to a friend or colleague?",
            "How likely are you to recommend {brand} to a friend or colleague?",
            "Not at all likely",
            "Extremely likely",
        ),
        "pl": _Texts(
            "Jak bardzo prawdopodobne jest, że polecisz nas znajomemu lub współpracownikowi?",
            "Jak bardzo prawdopodobne jest, że polecisz {brand} znajomemu lub współpracownikowi?",
            "Bardzo mało prawdopodobne",
            "Bardzo prawdopodobne",
        ),
        "et": _Texts(
            "Kui tõenäoliselt soovitaksite meid oma sõbrale või kolleegile?",
            "Kui tõenäoliselt soovitaksite ettevõtet {brand} oma sõbrale või kolleegile?",
            "Väga ebatõenäoliselt",
            "Väga tõenäoliselt",
        ),
    },
    "ces": {
        "en": _Texts(
            "How easy was it to get what you needed?",
            "How easy was it to get what you needed from {brand}?",
            "Very difficult",
            "Very easy",
        ),
        "pl": _Texts(
            "Jak łatwo było załatwić Twoją sprawę?",
            "Jak łatwo było załatwić Twoją sprawę w {brand}?",
            "Bardzo trudno",
            "Bardzo łatwo",
        ),
        "et": _Texts(
            "Kui lihtne oli teil oma asi ära ajada?",
            "Kui lihtne oli teil ettevõttes {brand} oma asi ära ajada?",
            "Väga raske",
            "Väga lihtne",
        ),
    },
    "csat": {
        "en": _Texts(
            "How satisfied are you with your experience?",
            "How satisfied are you with your experience with {brand}?",
            "Very dissatisfied",
            "Very satisfied",
        ),
        "pl": _Texts(
            "Jak oceniasz naszą obsługę?",
            "Jak oceniasz obsługę w {brand}?",
            "Bardzo źle",
            "Bardzo dobrze",
        ),
        "et": _Texts(
            "Kui rahul te meie teenindusega olete?",
            "Kui rahul te ettevõtte {brand} teenindusega olete?",
            "Väga rahulolematu",
            "Väga rahul",
        ),
    },
}


def pick_locale(*preferences: str | None) -> str:
    """The first supported language among `preferences`, most preferred first.

    Each preference is a BCP 47 tag (``pl-PL``) or a whole Accept-Language header
    (``et-EE,et;q=0.9,en;q=0.8``); only the primary subtag counts. English otherwise.
    """
    for preference in preferences:
        for tag in _ranked_tags(preference or ""):
            primary = tag.split("-", 1)[0].lower()
            if primary in SUPPORTED_LOCALES:
                return primary
    return DEFAULT_LOCALE


def _ranked_tags(header: str) -> Iterable[str]:
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def default_wording(metric: str, locale: str, brand: str | None = None) -> Wording:
    """The built-in texts of `metric` in `locale` (a supported one), naming `brand` if given."""
    texts = _TEXTS[metric][locale]
    question = texts.branded_question.format(brand=brand) if brand else texts.question
    return Wording(
        locale=locale,
        brand=brand,
        question=question,
        low_label=texts.low_label,
        high_label=texts.high_label,
        followup=_FOLLOWUP[locale],
        thanks=_THANKS[locale],
    )
