"""The three survey metrics, their answer scales and how answers are classified."""

from enum import StrEnum


class Metric(StrEnum):
    NPS = "nps"
    CES = "ces"
    CSAT = "csat"


SCALE: dict[Metric, range] = {
    Metric.NPS: range(0, 11),
    Metric.CES: range(1, 8),
    Metric.CSAT: range(1, 6),
}

PROMOTERS = range(9, 11)
PASSIVES = range(7, 9)
DETRACTORS = range(0, 7)

TOP_BOX: dict[Metric, range] = {
    Metric.NPS: PROMOTERS,
    Metric.CES: range(5, 8),
    Metric.CSAT: range(4, 6),
}


def top_box(metric: Metric) -> range:
    """The answers that count as a good experience: CES 5-7, CSAT 4-5 (NPS: promoters 9-10)."""
    return TOP_BOX[metric]
