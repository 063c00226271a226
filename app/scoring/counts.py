"""Counts: how many responses gave each score value, the unit every computation starts from.

A `Counts` is a tuple of 11 non-negative ints; index i is the number of responses with
score i (0..10). CES uses only indices 1..7 and CSAT only 1..5.
"""

from collections.abc import Iterable

from app.scoring.metrics import SCALE, Metric

Counts = tuple[int, ...]

SCORE_VALUES = range(0, 11)
EMPTY_COUNTS: Counts = (0,) * len(SCORE_VALUES)


def add_counts(a: Counts, b: Counts) -> Counts:
    """Element-wise a + b. Raises ValueError if the lengths differ."""
    return tuple(x + y for x, y in zip(a, b, strict=True))


def counts_from_scores(scores: Iterable[int]) -> Counts:
    """Tally individual scores (ints 0..10). Raises ValueError for anything else."""
    tally = list(EMPTY_COUNTS)
    for score in scores:
        if type(score) is not int or score not in SCORE_VALUES:
            raise ValueError(f"score must be an integer from 0 to 10, got {score!r}")
        tally[score] += 1
    return tuple(tally)


def check_counts(metric: Metric, counts: Counts) -> Counts:
    """Return `counts` unchanged if it is valid for `metric`, else raise ValueError.

    Valid: 11 non-negative ints, zero at every index outside the metric's scale.
    """
    if len(counts) != len(SCORE_VALUES) or any(type(c) is not int or c < 0 for c in counts):
        raise ValueError(f"counts must be 11 non-negative integers, got {counts!r}")
    scale = SCALE[metric]
    outside = [value for value, count in enumerate(counts) if count and value not in scale]
    if outside:
        raise ValueError(f"{metric} scores must lie in {scale.start}..{scale.stop - 1}: {outside}")
    return counts
