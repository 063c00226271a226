"""Every reported figure is rounded half away from zero from its exact value."""

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scoring import round_half_away


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(1, 8), 0.13),
        (Fraction(-1, 8), -0.13),
        (Fraction(2, 3), 0.67),
        (Fraction(-200, 3), -66.67),
        (Fraction(1, 800), 0.0),
        (Fraction(100), 100.0),
    ],
)
def test_exact_fractions_round_half_away_from_zero(value: Fraction, expected: float) -> None:
    assert round_half_away(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.125, 0.13), (-0.125, -0.13), (1.005, 1.01), (2.675, 2.68), (8.544999, 8.54)],
)
def test_floats_round_as_their_shortest_decimal_form(value: float, expected: float) -> None:
    assert round_half_away(value) == expected


def test_places_other_than_two() -> None:
    assert round_half_away(1.23455, 4) == 1.2346
    assert round_half_away(Fraction(-5, 2), 0) == -3.0


@pytest.mark.parametrize("value", [-0.001, Fraction(-1, 1000)])
def test_a_negative_value_that_rounds_to_zero_is_plain_zero(value: float | Fraction) -> None:
    assert math.copysign(1, round_half_away(value)) == 1.0


@given(st.fractions(min_value=-1000, max_value=1000))
def test_fractions_round_like_decimal_round_half_up(value: Fraction) -> None:
    with localcontext() as context:
        context.prec = 80
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        expected = float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    assert round_half_away(value) == expected
