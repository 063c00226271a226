"""CES and CSAT: % of answers in the top box (CES 5-7, CSAT 4-5) with a Wilson interval."""

import math
import statistics
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scoring import (
    SCALE,
    Metric,
    NpsSummary,
    TopBoxSummary,
    counts_from_scores,
    summarize,
    top_box_summary,
    wilson_interval,
)
from tests.support.scoring import exact_score

Z = Fraction("1.959964")


def counts_for(metric: Metric) -> st.SearchStrategy[tuple[int, ...]]:
    scale = SCALE[metric]
    return st.lists(st.integers(0, 40), min_size=len(scale), max_size=len(scale)).map(
        lambda tallies: tuple(tallies[v - scale.start] if v in scale else 0 for v in range(11))
    )


top_box_counts = st.sampled_from([Metric.CES, Metric.CSAT]).flatmap(
    lambda metric: st.tuples(st.just(metric), counts_for(metric))
)


def answers(counts: tuple[int, ...]) -> list[int]:
    return [value for value, count in enumerate(counts) for _ in range(count)]


def rounded(value: Fraction) -> float:
    with localcontext() as context:
        context.prec = 80
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def wilson_as_roots_of_the_score_equation(successes: int, n: int) -> tuple[float, float]:
    """Wilson (1927): the proportions q with |p - q| = z sqrt(q(1 - q)/n), i.e. the roots of
    (1 + z^2/n) q^2 - (2p + z^2/n) q + p^2 = 0, solved exactly up to one square root."""
    p = Fraction(successes, n)
    a, b, c = 1 + Z**2 / n, -(2 * p + Z**2 / n), p**2
    discriminant = b**2 - 4 * a * c
    with localcontext() as context:
        context.prec = 50
        root = Decimal(discriminant.numerator).sqrt() / Decimal(discriminant.denominator).sqrt()
        low = (
            (Decimal(-b.numerator) / Decimal(b.denominator) - root)
            / Decimal(2 * a.numerator)
            * Decimal(a.denominator)
        )
        high = (
            (Decimal(-b.numerator) / Decimal(b.denominator) + root)
            / Decimal(2 * a.numerator)
            * Decimal(a.denominator)
        )
    return 100 * float(low), 100 * float(high)


def summary_of(metric: Metric, scores: list[int]) -> TopBoxSummary:
    summary = summarize(metric, counts_from_scores(scores))
    assert isinstance(summary, TopBoxSummary)
    return summary


def test_ces_example() -> None:
    summary = summary_of(Metric.CES, [7] * 30 + [6] * 25 + [5] * 15 + [4] * 10 + [2] * 20)

    assert summary.as_dict() == {
        "score": 70.0,
        "responses": 100,
        "top_box": 70,
        "top_box_pct": 70.0,
        "mean": 5.15,
        "margin_of_error": 8.84,
        "ci_low": 60.42,
        "ci_high": 78.11,
        "distribution": {"1": 0, "2": 20, "3": 0, "4": 10, "5": 15, "6": 25, "7": 30},
    }


def test_csat_example() -> None:
    summary = summary_of(Metric.CSAT, [5] * 40 + [4] * 22 + [3] * 8 + [1] * 10)

    assert (summary.score, summary.top_box) == (77.5, 62)
    assert summary.mean == 4.03  # exactly 4.025: halves round up, unlike round(4.025, 2)
    assert (summary.ci_low, summary.ci_high, summary.margin_of_error) == (67.21, 85.27, 9.03)
    assert list(summary.distribution) == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("metric", [Metric.CES, Metric.CSAT])
def test_no_responses_give_no_score_and_never_a_division_error(metric: Metric) -> None:
    summary = summary_of(metric, [])

    assert summary.as_dict() == {
        "score": None,
        "responses": 0,
        "top_box": 0,
        "top_box_pct": None,
        "mean": None,
        "margin_of_error": None,
        "ci_low": None,
        "ci_high": None,
        "distribution": {str(value): 0 for value in SCALE[metric]},
    }
    assert exact_score(metric, counts_from_scores([])) is None


def test_unanimous_answers_keep_the_interval_inside_0_to_100() -> None:
    assert (summary_of(Metric.CSAT, [5] * 3).ci_low, summary_of(Metric.CSAT, [5] * 3).ci_high) == (
        43.85,
        100.0,
    )
    assert summary_of(Metric.CSAT, [1] * 3).ci_low == 0.0


def test_summarize_rejects_answers_off_the_scale() -> None:
    with pytest.raises(ValueError, match=r"1\.\.5"):
        summarize(Metric.CSAT, counts_from_scores([6]))
    with pytest.raises(ValueError, match=r"1\.\.7"):
        top_box_summary(Metric.CES, counts_from_scores([0]))


def test_summarize_picks_the_summary_kind_from_the_metric() -> None:
    assert isinstance(summarize(Metric.NPS, counts_from_scores([5])), NpsSummary)
    assert isinstance(summarize(Metric.CES, counts_from_scores([5])), TopBoxSummary)


@given(top_box_counts)
def test_score_and_mean_match_a_computation_over_individual_answers(
    metric_and_counts: tuple[Metric, tuple[int, ...]],
) -> None:
    metric, counts = metric_and_counts
    individual = answers(counts)
    good = {Metric.CES: {5, 6, 7}, Metric.CSAT: {4, 5}}[metric]
    summary = summarize(metric, counts)
    assert isinstance(summary, TopBoxSummary)

    assert summary.responses == len(individual)
    assert summary.distribution == {str(v): individual.count(v) for v in SCALE[metric]}
    assert summary.top_box == sum(1 for a in individual if a in good)
    if individual:
        share = statistics.mean(Fraction(a in good) for a in individual)
        assert summary.score == summary.top_box_pct == rounded(100 * share)
        assert exact_score(metric, counts) == float(100 * share)
        assert summary.mean == rounded(statistics.mean(map(Fraction, individual)))
    else:
        assert summary.score is summary.mean is None


@given(st.integers(1, 10**6).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_interval_solves_wilsons_score_equation(successes_and_n: tuple[int, int]) -> None:
    successes, n = successes_and_n
    low, high = wilson_interval(successes, n)
    expected_low, expected_high = wilson_as_roots_of_the_score_equation(successes, n)

    assert math.isclose(low, expected_low, abs_tol=1e-9)
    assert math.isclose(high, expected_high, abs_tol=1e-9)
    assert 0 <= low <= 100 * successes / n <= high <= 100


@given(top_box_counts.filter(lambda metric_and_counts: sum(metric_and_counts[1]) > 0))
def test_reported_interval_is_the_rounded_wilson_interval_and_its_half_width(
    metric_and_counts: tuple[Metric, tuple[int, ...]],
) -> None:
    metric, counts = metric_and_counts
    summary = summarize(metric, counts)
    assert isinstance(summary, TopBoxSummary)
    low, high = wilson_as_roots_of_the_score_equation(summary.top_box, summary.responses)
    assert summary.ci_low is not None
    assert summary.ci_high is not None
    assert summary.margin_of_error is not None

    assert abs(summary.ci_low - low) <= 0.005 + 1e-9
    assert abs(summary.ci_high - high) <= 0.005 + 1e-9
    assert abs(summary.margin_of_error - (high - low) / 2) <= 0.005 + 1e-9
