"""A kiosk's configuration: the query string of the address staff open on the tablet.

    /kiosk?survey=store&metric=nps&touchpoint=exit&location=store-12&locale=pl#key=tp_kk_…

The key travels in the fragment, which browsers never send, so it is not seen here.
Every parameter is checked and all mistakes are reported at once, by name: a typo such
as ``locaton=`` must not silently record answers without their location.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.fields import SLUG_PATTERN
from app.scoring.metrics import SCALE, Metric
from app.surveys.wording import SUPPORTED_LOCALES, pick_locale

_SLUG = re.compile(SLUG_PATTERN)
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")
_SECONDS = re.compile(r"^[0-9]{1,4}(\.[0-9]{1,3})?$")


@dataclass(frozen=True)
class Seconds:
    default: float
    low: float
    high: float
    # What _seconds() accepts, as one regular expression for openapi.yaml (a test holds
    # the two equal over every value of the form): 1-4 digits, up to 3 decimals, in range.
    pattern: str


_ONE_TO_599 = r"0{0,3}[1-9]|0{0,2}[1-9][0-9]|0?[1-5][0-9]{2}"
_DECIMALS = r"(\.[0-9]{1,3})?"
_600 = r"0?600(\.0{1,3})?"

# How long the thank-you shows; how long taps on the question are ignored after an
# answer (one person, one answer); how long the comment step waits for input.
TIMINGS = {
    "reset": Seconds(
        default=5,
        low=0.2,
        high=600,
        pattern=rf"^(({_ONE_TO_599}){_DECIMALS}|{_600}|0{{1,4}}\.[2-9][0-9]{{0,2}})$",
    ),
    "guard": Seconds(
        default=3,
        low=0,
        high=60,
        pattern=rf"^((0{{0,3}}[0-9]|0{{0,2}}[1-5][0-9]){_DECIMALS}|0{{0,2}}60(\.0{{1,3}})?)$",
    ),
    "idle": Seconds(default=30, low=1, high=600, pattern=rf"^(({_ONE_TO_599}){_DECIMALS}|{_600})$"),
}
SLUGS = ("survey", "touchpoint", "location")
KNOWN = ("metric", *SLUGS, "locale", *TIMINGS)


@dataclass(frozen=True)
class KioskConfig:
    metric: Metric
    locale: str  # one of SUPPORTED_LOCALES
    survey: str = "default"
    touchpoint: str | None = None
    location: str | None = None
    reset: float = TIMINGS["reset"].default
    guard: float = TIMINGS["guard"].default
    idle: float = TIMINGS["idle"].default

    @property
    def scale(self) -> range:
        return SCALE[self.metric]


@dataclass(frozen=True)
class ConfigProblem:
    """One wrong parameter; ``text`` names a string of KioskTexts, ``values`` fills it."""

    parameter: str
    text: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigRejected:
    locale: str  # for the page that explains the problems to staff
    problems: list[ConfigProblem]


def parse(
    query: Sequence[tuple[str, str]], accept_language: str | None
) -> KioskConfig | ConfigRejected:
    """The configuration in ``query`` (name, value pairs in order), or every problem in it."""
    problems: list[ConfigProblem] = []
    values: dict[str, str] = {}
    for name, value in query:
        if name not in KNOWN:
            problems.append(ConfigProblem(name, "config_unknown"))
        elif name in values:
            if not any(p.parameter == name and p.text == "config_repeated" for p in problems):
                problems.append(ConfigProblem(name, "config_repeated"))
        else:
            values[name] = value

    metric = _metric(values.get("metric"), problems)
    for name in SLUGS:
        if name in values and not _SLUG.match(values[name]):
            problems.append(ConfigProblem(name, "config_slug"))
    locale = _locale(values.get("locale"), accept_language, problems)
    seconds = {name: _seconds(name, values.get(name), problems) for name in TIMINGS}

    if problems or metric is None:
        return ConfigRejected(locale, problems)
    return KioskConfig(
        metric=metric,
        locale=locale,
        survey=values.get("survey", "default"),
        touchpoint=values.get("touchpoint"),
        location=values.get("location"),
        reset=seconds["reset"],
        guard=seconds["guard"],
        idle=seconds["idle"],
    )


def _metric(value: str | None, problems: list[ConfigProblem]) -> Metric | None:
    if value is None:
        problems.append(ConfigProblem("metric", "config_required"))
        return None
    try:
        return Metric(value)
    except ValueError:
        problems.append(ConfigProblem("metric", "config_metric"))
        return None


def _locale(value: str | None, accept_language: str | None, problems: list[ConfigProblem]) -> str:
    if value is not None:
        primary = value.split("-", 1)[0].lower()
        if _LOCALE.match(value) and primary in SUPPORTED_LOCALES:
            return primary
        problems.append(ConfigProblem("locale", "config_locale"))
    return pick_locale(accept_language)


def _seconds(name: str, value: str | None, problems: list[ConfigProblem]) -> float:
    timing = TIMINGS[name]
    if value is None:
        return timing.default
    if _SECONDS.match(value) and timing.low <= float(value) <= timing.high:
        return float(value)
    bounds = {"low": f"{timing.low:g}", "high": f"{timing.high:g}"}
    problems.append(ConfigProblem(name, "config_seconds", bounds))
    return timing.default
