"""Did the score change between two periods? A two-sided z-test at alpha = 0.05."""

import math
from dataclasses import asdict, dataclass
from fractions import Fraction

from app.scoring.counts import Counts
from app.scoring.intervals import Z_95
from app.scoring.metrics import DETRACTORS, PROMOTERS, Metric
from app.scoring.rounding import round_half_away
from app.scoring.summary import exact_proportion


@dataclass(frozen=True)
class Comparison:
    change: float | None
    change_significant: bool | None
    z: float | None

    def as_dict(self) -> dict[str, float | bool | None]:
        """The fields as a new plain dict, ready for JSON."""
        return asdict(self)


def wald_variance(metric: Metric, counts: Counts) -> Fraction | None:
    """Wald variance of the score in proportion units; None when there are no responses.

    NPS: (p + d - (p - d)^2)/n with p, d the promoter and detractor proportions.
    CES, CSAT: p(1 - p)/n with p the top-box proportion.
    """
    score = exact_proportion(metric, counts)
    if score is None:
        return None
    n = sum(counts)
    if metric is Metric.NPS:
        extremes = sum(counts[value] for value in (*PROMOTERS, *DETRACTORS))
        return (Fraction(extremes, n) - score**2) / n
    return score * (1 - score) / n


def compare(metric: Metric, current: Counts, previous: Counts) -> Comparison:
    """Change of the score from `previous` to `current` and whether it is significant.

    change = score(current) - score(previous), from the unrounded scores, rounded to 2
    decimals. z = (s1 - s2)/sqrt(v1 + v2) in proportion units with `wald_variance` per
    period (independent samples), rounded to 4 decimals; significant when |z| > 1.959964
    (two-sided, alpha = 0.05), decided on the unrounded z.
    Edge rules: either period empty -> all None. Both variances zero (each period
    unanimous) -> z None and significant = (change != 0).
    """
    s1, s2 = exact_proportion(metric, current), exact_proportion(metric, previous)
    v1, v2 = wald_variance(metric, current), wald_variance(metric, previous)
    if s1 is None or s2 is None or v1 is None or v2 is None:
        return Comparison(change=None, change_significant=None, z=None)
    difference = s1 - s2
    change = round_half_away(100 * difference)
    if v1 + v2 == 0:
        return Comparison(change=change, change_significant=difference != 0, z=None)
    z = float(difference) / math.sqrt(v1 + v2)
    return Comparison(change=change, change_significant=abs(z) > Z_95, z=round_half_away(z, 4))
