"""Events in order: many threads recording while others refresh the board, and the board always ends
equal to the aggregator's active patterns (same keys, same severities) — no ghost alert, no alert
left a severity behind.

Written against the public API only (``ErrorAggregator``, ``AlertBoard``), so it runs unchanged on
the code before the fix, where it failed: events were numbered after the aggregator's lock and
handed to subscribers out of order, and the board drained its queue before taking its own lock.
"""

from __future__ import annotations

import random
import threading
import time

from error_status.aggregator import ErrorAggregator
from error_status.board import AlertBoard
from error_status.clock import ManualClock

PLUGINS = [f"plugin-{n}" for n in range(12)]


def storm(seed: int) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    """Record from 8 threads while 3 threads refresh the board; then let every pattern resolve.

    Returns the aggregator's and the board's (key -> severity) when the storm is over, and again once
    everything has resolved."""
    clock = ManualClock()
    aggregator = ErrorAggregator(pattern_threshold=2, pattern_window_minutes=1, quiet_period_minutes=0.02,
                                 clock=clock, delivery_wait=0)
    board = AlertBoard(clock=clock)
    board.follow(aggregator.subscribe(name="board"))
    start = threading.Barrier(11)
    stop = threading.Event()

    def record(n: int) -> None:
        rng = random.Random(seed * 100 + n)
        start.wait()
        for i in range(400):
            aggregator.record_error(ValueError("boom"), plugin_id=rng.choice(PLUGINS[: 3 + i % 9]))
            if i % 7 == 0:
                clock.advance(rng.choice((0.05, 0.3, 1.3)))

    def refresh() -> None:
        start.wait()
        while not stop.is_set():
            board.refresh()
            time.sleep(0)  # let the recorders in

    recorders = [threading.Thread(target=record, args=(n,)) for n in range(8)]
    refreshers = [threading.Thread(target=refresh) for _ in range(3)]
    for thread in recorders + refreshers:
        thread.start()
    for thread in recorders:
        thread.join()
    stop.set()
    for thread in refreshers:
        thread.join()

    def settle() -> tuple[dict[str, str], dict[str, str]]:
        for _ in range(3):
            board.refresh()
        ours = {p.key: p.severity for p in aggregator.active_patterns()}
        shown = {a.key: a.severity.label for a in board.snapshot().alerts}
        return ours, shown

    after_storm = settle()
    clock.advance(3600)
    aggregator.tick()
    after_quiet = settle()
    aggregator.close()
    return (*after_storm, *after_quiet)


def test_the_board_ends_equal_to_the_aggregator_whatever_the_interleaving() -> None:
    for seed in range(10):
        ours, shown, ours_later, shown_later = storm(seed)
        assert shown == ours, f"seed {seed}: board {shown} != aggregator {ours}"
        assert ours_later == {} and shown_later == {}, f"seed {seed}: ghost alerts {shown_later}"
