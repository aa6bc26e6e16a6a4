"""The seed's observable behaviour holds for our aggregator (our own tests of the same contract)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from error_status import aggregator as module
from error_status.aggregator import ErrorAggregator, ErrorPattern, ErrorRecord

SEED_SUMMARY_KEYS = {"session_start", "total_errors", "error_rate_per_hour", "error_counts_by_type",
                     "plugin_error_counts", "active_patterns", "recent_errors"}
SEED_RECORD_KEYS = {"error_type", "message", "timestamp", "context", "plugin_id", "operation", "stack_trace"}
SEED_PATTERN_KEYS = {"error_type", "count", "first_seen", "last_seen", "affected_plugins",
                     "sample_messages", "severity"}


class HostError(Exception):
    """Duck-typed stand-in for LEDMatrix's LEDMatrixError: carries a context dict."""

    def __init__(self, message: str, context: dict[str, object]) -> None:
        super().__init__(message)
        self.context = context


def test_record_fields_and_stack_trace_of_a_raised_error() -> None:
    aggregator = ErrorAggregator()
    try:
        raise ValueError("boom 42")
    except ValueError as error:
        record = aggregator.record_error(error, plugin_id="weather", operation="update")
    assert (record.error_type, record.message, record.plugin_id, record.operation) == (
        "ValueError", "boom 42", "weather", "update")
    assert record.stack_trace is not None
    assert "Traceback (most recent call last)" in record.stack_trace
    assert "test_record_fields_and_stack_trace_of_a_raised_error" in record.stack_trace
    assert 'raise ValueError("boom 42")' in record.stack_trace
    assert record.stack_trace.rstrip().endswith("ValueError: boom 42")


def test_stack_trace_recorded_outside_except_block_is_not_nonetype() -> None:
    aggregator = ErrorAggregator()
    try:
        raise KeyError("homeTeam")
    except KeyError as caught:
        error = caught
    record = aggregator.record_error(error)  # outside the except block, as LEDMatrix's executor does
    assert record.stack_trace is not None
    assert "NoneType: None" not in record.stack_trace
    assert "raise KeyError" in record.stack_trace


def test_never_raised_error_gets_the_recording_site() -> None:
    record = ErrorAggregator().record_error(ValueError("not raised"))
    assert record.stack_trace is not None
    assert "never raised" in record.stack_trace
    assert "test_never_raised_error_gets_the_recording_site" in record.stack_trace


def test_chained_exceptions_are_in_the_trace() -> None:
    aggregator = ErrorAggregator()
    try:
        try:
            raise OSError("socket closed")
        except OSError as inner:
            raise RuntimeError("fetch failed") from inner
    except RuntimeError as error:
        record = aggregator.record_error(error)
    trace = record.stack_trace or ""
    assert trace.index("OSError: socket closed") < trace.index("direct cause") < trace.index(
        "RuntimeError: fetch failed")


def test_context_is_copied_and_error_context_merged_without_mutating_the_callers_dict() -> None:
    aggregator = ErrorAggregator()
    caller_context = {"key": "value", "count": 42}
    record = aggregator.record_error(HostError("failed", {"plugin_id": "x", "extra": 1}),
                                     context=caller_context)
    assert record.context == {"key": "value", "count": 42, "plugin_id": "x", "extra": 1}
    assert caller_context == {"key": "value", "count": 42}


def test_max_records_keeps_the_newest() -> None:
    aggregator = ErrorAggregator(max_records=5)
    for i in range(10):
        aggregator.record_error(ValueError(f"Error {i}"))
    assert [r.message for r in aggregator._records] == [f"Error {i}" for i in range(5, 10)]


def test_counts_by_type_and_plugin() -> None:
    aggregator = ErrorAggregator()
    for _ in range(3):
        aggregator.record_error(ValueError("a"), plugin_id="p1")
    aggregator.record_error(TypeError("b"), plugin_id="p2")
    aggregator.record_error(TypeError("b"))
    assert aggregator._error_counts == {"ValueError": 3, "TypeError": 2}
    assert aggregator._plugin_error_counts == {"p1": {"ValueError": 3}, "p2": {"TypeError": 1}}


