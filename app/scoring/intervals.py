"""95% confidence intervals, in percent, unrounded.

- NPS: adjusted Wald, Rocks (2016) "Confidence intervals for the Net Promoter Score",
  as popularised by MeasuringU: https://measuringu.com/nps-confidence-intervals/
- Top-box proportions (CES, CSAT): Wilson (1927) score interval,
  https://doi.org/10.1080/01621459.1927.10502953
"""

import math

Z_95 = 1.959964
"""Two-sided 95% critical value of the standard normal distribution."""


def nps_interval(promoters: int, detractors: int, responses: int) -> tuple[float, float]:
    """Adjusted-Wald 95% interval of the NPS, as (low, high) in NPS points.

    n' = n + 3, p' = (P + 0.75)/n', d' = (D + 0.75)/n', centre = 100(p' - d'),
    half-width = 100 z sqrt((p' + d' - (p' - d')^2)/n'); bounds clipped to [-100, 100].
    Defined for n = 0 too (callers report no interval for an empty set).
    """
    n_adj = responses + 3
    p_adj = (promoters + 0.75) / n_adj
    d_adj = (detractors + 0.75) / n_adj
    centre = p_adj - d_adj
    half = Z_95 * math.sqrt((p_adj + d_adj - centre**2) / n_adj)
    return max(-100.0, 100 * (centre - half)), min(100.0, 100 * (centre + half))


def wilson_interval(successes: int, responses: int) -> tuple[float, float]:
    """Wilson 95% score interval of the proportion successes/n, as (low, high) in percent.

    centre = (p + z^2/2n) / (1 + z^2/n), half = z sqrt(p(1 - p)/n + z^2/4n^2) / (1 + z^2/n).
    Mathematically 0 <= low <= 100p <= high <= 100; the bounds are clamped to that against
    float error (e.g. p = 1 must give high = 100 exactly).
    Raises ZeroDivisionError for n = 0 (callers report no interval for an empty set).
    """
    p = successes / responses
    z2_n = Z_95**2 / responses
    denominator = 1 + z2_n
    centre = (p + z2_n / 2) / denominator
    half = Z_95 * math.sqrt(p * (1 - p) / responses + z2_n / (4 * responses)) / denominator
    low, high = 100 * (centre - half), 100 * (centre + half)
    return max(0.0, min(low, 100 * p)), min(100.0, max(high, 100 * p))
