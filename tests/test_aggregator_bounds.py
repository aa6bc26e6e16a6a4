"""Memory is bounded by named settings; bad settings are refused with a message naming them."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from error_status.aggregator import OTHER, ErrorAggregator
from error_status.aggregator.limits import Limits

Build = Callable[..., ErrorAggregator]


def test_patterns_plugins_types_and_samples_are_bounded(make_aggregator: Build) -> None:
    limits = Limits(max_patterns=8, max_plugins=4, max_error_types=3, max_samples=2,
                    max_message_length=40, max_id_length=10)
    aggregator = make_aggregator(pattern_threshold=2, limits=limits)
    for n in range(200):
        error_class = type(f"E{n % 10}", (Exception,), {})
        aggregator.record_error(error_class(f"message {'x' * n} {n}"),
                                plugin_id=f"plugin-{n % 50}-" + "y" * 50)
    assert aggregator.stats()["patterns_tracked"] <= 8
    assert len(aggregator._plugin_error_counts) <= 4 + 1
    assert len(aggregator._error_counts) <= 3 + 1 and OTHER in aggregator._error_counts
    assert sum(aggregator._error_counts.values()) == 200  # overflow is folded, never lost
    assert all(len(r.message) <= 40 for r in aggregator._records)
    assert all(r.plugin_id is not None and len(r.plugin_id) <= 10 for r in aggregator._records)
    for pattern in aggregator.active_patterns():
        assert len(pattern.sample_messages) <= 2


def test_affected_plugins_do_not_grow_with_occurrences(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=2)
    for _ in range(5000):
        aggregator.record_error(KeyError("k"), plugin_id="p", fingerprint="same")
    (pattern,) = aggregator.active_patterns()
    assert pattern.affected_plugins == ["p"] and pattern.total_count == 5000


@pytest.mark.parametrize(("kwargs", "exc", "name"), [
    ({"max_records": 0}, ValueError, "max_records"),
    ({"max_records": -5}, ValueError, "max_records"),
    ({"max_records": "10"}, TypeError, "max_records"),
    ({"max_records": True}, TypeError, "max_records"),
    ({"pattern_threshold": "five"}, TypeError, "pattern_threshold"),
    ({"pattern_threshold": 0}, ValueError, "pattern_threshold"),
    ({"pattern_window_minutes": -1}, ValueError, "pattern_window_minutes"),
    ({"pattern_window_minutes": float("nan")}, ValueError, "pattern_window_minutes"),
    ({"quiet_period_minutes": 0}, ValueError, "quiet_period_minutes"),
    ({"hysteresis": 1.5}, ValueError, "hysteresis"),
    ({"limits": {"max_patterns": 3}}, TypeError, "limits"),
    ({"pattern_window_minutes": 1e13}, ValueError, "pattern_window_minutes"),  # was a bare OverflowError
    ({"pattern_window_minutes": 1e-6}, ValueError, "pattern_window_minutes"),  # was accepted, lost counts
    ({"max_records": 10**19}, ValueError, "max_records"),
    ({"quiet_period_minutes": 1e13}, ValueError, "quiet_period_minutes"),
])
def test_bad_settings_name_themselves(kwargs: dict[str, object], exc: type[Exception], name: str) -> None:
    with pytest.raises(exc, match=name):
        ErrorAggregator(**kwargs)  # type: ignore[arg-type]


def test_bad_limit_names_itself() -> None:
    with pytest.raises(ValueError, match=r"limits\.max_samples"):
        Limits(max_samples=0)


def test_many_threads_recording_while_summaries_are_read_keep_exact_counts(make_aggregator: Build) -> None:
    aggregator = make_aggregator(max_records=500, pattern_threshold=3)
    threads_n, per_thread = 8, 1500
    stop = threading.Event()
    summaries: list[int] = []

    def reader() -> None:
        while not stop.is_set():
            summaries.append(aggregator.get_error_summary()["total_errors"])
            aggregator.get_plugin_health("p1")

    def writer(n: int) -> None:
        for i in range(per_thread):
            aggregator.record_error(ValueError(f"v {i}"), plugin_id=f"p{n}", operation="update")

    read = threading.Thread(target=reader)
    read.start()
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    read.join()
    assert aggregator._error_counts["ValueError"] == threads_n * per_thread
    assert {p: c["ValueError"] for p, c in aggregator._plugin_error_counts.items()} == {
        f"p{n}": per_thread for n in range(threads_n)}
    assert len(aggregator._records) == 500 and summaries
    assert sum(p.total_count for p in aggregator.active_patterns()) == threads_n * per_thread
