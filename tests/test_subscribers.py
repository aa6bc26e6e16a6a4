"""Hostile subscribers harm nothing: delivery is outside the lock, ordered, isolated and counted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from error_status.aggregator import ErrorAggregator, EventKind, PatternEvent
from error_status.aggregator.limits import Limits
from error_status.clock import ManualClock

Build = Callable[..., ErrorAggregator]


def burst(aggregator: ErrorAggregator, plugin: str, times: int = 3) -> None:
    for _ in range(times):
        aggregator.record_error(RuntimeError("down"), plugin_id=plugin)


def test_raising_subscriber_is_counted_and_others_still_get_everything(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=3)
    good: list[PatternEvent] = []

    def bad(event: PatternEvent) -> None:
        raise RuntimeError("subscriber bug")

    aggregator.subscribe(bad)
    aggregator.subscribe(good.append)
    burst(aggregator, "a")
    burst(aggregator, "b")
    assert [e.kind for e in good] == [EventKind.DETECTED, EventKind.DETECTED]
    assert aggregator.stats()["subscriber_failures"] == 2


def test_blocking_subscriber_does_not_block_recording_or_others(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=3)
    release = threading.Event()
    good: list[PatternEvent] = []
    aggregator.subscribe(lambda event: release.wait(10))
    aggregator.subscribe(good.append)
    started = time.monotonic()
    for plugin in "abcdef":
        burst(aggregator, plugin)
    elapsed = time.monotonic() - started
    release.set()
    assert elapsed < 1.0, f"recording waited {elapsed:.2f}s on a blocked subscriber"
    assert len([e for e in good if e.kind is EventKind.DETECTED]) == 6


def test_subscriber_that_records_errors_itself_does_not_deadlock(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=3)
    done = threading.Event()

    def recorder(event: PatternEvent) -> None:
        aggregator.record_error(ValueError("from subscriber"), plugin_id="observer")
        if event.pattern.plugin_id == "observer":
            done.set()

    aggregator.subscribe(recorder)
    for plugin in "abc":  # three events -> three errors from the subscriber -> its own pattern
        burst(aggregator, plugin)
    assert done.wait(5), "the subscriber's own errors never formed their pattern"
    assert aggregator._plugin_error_counts["observer"]["ValueError"] >= 3


def test_callbacks_run_outside_the_lock(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=3)
    held: list[bool] = []
    aggregator.subscribe(lambda event: held.append(aggregator._lock.locked()))
    burst(aggregator, "a")
    assert held == [False]


def test_full_queue_drops_oldest_and_counts(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=1, limits=Limits(max_pending_events=4))
    subscription = aggregator.subscribe()  # pull mode: nobody drains
    for n in range(10):
        aggregator.record_error(ValueError("x"), plugin_id=f"p{n}")
    events = subscription.drain()
    assert len(events) == 4 and subscription.dropped == 6
    assert [e.pattern.plugin_id for e in events] == ["p6", "p7", "p8", "p9"]
    assert aggregator.stats()["events_dropped"] == 6


def test_close_unsubscribes(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=1)
    got: list[PatternEvent] = []
    subscription = aggregator.subscribe(got.append)
    burst(aggregator, "a", 1)
    subscription.close()
    burst(aggregator, "b", 1)
    assert [e.pattern.plugin_id for e in got] == ["a"]
    assert aggregator.stats()["subscribers"] == 0


def test_events_arrive_in_order_per_subscriber(make_aggregator: Build, clock: ManualClock) -> None:
    aggregator = make_aggregator(pattern_threshold=1)
    got: list[int] = []
    aggregator.subscribe(lambda event: got.append(event.sequence))
    for n in range(50):
        clock.advance(2)
        aggregator.record_error(ValueError("x"), plugin_id=f"p{n % 7}")
    deadline = time.monotonic() + 5
    while len(got) < 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert got == sorted(got) and len(got) >= 50


def test_delivery_threads_exit_when_closed(make_aggregator: Build) -> None:
    before = threading.active_count()
    aggregator = make_aggregator(pattern_threshold=1)
    aggregator.subscribe(lambda event: None)
    burst(aggregator, "a", 1)
    aggregator.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before


def test_pattern_log_line_is_written_outside_the_lock(make_aggregator: Build) -> None:
    import logging

    aggregator = make_aggregator(pattern_threshold=2)
    held: list[bool] = []

    class Probe(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(aggregator._lock.locked())

    probe = Probe()
    aggregator.logger.addHandler(probe)
    try:
        burst(aggregator, "a", 2)
    finally:
        aggregator.logger.removeHandler(probe)
    assert held == [False]


def test_record_error_waits_at_most_once_on_a_slow_subscriber(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=1)
    aggregator.subscribe(lambda event: time.sleep(0.045))
    waits = []
    for plugin in "abcdefgh":  # each record makes a new pattern: an event for the slow subscriber
        started = time.monotonic()
        aggregator.record_error(RuntimeError("down"), plugin_id=plugin)
        waits.append(time.monotonic() - started)
    assert waits[0] < 0.040, f"the first record waited {waits[0] * 1000:.0f} ms (delivery_wait is 20 ms)"
    shown = [round(w * 1000) for w in waits]
    assert max(waits[1:]) < 0.010, f"records waited {shown} ms on a slow subscriber"


def test_a_thousand_subscribers_do_not_start_a_thousand_threads(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=1)
    got: list[int] = []
    for n in range(1000):
        aggregator.subscribe(lambda event, n=n: got.append(n))
    before = threading.active_count()
    aggregator.record_error(RuntimeError("down"), plugin_id="a")
    peak = threading.active_count() - before
    deadline = time.monotonic() + 10
    while len(got) < 1000 and time.monotonic() < deadline:
        peak = max(peak, threading.active_count() - before)
        time.sleep(0.005)
    assert len(got) == 1000 and peak <= 8
