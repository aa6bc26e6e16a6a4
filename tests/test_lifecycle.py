"""Every lifecycle transition, driven by an injected clock (no sleeps)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from error_status.aggregator import ErrorAggregator, EventKind, PatternEvent
from error_status.aggregator.pattern import Thresholds
from error_status.clock import ManualClock
from error_status.model import Severity

Build = Callable[..., ErrorAggregator]


def kinds(events: list[PatternEvent]) -> list[tuple[str, str]]:
    """(kind, severity) pairs, without the throttled count updates."""
    return [(e.kind.value, e.severity.label) for e in events if e.kind is not EventKind.UPDATED]


@pytest.fixture
def storm(make_aggregator: Build, clock: ManualClock) -> tuple[ErrorAggregator, list[PatternEvent]]:
    """An aggregator (threshold 3, window 10 min, quiet 2 min) and the events it delivers."""
    aggregator = make_aggregator(pattern_threshold=3, pattern_window_minutes=10, quiet_period_minutes=2)
    seen: list[PatternEvent] = []
    aggregator.subscribe(seen.append)
    return aggregator, seen


def fail(aggregator: ErrorAggregator, times: int = 1, message: str = "timeout after 3.2s",
         plugin: str = "weather") -> None:
    for _ in range(times):
        aggregator.record_error(TimeoutError(message), plugin_id=plugin, operation="update")


def test_detected_then_escalated_to_error_and_critical(storm: tuple[ErrorAggregator, list[PatternEvent]],
                                                         clock: ManualClock) -> None:
    aggregator, seen = storm
    fail(aggregator, 2)
    assert seen == []
    fail(aggregator)
    assert kinds(seen) == [("detected", "warning")]
    fail(aggregator, 3)  # 6 = 2T: still warning
    assert kinds(seen) == [("detected", "warning")]
    fail(aggregator)  # 7 > 2T
    fail(aggregator, 3)  # 10 > 3T
    assert kinds(seen) == [("detected", "warning"), ("escalated", "error"), ("escalated", "critical")]
    assert seen[-1].previous_severity is Severity.ERROR
    assert [e.sequence for e in seen] == sorted(e.sequence for e in seen)


def test_decay_de_escalates_then_quiet_period_resolves(storm: tuple[ErrorAggregator, list[PatternEvent]],
                                                       clock: ManualClock) -> None:
    aggregator, seen = storm
    fail(aggregator, 10)  # critical burst at t=0
    for _ in range(6):  # one failure every 100 s keeps it active while the burst leaves the window
        clock.advance(100)
        fail(aggregator)
    clock.advance(60)
    aggregator.tick()
    # the burst has left the window: 6 in the window, below 80% of critical's 10, above 80% of error's 7
    assert kinds(seen)[-1] == ("de-escalated", "error")
    assert aggregator.active_patterns()[0].severity == "error"
    clock.advance(5 * 60)  # quiet period: max(2 min, 3 x typical gap)
    aggregator.tick()
    assert kinds(seen) == [("detected", "warning"), ("escalated", "error"), ("escalated", "critical"),
                           ("de-escalated", "error"), ("resolved", "error")]
    assert aggregator.active_patterns() == []
    assert aggregator.get_error_summary()["active_patterns"] == {}


def test_resolved_pattern_that_comes_back_is_recurred(storm: tuple[ErrorAggregator, list[PatternEvent]],
                                                      clock: ManualClock) -> None:
    aggregator, seen = storm
    fail(aggregator, 3)
    clock.advance(3 * 60)
    aggregator.tick()
    assert kinds(seen) == [("detected", "warning"), ("resolved", "warning")]
    fail(aggregator, 2)  # a new episode needs a full threshold again
    assert kinds(seen)[-1] == ("resolved", "warning")
    fail(aggregator)
    assert kinds(seen)[-1] == ("recurred", "warning")
    assert seen[0].pattern.key == seen[-1].pattern.key


def test_quiet_period_adapts_to_slow_failures(storm: tuple[ErrorAggregator, list[PatternEvent]],
                                              clock: ManualClock) -> None:
    aggregator, seen = storm
    for _ in range(4):  # a plugin failing every 150 s: detected, and not declared fixed in between
        fail(aggregator)
        clock.advance(150)
        aggregator.tick()
    assert kinds(seen) == [("detected", "warning")]
    clock.advance(7 * 60 + 31)
    aggregator.tick()
    assert kinds(seen)[-1][0] == "resolved"


def test_resolution_never_waits_longer_than_the_window(make_aggregator: Build, clock: ManualClock) -> None:
    aggregator = make_aggregator(pattern_threshold=2, pattern_window_minutes=5, quiet_period_minutes=30)
    fail(aggregator, 2)
    clock.advance(5 * 60)
    aggregator.tick()
    assert aggregator.active_patterns() == []


def test_hysteresis_holds_a_boundary_count() -> None:
    thresholds = Thresholds(threshold=5, hysteresis=0.2)
    assert thresholds.severity(16, None) is Severity.CRITICAL
    assert thresholds.severity(15, Severity.CRITICAL) is Severity.CRITICAL  # 15 >= 0.8 * 16
    assert thresholds.severity(13, Severity.CRITICAL) is Severity.CRITICAL
    assert thresholds.severity(12, Severity.CRITICAL) is Severity.ERROR
    assert thresholds.severity(8, Severity.CRITICAL) is Severity.WARNING
    assert thresholds.severity(10, None) is Severity.WARNING
    assert thresholds.severity(11, None) is Severity.ERROR


def test_count_oscillating_on_a_boundary_does_not_flap(storm: tuple[ErrorAggregator, list[PatternEvent]],
                                                       clock: ManualClock) -> None:
    aggregator, seen = storm
    # steady rate that keeps the window count near 7 (the error boundary): one failure every 90 s
    for _ in range(40):
        fail(aggregator)
        clock.advance(90)
        aggregator.tick()
    transitions = [k for k, _ in kinds(seen)]
    assert transitions.count("escalated") <= 1 and transitions.count("de-escalated") == 0


def test_wall_clock_steps_change_nothing(storm: tuple[ErrorAggregator, list[PatternEvent]],
                                         clock: ManualClock) -> None:
    aggregator, seen = storm
    fail(aggregator, 3)
    for step in (365 * 86400, -2 * 365 * 86400):
        clock.step_wall(step)
        aggregator.tick()
        fail(aggregator)
    assert kinds(seen) == [("detected", "warning")]
    assert aggregator.clear_old_records(max_age_hours=1) == 0


def test_updates_carry_counts_at_most_once_a_second(storm: tuple[ErrorAggregator, list[PatternEvent]],
                                                    clock: ManualClock) -> None:
    aggregator, seen = storm
    fail(aggregator, 3)
    fail(aggregator, 2)  # same instant: no update event yet
    clock.advance(1.0)
    fail(aggregator)
    updates = [e for e in seen if e.kind is EventKind.UPDATED]
    assert [e.pattern.count for e in updates] == [6]


def test_on_pattern_detected_gets_new_and_recurred_patterns_only(make_aggregator: Build,
                                                                 clock: ManualClock) -> None:
    aggregator = make_aggregator(pattern_threshold=2, quiet_period_minutes=1)
    got: list[str] = []
    aggregator.on_pattern_detected(lambda p: got.append(p.state))
    fail(aggregator, 20)
    clock.advance(3600)
    aggregator.tick()
    fail(aggregator, 2)
    assert got == ["active", "active"]


def test_fingerprints_separate_plugins_and_messages(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=2)
    fail(aggregator, 2, "timeout after 3.2s", "weather")
    fail(aggregator, 2, "timeout after 9.9s", "weather")  # same shape, same pattern
    fail(aggregator, 2, "timeout after 1s", "stocks")
    fail(aggregator, 2, "HTTP 429 from https://api.x/y?id=1", "stocks")
    active = aggregator.active_patterns()
    assert sorted((p.plugin_id, p.count) for p in active) == [("stocks", 2), ("stocks", 2), ("weather", 4)]
    assert aggregator._patterns["TimeoutError"].count == 8  # the seed's per-type view


def test_caller_fingerprint_groups_across_plugins(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=3)
    for plugin in ("a", "b", "c"):
        aggregator.record_error(OSError(f"disk {plugin}"), plugin_id=plugin, fingerprint="sd-card")
    (pattern,) = aggregator.active_patterns()
    assert pattern.affected_plugins == ["a", "b", "c"]
