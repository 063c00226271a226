"""What the tests of app/scoring share."""

from __future__ import annotations

from app.scoring import Counts, Metric, exact_proportion


def exact_score(metric: Metric, counts: Counts) -> float | None:
    """The unrounded score in points (100 x the exact proportion); None when empty."""
    proportion = exact_proportion(metric, counts)
    return None if proportion is None else float(100 * proportion)