def test_pattern_at_threshold_per_type_view_and_callback_once() -> None:
    aggregator = ErrorAggregator(pattern_threshold=3)
    seen: list[ErrorPattern] = []
    aggregator.on_pattern_detected(seen.append)
    for _ in range(2):
        aggregator.record_error(ValueError("x"))
    assert "ValueError" not in aggregator._patterns and seen == []
    for _ in range(10):
        aggregator.record_error(ValueError("x"))
    assert "ValueError" in aggregator._patterns
    assert aggregator._patterns["ValueError"].severity == "critical"
    assert [p.error_type for p in seen] == ["ValueError"]
    assert seen[0].count == 3 and seen[0].severity == "warning"  # a copy: later records don't change it


def test_summary_has_the_seed_keys_and_shapes() -> None:
    aggregator = ErrorAggregator(pattern_threshold=2)
    for _ in range(2):
        aggregator.record_error(ValueError("v"), plugin_id="p")
    aggregator.record_error(TypeError("t"))
    summary = aggregator.get_error_summary()
    assert summary.keys() >= SEED_SUMMARY_KEYS
    assert summary["total_errors"] == 3
    assert summary["error_counts_by_type"] == {"ValueError": 2, "TypeError": 1}
    assert summary["plugin_error_counts"] == {"p": {"ValueError": 2}}
    (pattern,) = summary["active_patterns"].values()
    assert pattern.keys() >= SEED_PATTERN_KEYS and pattern["affected_plugins"] == ["p"]
    assert all(r.keys() >= SEED_RECORD_KEYS for r in summary["recent_errors"])
    datetime.fromisoformat(summary["session_start"])


def test_plugin_health_states() -> None:
    aggregator = ErrorAggregator()
    assert aggregator.get_plugin_health("none")["status"] == "healthy"
    for _ in range(3):
        aggregator.record_error(ValueError("e"), plugin_id="deg")
    for _ in range(10):
        aggregator.record_error(ValueError("e"), plugin_id="bad")
    deg, bad = aggregator.get_plugin_health("deg"), aggregator.get_plugin_health("bad")
    assert (deg["status"], deg["recent_error_count"], deg["total_errors"]) == ("degraded", 3, 3)
    assert (bad["status"], bad["recent_error_count"]) == ("unhealthy", 10)
    assert bad["last_error"]["plugin_id"] == "bad"


def test_clear_old_records_by_age_and_assigning_timestamp_moves_the_record() -> None:
    aggregator = ErrorAggregator()
    aggregator.record_error(ValueError("old"))
    aggregator.record_error(ValueError("new"))
    aggregator._records[0].timestamp = datetime.now() - timedelta(hours=48)
    assert aggregator.clear_old_records(max_age_hours=24) == 1
    assert [r.message for r in aggregator._records] == ["new"]
    assert aggregator.clear_old_records(max_age_hours=24) == 0


def test_threads_lose_nothing() -> None:
    aggregator = ErrorAggregator(max_records=1000)

    def work(n: int) -> None:
        for i in range(100):
            aggregator.record_error(ValueError(f"t{n} {i}"), plugin_id=f"p{n}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(aggregator._records) == 500


def test_singleton_and_convenience_function() -> None:
    assert module.get_error_aggregator() is module.get_error_aggregator()
    record = module.record_error(ValueError("conv"), plugin_id="t")
    assert (record.error_type, record.plugin_id) == ("ValueError", "t")


def test_to_dict_shapes() -> None:
    now = datetime.now()
    record = ErrorRecord("ValueError", "m", now, {"k": "v"}, "p", "update", "tb")
    assert record.to_dict() == {"error_type": "ValueError", "message": "m", "timestamp": now.isoformat(),
                                "context": {"k": "v"}, "plugin_id": "p", "operation": "update",
                                "stack_trace": "tb"}
    pattern = ErrorPattern("ValueError", 5, now, now, ["a", "b", "a"], ["1", "2", "3", "4"], "warning")
    data = pattern.to_dict()
    assert data.keys() >= SEED_PATTERN_KEYS
    assert data["affected_plugins"] == ["a", "b"] and data["sample_messages"] == ["1", "2", "3"]
