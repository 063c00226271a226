"""Noticing mail security scanners: they open every link of an email within seconds.

Microsoft Safe Links, Proofpoint, Mimecast and Barracuda fetch each URL of a message,
often right after delivery. A person opens one score link, maybe a second after a change
of mind; a scanner opens them all. The pages write nothing on a GET, so scanners cannot
answer; this only tells the operator (one WARNING per burst), and never blocks anyone.
Counted in this process's memory: with several workers a burst split across them may go
unnoticed, which costs nothing but a log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger("touchpoint.email")

BURST_SECONDS = 10.0
BURST_SCORES = 3  # distinct scores of one token within BURST_SECONDS
_MAX_TOKENS = 10_000


@dataclass
class _Opens:
    times_and_scores: list[tuple[float, int]] = field(default_factory=list)
    reported_at: float | None = None


class BurstWatch:
    def __init__(
        self,
        window_seconds: float = BURST_SECONDS,
        distinct_scores: int = BURST_SCORES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window_seconds
        self._distinct = distinct_scores
        self._clock = clock
        self._tokens: dict[str, _Opens] = {}

    def opened(self, token_id: str, score: int) -> bool:
        """Counts one GET of a token's score link; True when it completes a burst (logged)."""
        now = self._clock()
        opens = self._tokens.get(token_id)
        if opens is None:
            self._make_room(now)
            opens = self._tokens[token_id] = _Opens()
        recent = [(at, s) for at, s in opens.times_and_scores if now - at < self._window]
        recent.append((now, score))
        opens.times_and_scores = recent
        if opens.reported_at is not None and now - opens.reported_at < self._window:
            return False
        scores = {s for _, s in recent}
        if len(scores) < self._distinct:
            return False
        opens.reported_at = now
        logger.warning(
            "email link opened in a burst, likely a mail scanner: token %s, "
            "%d opens of %d scores within %.0f s; nothing was recorded",
            token_id,
            len(recent),
            len(scores),
            self._window,
        )
        return True

    def _make_room(self, now: float) -> None:
        """Bounded memory: forget quiet tokens, and everything if a flood fills the table."""
        if len(self._tokens) < _MAX_TOKENS:
            return
        self._tokens = {
            token_id: opens
            for token_id, opens in self._tokens.items()
            if opens.times_and_scores and now - opens.times_and_scores[-1][0] < self._window
        }
        if len(self._tokens) >= _MAX_TOKENS:
            self._tokens.clear()
