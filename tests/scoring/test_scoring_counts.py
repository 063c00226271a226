"""Counts: 11 tallies, index = score value; the metrics' scales and answer classes."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.scoring import (
    DETRACTORS,
    EMPTY_COUNTS,
    PASSIVES,
    PROMOTERS,
    SCALE,
    Counts,
    Metric,
    add_counts,
    check_counts,
    counts_from_scores,
    top_box,
)

scores = st.lists(st.integers(0, 10), max_size=60)


def test_the_three_metrics_and_their_scales() -> None:
    assert [str(metric) for metric in Metric] == ["nps", "ces", "csat"]
    assert Metric("csat") is Metric.CSAT
    assert list(SCALE) == list(Metric)
    assert SCALE[Metric.NPS] == range(0, 11)
    assert SCALE[Metric.CES] == range(1, 8)
    assert SCALE[Metric.CSAT] == range(1, 6)


def test_nps_answers_fall_into_exactly_one_of_three_classes() -> None:
    assert list(DETRACTORS) == [0, 1, 2, 3, 4, 5, 6]
    assert list(PASSIVES) == [7, 8]
    assert list(PROMOTERS) == [9, 10]


def test_top_box_is_5_to_7_for_ces_and_4_to_5_for_csat() -> None:
    assert list(top_box(Metric.CES)) == [5, 6, 7]
    assert list(top_box(Metric.CSAT)) == [4, 5]
    assert list(top_box(Metric.NPS)) == [9, 10]


def test_empty_counts_are_eleven_zeros() -> None:
    assert EMPTY_COUNTS == (0,) * 11
    assert counts_from_scores([]) == EMPTY_COUNTS


def test_counts_from_scores_tallies_each_value_at_its_index() -> None:
    assert counts_from_scores([10, 0, 10, 7]) == (1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2)


@pytest.mark.parametrize("bad", [-1, 11, 7.0, True, "7"])
def test_counts_from_scores_rejects_anything_but_an_integer_0_to_10(bad: object) -> None:
    with pytest.raises(ValueError, match="integer from 0 to 10"):
        counts_from_scores([5, bad])  # type: ignore[list-item]


@given(scores, scores)
def test_adding_counts_is_counting_both_lists_together(a: list[int], b: list[int]) -> None:
    together = Counter(a + b)

    assert add_counts(counts_from_scores(a), counts_from_scores(b)) == tuple(
        together[value] for value in range(11)
    )


@given(scores, scores)
def test_subtracting_counts_undoes_adding_them(a: list[int], b: list[int]) -> None:
    ca, cb = counts_from_scores(a), counts_from_scores(b)

    assert subtract_counts(add_counts(ca, cb), cb) == ca


def subtract_counts(a: Counts, b: Counts) -> Counts:
    """Element-wise a - b: the oracle that undoes add_counts."""
    return tuple(x - y for x, y in zip(a, b, strict=True))


def test_counts_of_different_lengths_do_not_combine() -> None:
    with pytest.raises(ValueError, match=r"shorter|longer"):
        add_counts(EMPTY_COUNTS, (1, 2))


def test_check_counts_accepts_valid_counts_unchanged() -> None:
    counts = counts_from_scores([1, 5, 7])

    assert check_counts(Metric.CES, counts) is counts
    assert check_counts(Metric.NPS, counts) is counts


@pytest.mark.parametrize(
    ("metric", "counts", "message"),
    [
        (Metric.NPS, (0,) * 10, "11 non-negative integers"),
        (Metric.NPS, (0,) * 10 + (-1,), "11 non-negative integers"),
        (Metric.NPS, (0,) * 10 + (1.0,), "11 non-negative integers"),
        (Metric.CES, counts_from_scores([0]), r"ces scores must lie in 1\.\.7: \[0\]"),
        (Metric.CES, counts_from_scores([8, 9]), r"ces scores must lie in 1\.\.7: \[8, 9\]"),
        (Metric.CSAT, counts_from_scores([6]), r"csat scores must lie in 1\.\.5: \[6\]"),
    ],
)
def test_check_counts_rejects_counts_that_do_not_fit_the_metric(
    metric: Metric, counts: tuple[int, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        check_counts(metric, counts)
