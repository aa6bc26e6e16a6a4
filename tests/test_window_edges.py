"""The window counter's shortcut (a time before the newest bucket's end goes in it, no division)
counts exactly as bucket arithmetic says: times on and around a bucket's edge, earlier times, events
taken back and long gaps, for widths that are not exact in binary."""

from __future__ import annotations

import math
import random

import pytest

from error_status.aggregator.window import BUCKETS_PER_WINDOW, WindowCounter


class Reference:
    """Buckets by ``int(t // width)``, each kept until it leaves the window (the definition)."""

    def __init__(self, window: float) -> None:
        self.width = window / BUCKETS_PER_WINDOW
        self.buckets: list[list[int]] = []

    def add(self, now: float) -> int:
        index = int(now // self.width)
        if self.buckets and self.buckets[-1][0] >= index:
            self.buckets[-1][1] += 1
        else:
            self.buckets.append([index, 1])
            self.expire(index)
        return sum(n for _, n in self.buckets)

    def count(self, now: float) -> int:
        self.expire(int(now // self.width))
        return sum(n for _, n in self.buckets)

    def remove(self, n: int) -> None:
        while n > 0 and self.buckets:
            taken = min(n, self.buckets[-1][1])
            self.buckets[-1][1] -= taken
            n -= taken
            if self.buckets[-1][1] == 0:
                self.buckets.pop()

    def expire(self, index: int) -> None:
        self.buckets = [b for b in self.buckets if b[0] > index - BUCKETS_PER_WINDOW - 1]


@pytest.mark.parametrize("window", [60.0, 3600.0, 1.0, 0.7, 13.37, 1 / 3, 61.0])
def test_the_counter_counts_as_the_bucket_arithmetic_says(window: float) -> None:
    rng = random.Random(window)
    counter, reference = WindowCounter(window), Reference(window)
    width = window / BUCKETS_PER_WINDOW
    now = rng.random() * 1e6
    for _ in range(4000):
        step = rng.random()
        if step < 0.6:
            now += rng.choice([0.0, width, width * (1 - 1e-15), rng.random() * width * 2,
                               -rng.random() * width / 2])
            edge = (int(now // width) + 1) * width
            for t in (now, math.nextafter(edge, -math.inf), edge):
                assert counter.add(t) == reference.add(t), (window, t)
                assert [list(b) for b in counter._buckets] == reference.buckets, (window, t)  # (placed alike)
            now = max(now, edge)
        elif step < 0.85:
            assert counter.count(now) == reference.count(now)
        elif step < 0.95:
            taken = rng.randint(0, 3)
            counter.remove(taken)
            reference.remove(taken)
        else:
            now += rng.random() * window * 2
            assert counter.count(now) == reference.count(now)
