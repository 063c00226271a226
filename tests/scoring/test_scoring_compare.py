"""compare=previous: the change of score and a two-sided z-test of it at alpha = 0.05."""

import math
import statistics
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from app.scoring import (
    SCALE,
    Comparison,
    Metric,
    compare,
    counts_from_scores,
    wald_variance,
)
from tests.support.scoring import exact_score


def counts_for(metric: Metric) -> st.SearchStrategy[tuple[int, ...]]:
    scale = SCALE[metric]
    return st.lists(st.integers(0, 30), min_size=len(scale), max_size=len(scale)).map(
        lambda tallies: tuple(tallies[v - scale.start] if v in scale else 0 for v in range(11))
    )


two_periods = st.sampled_from(list(Metric)).flatmap(
    lambda metric: st.tuples(st.just(metric), counts_for(metric), counts_for(metric))
)


def per_answer_values(metric: Metric, counts: tuple[int, ...]) -> list[Fraction]:
    """Each answer as its contribution to the score: +1/0/-1 for NPS, 1/0 for top box."""
    answers = [value for value, count in enumerate(counts) for _ in range(count)]
    if metric is Metric.NPS:
        return [Fraction((a >= 9) - (a <= 6)) for a in answers]
    good = {Metric.CES: range(5, 8), Metric.CSAT: range(4, 6)}[metric]
    return [Fraction(a in good) for a in answers]


def rounded(value: Fraction) -> float:
    with localcontext() as context:
        context.prec = 80
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def nps(promoters: int, passives: int, detractors: int) -> tuple[int, ...]:
    return counts_from_scores([10] * promoters + [8] * passives + [0] * detractors)


def test_worked_example_nps_20_against_10_on_200_answers_each_is_not_significant() -> None:
    result = compare(Metric.NPS, nps(90, 60, 50), nps(80, 60, 60))

    assert result == Comparison(change=10.0, change_significant=False, z=1.2172)


def test_the_same_change_on_five_times_the_answers_is_significant() -> None:
    result = compare(Metric.NPS, nps(450, 300, 250), nps(400, 300, 300))

    assert result == Comparison(change=10.0, change_significant=True, z=2.7217)


def test_change_is_rounded_from_the_exact_scores_not_from_the_rounded_ones() -> None:
    current, previous = counts_from_scores([5, 1, 1]), counts_from_scores([5, 1, 1, 1, 1, 1])
    # 33.33 - 16.67 would be 16.66; the exact change is 16.666...
    assert compare(Metric.CSAT, current, previous).change == 16.67


def test_an_empty_period_gives_no_comparison() -> None:
    empty, some = counts_from_scores([]), counts_from_scores([5, 4])
    nothing = Comparison(change=None, change_significant=None, z=None)

    assert compare(Metric.CSAT, some, empty) == nothing
    assert compare(Metric.CSAT, empty, some) == nothing
    assert compare(Metric.CSAT, empty, empty) == nothing
    assert wald_variance(Metric.CSAT, empty) is None


def test_unanimous_periods_have_no_z_and_differ_significantly_only_if_they_differ() -> None:
    all_good, all_bad = counts_from_scores([5, 5, 5]), counts_from_scores([1, 2])

    assert compare(Metric.CSAT, all_good, all_bad) == Comparison(100.0, True, None)
    assert compare(Metric.CSAT, all_good, all_good) == Comparison(0.0, False, None)


def test_as_dict_uses_the_api_field_names() -> None:
    assert Comparison(1.5, False, 0.5).as_dict() == {
        "change": 1.5,
        "change_significant": False,
        "z": 0.5,
    }


@given(two_periods)
def test_z_test_matches_population_variances_of_the_individual_answers(
    periods: tuple[Metric, tuple[int, ...], tuple[int, ...]],
) -> None:
    metric, current, previous = periods
    result = compare(metric, current, previous)
    now, before = per_answer_values(metric, current), per_answer_values(metric, previous)
    if not now or not before:
        assert result == Comparison(None, None, None)
        return
    difference = statistics.mean(now) - statistics.mean(before)
    variance = statistics.pvariance(now) / len(now) + statistics.pvariance(before) / len(before)
    score_now, score_before = exact_score(metric, current), exact_score(metric, previous)
    assert score_now is not None
    assert score_before is not None

    assert result.change == rounded(100 * difference)
    assert abs(result.change - (score_now - score_before)) <= 0.005 + 1e-9
    if variance == 0:
        assert result.z is None
        assert result.change_significant == (difference != 0)
    else:
        z = float(difference) / math.sqrt(variance)
        assert result.z is not None
        assert abs(result.z - z) <= 0.00005 + 1e-9
        assert result.change_significant == (abs(z) > 1.959964)
