"""What a customer reads: the question, its end labels, the follow-up prompt, the thanks.

Built-in texts exist for every metric in English, Polish and Estonian, written as a
native speaker would say them (Polish in the informal "ty" of Polish shops and without
gendered forms; Estonian in the polite "teie"). A survey may override any of them per
locale and name its brand (see app/surveys/service.py).
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
    "pl": "Co najbardziej wpłynęło na Twoją ocenę?",
    "et": "Mis mõjutas teie hinnangut kõige rohkem?",
}
_THANKS = {
    "en": "Thank you for your feedback!",
    "pl": "Dziękujemy za opinię!",
    "et": "Aitäh tagasiside eest!",
}
# A brand name is not declined: Polish puts it after "firmę"/"firmy"/"w firmie" and Estonian
# after "ettevõtet"/"ettevõttega"/"ettevõtte", which take the case instead ("w firmie Żabka",
# never a wrong "w Żabka"). A survey that wants "w Żabce" sets its own question.
_TEXTS: dict[str, dict[str, _Texts]] = {
    "nps": {
        "en": _Texts(
            "How likely are you to recommend us to a friend or colleague?",
            "How likely are you to recommend {brand} to a friend or colleague?",
            "Not at all likely",
            "Extremely likely",
        ),
        "pl": _Texts(
            "Na ile prawdopodobne jest, że polecisz nas znajomemu lub współpracownikowi?",
            "Na ile prawdopodobne jest, że polecisz firmę {brand} znajomemu lub współpracownikowi?",
            "Na pewno nie polecę",
            "Na pewno polecę",
        ),
        "et": _Texts(
            "Kui tõenäoliselt soovitaksite meid oma sõbrale või kolleegile?",
            "Kui tõenäoliselt soovitaksite ettevõtet {brand} oma sõbrale või kolleegile?",
            "Kindlasti ei soovita",
            "Kindlasti soovitan",
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
            "Jak łatwo było załatwić Twoją sprawę w firmie {brand}?",
            "Bardzo trudno",
            "Bardzo łatwo",
        ),
        "et": _Texts(
            "Kui lihtne oli teil meiega asju ajada?",
            "Kui lihtne oli teil ettevõttega {brand} asju ajada?",
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
            "Jak oceniasz obsługę w firmie {brand}?",
            "Bardzo źle",
            "Bardzo dobrze",
        ),
        "et": _Texts(
            "Kui rahul olete meie teenindusega?",
            "Kui rahul olete ettevõtte {brand} teenindusega?",
            "Üldse ei ole rahul",
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
    """Tags by descending q-value (RFC 9110 §12.5.4), ties in header order; q=0 dropped."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                quality = _quality(value.strip())
        if tag and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _quality(value: str) -> float:
    try:
        quality = float(value)
    except ValueError:
        return 0.0
    return quality if 0.0 <= quality <= 1.0 else 0.0  # NaN fails both comparisons


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
