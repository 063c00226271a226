"""A database outage: a 503 for every request that meets it, two lines in the log for all of them.

Under load an outage fails hundreds of requests a second; a traceback for each buries the
two facts an operator needs, when it began and when it ended. Each process says each once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from app.problems import ServiceUnavailable

logger = logging.getLogger("touchpoint.outage")

RETRY_AFTER_SECONDS = 1
_REASON_CHARS = 200


class OutageLog:
    """Whether this process is meeting a database outage, logged when that begins and ends.

    It ends with the first statement that succeeds once no caller has failed for
    ``settle_seconds``: a transaction can begin and then fail (SQLite's ``BEGIN`` runs
    before the write that meets a bad disk), and that is no recovery worth a line.
    """

    def __init__(
        self, *, settle_seconds: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settle_seconds = settle_seconds
        self._clock = clock
        self._since: float | None = None
        self._last_failure = 0.0

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def met(self, cause: BaseException) -> None:
        """A request (or the writer) could not reach the database because of ``cause``."""
        self._last_failure = self._clock()
        if self._since is not None:
            return
        self._since = self._last_failure
        logger.error(
            "the database cannot be reached (%s); answering 503 until it answers again",
            describe(cause),
        )

    def answered(self) -> None:
        """The database answered a statement: an outage, if there was one, may be over."""
        if self._since is None:
            return
        now = self._clock()
        if now - self._last_failure < self.settle_seconds:
            return
        logger.info(
            "the database answers again; it could not be reached for %.1f s",
            self._last_failure - self._since,
        )
        self._since = None


def describe(cause: BaseException) -> str:
    """The driver's one-line reason: never a statement or its parameters."""
    message = " ".join(str(cause).split())[:_REASON_CHARS]
    return f"{type(cause).__name__}: {message}" if message else type(cause).__name__


def unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The database cannot be reached; retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
