"""What the score endpoints should answer, recomputed from plain lists of answers.

Written from the contract (shared/design/API.md, docs/scoring.md), deliberately without
importing ``app.scoring``: a bug there must not be copied into the expectation. Rational
figures are computed with exact fractions; the intervals, which need a square root, with
50-digit decimals, and then accept either rounding when the exact value lies within a
hair of a rounding boundary (the service works in binary floating point).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

Z = Decimal("1.959964")
SCALES = {"nps": range(0, 11), "ces": range(1, 8), "csat": range(1, 6)}
TOP_BOX = {"nps": range(9, 11), "ces": range(5, 8), "csat": range(4, 6)}
PASSIVES = range(7, 9)
DETRACTORS = range(0, 7)
_CENT = Decimal("0.01")
_HAIR = Decimal("1e-9")
# Every clock change of the zones these tests use (UTC, Europe/Warsaw, Asia/Kolkata,
# America/St_Johns) falls on this grid of UTC instants, and so does every local hh:00.
GRID = timedelta(minutes=30)
_WINDOW_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def round_exact(value: Fraction) -> float:
    """Half away from zero to 2 decimals, exactly."""
    units = int(abs(value) * 100 + Fraction(1, 2))  # floor, the value being non-negative
    return float(Fraction(units if value >= 0 else -units, 100)) + 0.0


def _round_decimal(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP)) + 0.0


class Rounded:
    """Equals the 2-decimal rounding of an irrational value; either one on a near tie."""

    def __init__(self, exact: Decimal) -> None:
        self.exact = exact
        self.allowed = {_round_decimal(exact - _HAIR), _round_decimal(exact + _HAIR)}

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, float | int)
            and not isinstance(other, bool)
            and (float(other) in self.allowed)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = " or ".join(str(value) for value in sorted(self.allowed))
        return f"Rounded({shown} from {self.exact:.12f})"


def _count(scores: Sequence[int], values: range) -> int:
    return sum(1 for score in scores if score in values)


def proportion(metric: str, scores: Sequence[int]) -> Fraction | None:
    """The score in proportion units: (P − D)/n for NPS, top-box/n for CES and CSAT."""
    if not scores:
        return None
    if metric == "nps":
        return Fraction(_count(scores, TOP_BOX["nps"]) - _count(scores, DETRACTORS), len(scores))
    return Fraction(_count(scores, TOP_BOX[metric]), len(scores))


def _nps_interval(promoters: int, detractors: int, n: int) -> tuple[Decimal, Decimal]:
    """Adjusted Wald, in NPS points, clipped to [−100, 100]."""
    with localcontext() as context:
        context.prec = 50
        n_adj = Decimal(n + 3)
        p = (promoters + Decimal("0.75")) / n_adj
        d = (detractors + Decimal("0.75")) / n_adj
        centre = p - d
        half = Z * ((p + d - centre * centre) / n_adj).sqrt()
        return max(Decimal(-100), 100 * (centre - half)), min(Decimal(100), 100 * (centre + half))


def _wilson_interval(successes: int, n: int) -> tuple[Decimal, Decimal]:
    """Wilson score interval of successes/n, in percent."""
    with localcontext() as context:
        context.prec = 50
        p = Decimal(successes) / n
        z2_n = Z * Z / n
        denominator = 1 + z2_n
        centre = (p + z2_n / 2) / denominator
        half = Z * (p * (1 - p) / n + z2_n / (4 * n)).sqrt() / denominator
        return 100 * (centre - half), 100 * (centre + half)


def _interval_fields(low: Decimal, high: Decimal) -> dict[str, Any]:
    return {
        "margin_of_error": Rounded((high - low) / 2),
        "ci_low": Rounded(low),
        "ci_high": Rounded(high),
    }


def summary(metric: str, scores: Sequence[int]) -> dict[str, Any]:
    """The score object (``overall``, a group, a point) of a set of answers."""
    n = len(scores)
    distribution = {str(value): scores.count(value) for value in SCALES[metric]}
    outside = [score for score in scores if score not in SCALES[metric]]
    assert not outside, f"{metric} answers off the scale: {outside}"
    if metric == "nps":
        promoters, passives = _count(scores, TOP_BOX["nps"]), _count(scores, PASSIVES)
        detractors = _count(scores, DETRACTORS)
        body: dict[str, Any] = {
            "score": None,
            "responses": n,
            "promoters": promoters,
            "passives": passives,
            "detractors": detractors,
            "promoters_pct": None,
            "passives_pct": None,
            "detractors_pct": None,
            "margin_of_error": None,
            "ci_low": None,
            "ci_high": None,
            "distribution": distribution,
        }
        if n:
            body["score"] = round_exact(Fraction(100 * (promoters - detractors), n))
            body["promoters_pct"] = round_exact(Fraction(100 * promoters, n))
            body["passives_pct"] = round_exact(Fraction(100 * passives, n))
            body["detractors_pct"] = round_exact(Fraction(100 * detractors, n))
            body.update(_interval_fields(*_nps_interval(promoters, detractors, n)))
        return body
    top = _count(scores, TOP_BOX[metric])
    body = {
        "score": None,
        "responses": n,
        "top_box": top,
        "top_box_pct": None,
        "mean": None,
        "margin_of_error": None,
        "ci_low": None,
        "ci_high": None,
        "distribution": distribution,
    }
    if n:
        body["score"] = body["top_box_pct"] = round_exact(Fraction(100 * top, n))
        body["mean"] = round_exact(Fraction(sum(scores), n))
        body.update(_interval_fields(*_wilson_interval(top, n)))
    return body


def _variance(metric: str, scores: Sequence[int]) -> Fraction:
    n = len(scores)
    share = proportion(metric, scores)
    assert share is not None
    if metric == "nps":
        extremes = Fraction(_count(scores, TOP_BOX["nps"]) + _count(scores, DETRACTORS), n)
        return (extremes - share * share) / n
    return share * (1 - share) / n


def change(metric: str, current: Sequence[int], previous: Sequence[int]) -> dict[str, Any]:
    """``change`` and ``change_significant``: a two-sided Wald z-test at alpha = 0.05."""
    now, before = proportion(metric, current), proportion(metric, previous)
    if now is None or before is None:
        return {"change": None, "change_significant": None}
    difference = now - before
    variance = _variance(metric, current) + _variance(metric, previous)
    if variance == 0:
        significant = difference != 0
    else:
        # |z| > Z  <=>  difference² > Z²·variance, decided exactly.
        significant = difference * difference > Fraction(Z) ** 2 * variance
    return {"change": round_exact(100 * difference), "change_significant": significant}


def group_order(key: str | None) -> tuple[bool, str]:
    """Groups sort by key, the responses without a value (key null) last."""
    return (key is None, key or "")


def parse_window(text: str) -> timedelta:
    return int(text[:-1]) * _WINDOW_UNITS[text[-1]]


def series_points(since: datetime, until: datetime, interval: str, tz: ZoneInfo) -> list[datetime]:
    """Local interval boundaries strictly inside (since, until), then until itself.

    A boundary is an instant where the local clock shows hh:00 (hour), where the local
    date changes (day) or where the local ISO week changes (week). Checked on GRID.
    """
    points = []
    at = since.replace(minute=0, second=0, microsecond=0)
    while at < until:
        if since < at and _starts(at, interval, tz):
            points.append(at)
        at += GRID
    return [*points, until]


def _starts(at: datetime, interval: str, tz: ZoneInfo) -> bool:
    wall, before = at.astimezone(tz), (at - GRID).astimezone(tz)
    if interval == "hour":
        return wall.minute == 0 and wall.second == 0
    if interval == "day":
        return wall.date() != before.date()
    return wall.isocalendar()[:2] != before.isocalendar()[:2]


@dataclass(frozen=True)
class Answer:
    """One stored response, as the export shows it (absent dimensions are None)."""

    id: str
    metric: str
    score: int
    survey: str
    touchpoint: str | None
    channel: str
    location: str | None
    at: datetime

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> Answer:
        return cls(
            id=body["id"],
            metric=body["metric"],
            score=body["score"],
            survey=body["survey"],
            touchpoint=body["touchpoint"],
            channel=body["channel"],
            location=body["location"],
            at=datetime.fromisoformat(body["responded_at"]),
        )

    def dimension(self, name: str) -> str | None:
        value: str | None = getattr(self, name)
        return value


def scores_in(answers: Iterable[Answer], since: datetime, until: datetime) -> list[int]:
    """The answers with since <= responded_at < until."""
    return [answer.score for answer in answers if since <= answer.at < until]
