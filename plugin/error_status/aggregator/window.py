"""Sliding-window occurrence counts in O(1) amortised time and bounded memory."""

from __future__ import annotations

import math
from collections import deque

BUCKETS_PER_WINDOW = 60


class WindowCounter:
    """Counts events in the last ``window`` seconds of a monotonic clock.

    Events are kept in ``BUCKETS_PER_WINDOW`` time buckets, so memory is bounded whatever the
    rate, and an event leaves the count between ``window`` and ``window * (1 + 1/60)`` seconds
    after it happened (the bucket leaves whole).
    """

    __slots__ = ("_buckets", "_total", "_until", "_width")

    def __init__(self, window: float) -> None:
        self._width = window / BUCKETS_PER_WINDOW
        self._buckets: deque[list[int]] = deque()
        self._total = 0
        # Where the newest bucket ends: a time below it counts there without a division. (The product
        # is rounded to the nearest float, less than half a unit in the last place from the edge, and
        # ``//`` floors the exact quotient, so no time below it falls in a later bucket.)
        self._until = -math.inf

    def add(self, now: float, n: int = 1) -> int:
        """Count ``n`` events at ``now``; returns the count in the window."""
        self._total += n
        if now < self._until:  # the newest bucket (or before it): expiry already ran
            self._buckets[-1][1] += n
            return self._total
        index = int(now // self._width)
        buckets = self._buckets
        if buckets and buckets[-1][0] >= index:  # (after remove(), or a time rounded into the bucket)
            buckets[-1][1] += n
            self._until = (buckets[-1][0] + 1) * self._width
            return self._total
        buckets.append([index, n])
        self._until = (index + 1) * self._width  # (see _until)
        self._expire(index)
        return self._total

    def count(self, now: float) -> int:
        """Events in the window ending at ``now``."""
        self._expire(int(now // self._width))
        return self._total

    def remove(self, n: int) -> None:
        """Take back ``n`` events, the newest first (they were counted here and belong elsewhere)."""
        buckets = self._buckets
        while n > 0 and buckets:
            taken = min(n, buckets[-1][1])
            buckets[-1][1] -= taken
            self._total -= taken
            n -= taken
            if buckets[-1][1] == 0:
                buckets.pop()
                self._until = -math.inf

    def clear(self) -> None:
        """Forget every event."""
        self._buckets.clear()
        self._total = 0
        self._until = -math.inf

    def _expire(self, index: int) -> None:
        """Drop the buckets that have left the window."""
        buckets = self._buckets
        oldest = index - BUCKETS_PER_WINDOW - 1
        while buckets and buckets[0][0] <= oldest:
            self._total -= buckets.popleft()[1]
            if not buckets:
                self._until = -math.inf
