"""Pure scoring maths: counts in, frozen dataclasses out. Standard library only.

See docs/scoring.md for the formulas and worked examples.
"""

from app.scoring.compare import Comparison, compare, wald_variance
from app.scoring.counts import (
    EMPTY_COUNTS,
    SCORE_VALUES,
    Counts,
    add_counts,
    check_counts,
    counts_from_scores,
)
from app.scoring.intervals import Z_95, nps_interval, wilson_interval
from app.scoring.metrics import DETRACTORS, PASSIVES, PROMOTERS, SCALE, TOP_BOX, Metric, top_box
from app.scoring.rounding import round_half_away
from app.scoring.summary import (
    NpsSummary,
    TopBoxSummary,
    exact_proportion,
    nps_summary,
    summarize,
    top_box_summary,
)
from app.scoring.windows import (
    HOUR,
    MAX_WINDOW,
    Interval,
    SeriesPlan,
    WindowPlan,
    ceil_hour,
    default_series_since,
    floor_hour,
    parse_window,
    plan_series,
    plan_window,
    series_counts,
    series_points,
    window_counts,
)

__all__ = [
    "DETRACTORS",
    "EMPTY_COUNTS",
    "HOUR",
    "MAX_WINDOW",
    "PASSIVES",
    "PROMOTERS",
    "SCALE",
    "SCORE_VALUES",
    "TOP_BOX",
    "Z_95",
    "Comparison",
    "Counts",
    "Interval",
    "Metric",
    "NpsSummary",
    "SeriesPlan",
    "TopBoxSummary",
    "WindowPlan",
    "add_counts",
    "ceil_hour",
    "check_counts",
    "compare",
    "counts_from_scores",
    "default_series_since",
    "exact_proportion",
    "floor_hour",
    "nps_interval",
    "nps_summary",
    "parse_window",
    "plan_series",
    "plan_window",
    "round_half_away",
    "series_counts",
    "series_points",
    "summarize",
    "top_box",
    "top_box_summary",
    "wald_variance",
    "wilson_interval",
    "window_counts",
]
