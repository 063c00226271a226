"""NPS: % promoters (9-10) minus % detractors (0-6), with an adjusted-Wald 95% interval."""

import json
import math
import statistics
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from app.scoring import (
    Metric,
    NpsSummary,
    counts_from_scores,
    nps_interval,
    summarize,
)
from tests.support.scoring import exact_score

Z = Fraction("1.959964")
nps_counts = st.lists(st.integers(0, 40), min_size=11, max_size=11).map(tuple)
nonempty_nps_counts = nps_counts.filter(lambda counts: sum(counts) > 0)


def answers(counts: tuple[int, ...]) -> list[int]:
    """One entry per respondent."""
    return [value for value, count in enumerate(counts) for _ in range(count)]


def rounded(value: Fraction) -> float:
    with localcontext() as context:
        context.prec = 80
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def nps(promoters: int, passives: int, detractors: int) -> NpsSummary:
    counts = counts_from_scores([10] * promoters + [8] * passives + [0] * detractors)
    summary = summarize(Metric.NPS, counts)
    assert isinstance(summary, NpsSummary)
    return summary


def adjusted_wald_by_augmenting_the_sample(
    promoters: int, passives: int, detractors: int
) -> tuple[float, float]:
    """Rocks (2016) as a plain Wald interval of the mean of +1/0/-1 answers, after adding
    3 pseudo-answers: 3/4 promoter, 3/4 detractor, 3/2 passive."""
    weights = {
        1: promoters + Fraction(3, 4),
        0: passives + Fraction(3, 2),
        -1: detractors + Fraction(3, 4),
    }
    total = sum(weights.values())
    mean = sum(answer * weight for answer, weight in weights.items()) / total
    variance = sum(weight * (answer - mean) ** 2 for answer, weight in weights.items()) / total
    half = float(Z) * math.sqrt(variance / total)
    return max(-100.0, 100 * (float(mean) - half)), min(100.0, 100 * (float(mean) + half))


def test_worked_example_90_promoters_60_passives_50_detractors() -> None:
    summary = nps(promoters=90, passives=60, detractors=50)

    assert summary.score == 20.00
    assert (summary.ci_low, summary.ci_high) == (8.54, 30.86)
    assert summary.margin_of_error == 11.16
    assert (summary.promoters_pct, summary.passives_pct, summary.detractors_pct) == (45, 30, 25)


def test_all_fields_of_a_small_sample() -> None:
    summary = summarize(Metric.NPS, counts_from_scores([10, 9, 9, 8, 3]))

    assert summary.as_dict() == {
        "score": 40.0,
        "responses": 5,
        "promoters": 3,
        "passives": 1,
        "detractors": 1,
        "promoters_pct": 60.0,
        "passives_pct": 20.0,
        "detractors_pct": 20.0,
        "margin_of_error": 54.78,
        "ci_low": -29.78,
        "ci_high": 79.78,
        "distribution": {
            "0": 0, "1": 0, "2": 0, "3": 1, "4": 0, "5": 0,
            "6": 0, "7": 0, "8": 1, "9": 2, "10": 1,
        },
    }  # fmt: skip


def test_no_responses_give_no_score_and_never_a_division_error() -> None:
    summary = summarize(Metric.NPS, counts_from_scores([]))

    assert summary.as_dict() == {
        "score": None,
        "responses": 0,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
        "promoters_pct": None,
        "passives_pct": None,
        "detractors_pct": None,
        "margin_of_error": None,
        "ci_low": None,
        "ci_high": None,
        "distribution": {str(value): 0 for value in range(11)},
    }
    assert exact_score(Metric.NPS, counts_from_scores([])) is None


def test_halves_round_away_from_zero_from_the_exact_score() -> None:
    assert nps(promoters=1, passives=799, detractors=0).score == 0.13
    assert nps(promoters=0, passives=799, detractors=1).score == -0.13
    assert nps(promoters=1, passives=799, detractors=0).promoters_pct == 0.13


def test_the_interval_is_clipped_to_the_scale() -> None:
    summary = nps(promoters=10, passives=0, detractors=0)

    assert summary.ci_high == 100.0
    assert summary.ci_low is not None
    assert summary.margin_of_error == round((100 - summary.ci_low) / 2, 2)


def test_a_single_promoter_is_a_score_of_100_with_a_wide_interval_below_it() -> None:
    summary = nps(promoters=1, passives=0, detractors=0)

    assert (summary.score, summary.ci_low, summary.ci_high) == (100.0, -48.5, 98.5)


def test_the_exact_score_keeps_every_digit() -> None:
    assert exact_score(Metric.NPS, counts_from_scores([10, 10, 0])) == 100 / 3


def test_as_dict_is_json_ready_and_independent_of_the_summary() -> None:
    summary = nps(promoters=2, passives=1, detractors=1)
    as_dict = summary.as_dict()
    as_dict["distribution"] = {}

    assert json.loads(json.dumps(summary.as_dict())) == summary.as_dict()
    assert summary.distribution["10"] == 2


@given(nps_counts)
def test_score_and_percentages_match_a_count_over_individual_answers(
    counts: tuple[int, ...],
) -> None:
    individual = answers(counts)
    summary = summarize(Metric.NPS, counts)
    assert isinstance(summary, NpsSummary)

    assert summary.responses == len(individual)
    assert summary.distribution == {str(v): individual.count(v) for v in range(11)}
    assert summary.promoters == sum(1 for a in individual if a >= 9)
    assert summary.passives == sum(1 for a in individual if a in (7, 8))
    assert summary.detractors == sum(1 for a in individual if a <= 6)
    if individual:
        signs = [Fraction((a >= 9) - (a <= 6)) for a in individual]
        assert summary.score == rounded(100 * statistics.mean(signs))
        assert exact_score(Metric.NPS, counts) == float(100 * statistics.mean(signs))
        assert summary.promoters_pct == rounded(Fraction(100 * summary.promoters, len(individual)))
        assert summary.passives_pct == rounded(Fraction(100 * summary.passives, len(individual)))
        assert summary.detractors_pct == rounded(
            Fraction(100 * summary.detractors, len(individual))
        )
    else:
        assert summary.score is None


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6))
def test_interval_is_the_wald_interval_of_the_sample_augmented_by_three_answers(
    promoters: int, passives: int, detractors: int
) -> None:
    low, high = nps_interval(promoters, detractors, promoters + passives + detractors)
    expected_low, expected_high = adjusted_wald_by_augmenting_the_sample(
        promoters, passives, detractors
    )

    assert math.isclose(low, expected_low, abs_tol=1e-9)
    assert math.isclose(high, expected_high, abs_tol=1e-9)


@given(nonempty_nps_counts)
def test_reported_interval_is_the_rounded_interval_and_its_half_width(
    counts: tuple[int, ...],
) -> None:
    summary = summarize(Metric.NPS, counts)
    assert isinstance(summary, NpsSummary)
    low, high = adjusted_wald_by_augmenting_the_sample(
        summary.promoters, summary.passives, summary.detractors
    )
    assert summary.ci_low is not None
    assert summary.ci_high is not None
    assert summary.margin_of_error is not None

    assert -100 <= summary.ci_low <= summary.ci_high <= 100
    assert abs(summary.ci_low - low) <= 0.005 + 1e-9
    assert abs(summary.ci_high - high) <= 0.005 + 1e-9
    assert abs(summary.margin_of_error - (high - low) / 2) <= 0.005 + 1e-9
    assert abs(summary.ci_high - summary.ci_low - 2 * summary.margin_of_error) <= 0.02 + 1e-9
