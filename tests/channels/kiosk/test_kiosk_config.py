"""The kiosk's address as its configuration: defaults, choices, and every mistake at once."""

from __future__ import annotations

import itertools
import re

import pytest

from app.channels.kiosk.config import (
    TIMINGS,
    ConfigProblem,
    ConfigRejected,
    KioskConfig,
    parse,
)
from app.scoring.metrics import Metric


def test_only_the_metric_is_required() -> None:
    config = parse([("metric", "csat")], accept_language=None)

    assert config == KioskConfig(metric=Metric.CSAT, locale="en")
    assert (config.survey, config.touchpoint, config.location) == ("default", None, None)
    assert (config.reset, config.guard, config.idle) == (5, 3, 30)
    assert list(config.scale) == [1, 2, 3, 4, 5]


def test_every_parameter_is_taken_as_given() -> None:
    query = [
        ("survey", "store-feedback"),
        ("metric", "nps"),
        ("touchpoint", "exit"),
        ("location", "store-12"),
        ("locale", "pl-PL"),
        ("reset", "0.5"),
        ("guard", "0"),
        ("idle", "45"),
    ]

    config = parse(query, accept_language="et")

    assert config == KioskConfig(
        metric=Metric.NPS,
        locale="pl",
        survey="store-feedback",
        touchpoint="exit",
        location="store-12",
        reset=0.5,
        guard=0,
        idle=45,
    )


def test_without_a_locale_the_browsers_languages_decide() -> None:
    config = parse([("metric", "ces")], accept_language="de-CH, et;q=0.9, en;q=0.8")

    assert isinstance(config, KioskConfig)
    assert config.locale == "et"


def test_all_mistakes_are_reported_together_in_the_staffs_language() -> None:
    query = [("metric", "nps"), ("metric", "nps"), ("metric", "nps"), ("Location", "x")]

    rejected = parse([*query, ("reset", "1e3")], accept_language="pl,en;q=0.5")

    assert rejected == ConfigRejected(
        locale="pl",
        problems=[
            ConfigProblem("metric", "config_repeated"),
            ConfigProblem("Location", "config_unknown"),
            ConfigProblem("reset", "config_seconds", {"low": "0.2", "high": "600"}),
        ],
    )


def _digits(length: int) -> list[str]:
    return ["".join(d) for d in itertools.product("0123456789", repeat=length)]


# Every whole part that can be in range (1–3 digits, or 4 with a leading zero) and a few
# that cannot; decimals around each bound.
WHOLE = [*_digits(1), *_digits(2), *_digits(3), *("0" + d for d in _digits(3))]
WHOLE += ["1000", "6000", "9999", "10000"]
DECIMALS = ["", ".", ".0", ".00", ".000", ".0000", ".001", ".01", ".1", ".19", ".199"]
DECIMALS += [".2", ".20", ".200", ".5", ".999", ".9999"]
ODD = ["", " 5", "5 ", "+5", "-1", "1e3", "5e-1", ".5", "nan", "inf", "٣", "0x10"]


@pytest.mark.parametrize("name", list(TIMINGS))
def test_the_documented_pattern_of_each_timing_accepts_exactly_what_parse_accepts(
    name: str,
) -> None:
    pattern = re.compile(TIMINGS[name].pattern)
    disagree = []
    for value in [whole + decimals for whole in WHOLE for decimals in DECIMALS] + ODD:
        parsed = parse([("metric", "nps"), (name, value)], accept_language=None)
        if isinstance(parsed, KioskConfig) != bool(pattern.match(value)):
            disagree.append(value)

    assert not disagree, disagree[:20]
