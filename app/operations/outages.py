"""A database outage: a 503 for every request that meets it, two lines in the log for all of them.

Under load an outage fails hundreds of requests a second; a traceback for each buries the
two facts an operator needs, when it began and when it ended. Each process says each once.
"""

from __future__ import annotations

import logging
import time

from app.problems import ServiceUnavailable

logger = logging.getLogger("touchpoint.outage")

RETRY_AFTER_SECONDS = 1
_REASON_CHARS = 200


class OutageLog:
    """Whether this process is meeting a database outage, logged when that begins and ends."""

    def __init__(self) -> None:
        self._since: float | None = None

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def met(self, cause: BaseException) -> None:
        """A request (or the writer) could not reach the database because of ``cause``."""
        if self._since is not None:
            return
        self._since = time.monotonic()
        logger.error(
            "the database cannot be reached (%s); answering 503 until it answers again",
            describe(cause),
        )

    def answered(self) -> None:
        """The database answered a statement: an outage, if there was one, is over."""
        if self._since is None:
            return
        lasted, self._since = time.monotonic() - self._since, None
        logger.info("the database answers again, after an outage of %.1f s", lasted)


def describe(cause: BaseException) -> str:
    """The driver's one-line reason: never a statement or its parameters."""
    message = " ".join(str(cause).split())[:_REASON_CHARS]
    return f"{type(cause).__name__}: {message}" if message else type(cause).__name__


def unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The database cannot be reached; retry shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
