"""Clocks: monotonic time for windows and ages, wall time for display and export only."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Where the aggregator and the board read time; inject a ManualClock in tests."""

    def monotonic(self) -> float:
        """Seconds on a clock that never steps (windows, ages, rate limits)."""
        ...

    def wall(self) -> float:
        """Seconds since the epoch (UTC), for timestamps shown to people only."""
        ...


class SystemClock:
    """The process's clocks: ``time.monotonic`` and ``time.time``."""

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    def wall(self) -> float:
        """``time.time()``."""
        return time.time()


class ManualClock:
    """A clock that moves only when told to; its wall clock can be stepped independently."""

    def __init__(self, monotonic: float = 1000.0, wall: float = 1_767_225_600.0) -> None:
        self._lock = threading.Lock()
        self._monotonic = float(monotonic)
        self._wall = float(wall)

    def monotonic(self) -> float:
        """The current manual monotonic time."""
        with self._lock:
            return self._monotonic

    def wall(self) -> float:
        """The current manual wall time."""
        with self._lock:
            return self._wall

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go backwards")
        with self._lock:
            self._monotonic += seconds
            self._wall += seconds

    def step_wall(self, seconds: float) -> None:
        """Step only the wall clock (what NTP does to a Pi without an RTC at boot)."""
        with self._lock:
            self._wall += seconds


SYSTEM_CLOCK = SystemClock()
