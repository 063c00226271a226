"""The one rounding rule of every reported figure: half away from zero."""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def round_half_away(value: Fraction | float, places: int = 2) -> float:
    """Round to `places` decimals, halves away from zero (0.125 -> 0.13, -0.125 -> -0.13).

    A Fraction is rounded exactly. A float is rounded as its shortest decimal repr, so
    1.005 -> 1.01 although the binary double is slightly below 1.005. Never returns -0.0.
    """
    if isinstance(value, Fraction):
        # Integer arithmetic: units = floor(|value| * 10^places + 1/2); int / int rounds once.
        factor: int = 10**places
        scaled, whole = abs(value.numerator) * factor, value.denominator
        units = (2 * scaled + whole) // (2 * whole)
        return (units if value >= 0 else -units) / factor
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)) + 0.0
