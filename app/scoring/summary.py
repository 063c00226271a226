"""One period's score: NPS, or the top-box score of CES and CSAT, with its 95% interval."""

from dataclasses import dataclass, fields
from fractions import Fraction

from app.scoring.counts import Counts, check_counts
from app.scoring.intervals import nps_interval, wilson_interval
from app.scoring.metrics import DETRACTORS, PASSIVES, PROMOTERS, SCALE, Metric, top_box
from app.scoring.rounding import round_half_away

JsonValue = int | float | None | dict[str, int]


@dataclass(frozen=True)
class NpsSummary:
    score: float | None
    responses: int
    promoters: int
    passives: int
    detractors: int
    promoters_pct: float | None
    passives_pct: float | None
    detractors_pct: float | None
    margin_of_error: float | None
    ci_low: float | None
    ci_high: float | None
    distribution: dict[str, int]

    def as_dict(self) -> dict[str, JsonValue]:
        """The fields as a new plain dict, ready for JSON (the distribution copied too)."""
        return _shallow_dict(self)


@dataclass(frozen=True)
class TopBoxSummary:
    score: float | None
    responses: int
    top_box: int
    top_box_pct: float | None
    mean: float | None
    margin_of_error: float | None
    ci_low: float | None
    ci_high: float | None
    distribution: dict[str, int]

    def as_dict(self) -> dict[str, JsonValue]:
        """The fields as a new plain dict, ready for JSON (the distribution copied too)."""
        return _shallow_dict(self)


def _shallow_dict(summary: NpsSummary | TopBoxSummary) -> dict[str, JsonValue]:
    # dataclasses.asdict deep-copies field by field: ten times slower for a flat record.
    values: dict[str, JsonValue] = {f.name: getattr(summary, f.name) for f in fields(summary)}
    values["distribution"] = dict(summary.distribution)
    return values


def _tally(counts: Counts, values: range) -> int:
    return sum(counts[value] for value in values)


def exact_proportion(metric: Metric, counts: Counts) -> Fraction | None:
    """The score as an exact fraction in proportion units, None when there are no responses.

    NPS: (P - D)/n, in [-1, 1]. CES, CSAT: top-box/n, in [0, 1].
    Raises ValueError for counts that are invalid for the metric.
    """
    check_counts(metric, counts)
    responses = sum(counts)
    if responses == 0:
        return None
    if metric is Metric.NPS:
        return Fraction(_tally(counts, PROMOTERS) - _tally(counts, DETRACTORS), responses)
    return Fraction(_tally(counts, top_box(metric)), responses)


def summarize(metric: Metric, counts: Counts) -> NpsSummary | TopBoxSummary:
    """The reported score of one set of responses; see the two builders for the formulas.

    Raises ValueError for counts that are invalid for the metric.
    """
    if metric is Metric.NPS:
        return nps_summary(counts)
    return top_box_summary(metric, counts)


def _percent(part: int, whole: int) -> float:
    return round_half_away(Fraction(100 * part, whole))


def _interval(low: float, high: float) -> tuple[float, float, float]:
    """(margin_of_error, ci_low, ci_high): the margin is half the reported interval's width."""
    return round_half_away((high - low) / 2), round_half_away(low), round_half_away(high)


def nps_summary(counts: Counts) -> NpsSummary:
    """NPS = 100(P - D)/n with P = answers 9-10, D = answers 0-6 (passives 7-8).

    Percentages are 100 x count/n. Interval: `nps_interval` (adjusted Wald), clipped to
    [-100, 100]; margin_of_error = (ci_high - ci_low)/2 of the clipped interval. Everything
    is rounded half away from zero to 2 decimals from the exact value. n = 0: score, the
    percentages and the interval are None, counts are 0.
    """
    check_counts(Metric.NPS, counts)
    n = sum(counts)
    promoters, passives = _tally(counts, PROMOTERS), _tally(counts, PASSIVES)
    detractors = _tally(counts, DETRACTORS)
    distribution = {str(value): counts[value] for value in SCALE[Metric.NPS]}
    if n == 0:
        return NpsSummary(None, 0, 0, 0, 0, None, None, None, None, None, None, distribution)
    margin, low, high = _interval(*nps_interval(promoters, detractors, n))
    return NpsSummary(
        score=round_half_away(Fraction(100 * (promoters - detractors), n)),
        responses=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        promoters_pct=_percent(promoters, n),
        passives_pct=_percent(passives, n),
        detractors_pct=_percent(detractors, n),
        margin_of_error=margin,
        ci_low=low,
        ci_high=high,
        distribution=distribution,
    )


def top_box_summary(metric: Metric, counts: Counts) -> TopBoxSummary:
    """Top-box score = 100 x (answers in the top box)/n; CES top box 5-7, CSAT 4-5.

    mean = sum(value x count)/n. Interval: `wilson_interval` of top-box/n in percent;
    margin_of_error = (ci_high - ci_low)/2 (the interval is not centred on the score).
    Rounded half away from zero to 2 decimals from the exact value. n = 0: score,
    top_box_pct, mean and the interval are None, top_box is 0.
    """
    check_counts(metric, counts)
    n = sum(counts)
    top = _tally(counts, top_box(metric))
    distribution = {str(value): counts[value] for value in SCALE[metric]}
    if n == 0:
        return TopBoxSummary(None, 0, 0, None, None, None, None, None, distribution)
    score = _percent(top, n)
    margin, low, high = _interval(*wilson_interval(top, n))
    return TopBoxSummary(
        score=score,
        responses=n,
        top_box=top,
        top_box_pct=score,
        mean=round_half_away(Fraction(sum(v * c for v, c in enumerate(counts)), n)),
        margin_of_error=margin,
        ci_low=low,
        ci_high=high,
        distribution=distribution,
    )
