"""Failures of our own that must not stop the display: counted, and logged with a rate limit."""

from __future__ import annotations

import logging
from typing import Any

LOGGED_AT = frozenset({1, 10, 100, 1000, 10_000})


class FailureLog:
    """Counts failures and logs the 1st, 10th, 100th... with the traceback (a failure every frame
    would otherwise write 125 lines a second to an SD card)."""

    def __init__(self, logger: logging.Logger | logging.LoggerAdapter[Any], what: str) -> None:
        self._logger = logger
        self._what = what
        self.count = 0

    def failed(self, error: BaseException) -> None:
        """Count one failure; log it when its number is one of ``LOGGED_AT``."""
        self.count += 1
        if self.count in LOGGED_AT or self.count % 100_000 == 0:
            self._logger.error("%s (failure %d): %s", self._what, self.count, error, exc_info=error)
