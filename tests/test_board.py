"""The alert board: ordering, replacement in place, resolution, TTL, acknowledge and snooze, health."""

from __future__ import annotations

from datetime import datetime

from error_status.aggregator.events import EventKind, PatternEvent
from error_status.aggregator.records import ErrorPattern
from error_status.board import AlertBoard, alert_from_pattern
from error_status.clock import ManualClock
from error_status.model import HealthState, Severity


def event(kind: EventKind, key: str, severity: Severity, plugin: str | None = "weather", count: int = 5,
          at: float = 0.0, message: str = "boom") -> PatternEvent:
    """A lifecycle event for pattern ``key``."""
    now = datetime(2026, 1, 1)
    pattern = ErrorPattern("TimeoutError", count, now, now, [plugin] if plugin else [], [message],
                           severity.label, key=key, plugin_id=plugin)
    return PatternEvent(kind, pattern, severity, None, 1, at)


def test_orders_worst_first_then_most_recently_raised() -> None:
    clock = ManualClock()
    board = AlertBoard(clock=clock)
    board.apply([event(EventKind.DETECTED, "a", Severity.WARNING, "a", at=1),
                 event(EventKind.DETECTED, "b", Severity.ERROR, "b", at=2),
                 event(EventKind.DETECTED, "c", Severity.WARNING, "c", at=3)])
    assert [a.key for a in board.snapshot().alerts] == ["b", "c", "a"]
    board.apply([event(EventKind.ESCALATED, "a", Severity.CRITICAL, "a", at=4)])
    assert [a.key for a in board.snapshot().alerts] == ["a", "b", "c"]


def test_one_alert_per_pattern_replaced_in_place_and_removed_when_resolved() -> None:
    board = AlertBoard(clock=ManualClock())
    board.apply([event(EventKind.DETECTED, "k", Severity.WARNING, count=5)])
    first = board.snapshot()
    board.apply([event(EventKind.UPDATED, "k", Severity.WARNING, count=9)])
    second = board.snapshot()
    assert [a.count for a in second.alerts] == [9]
    assert second.alerts_version == first.alerts_version + 1
    board.apply([event(EventKind.RESOLVED, "k", Severity.WARNING)])
    third = board.snapshot()
    assert third.alerts == () and third.all_clear
    assert [(h.plugin_id, h.state) for h in third.health] == [("weather", HealthState.HEALTHY)]


def test_snapshot_object_is_kept_until_something_visible_changes() -> None:
    board = AlertBoard(clock=ManualClock())
    board.apply([event(EventKind.DETECTED, "k", Severity.ERROR)])
    snapshot = board.snapshot()
    assert board.refresh() is False and board.snapshot() is snapshot
    board.set_health({"weather": (HealthState.HEALTHY, "")})
    assert board.snapshot() is snapshot  # the alert already makes weather "failing"
    board.set_health({"clock": (HealthState.DISABLED, "")})
    assert board.snapshot() is not snapshot
    assert board.snapshot().alerts_version == snapshot.alerts_version  # alerts unchanged


def test_health_is_the_worse_of_host_report_and_alerts() -> None:
    board = AlertBoard(clock=ManualClock())
    board.set_health({"weather": (HealthState.DEGRADED, "recovering"),
                      "stocks": (HealthState.FAILING, "open"), "clock": (HealthState.HEALTHY, "")})
    board.apply([event(EventKind.DETECTED, "k", Severity.CRITICAL, "weather"),
                 event(EventKind.DETECTED, "j", Severity.WARNING, "stocks")])
    health = {h.plugin_id: h.state for h in board.snapshot().health}
    assert health == {"clock": HealthState.HEALTHY, "stocks": HealthState.FAILING,
                      "weather": HealthState.CRITICAL}
    assert [h.plugin_id for h in board.snapshot().health] == ["clock", "stocks", "weather"]


def test_min_severity_hides_lower_alerts_but_not_their_dots() -> None:
    board = AlertBoard(clock=ManualClock(), min_severity=Severity.ERROR)
    board.apply([event(EventKind.DETECTED, "k", Severity.WARNING)])
    snapshot = board.snapshot()
    assert snapshot.alerts == ()
    assert [h.state for h in snapshot.health] == [HealthState.DEGRADED]


def test_acknowledge_hides_until_it_gets_worse() -> None:
    board = AlertBoard(clock=ManualClock())
    board.apply([event(EventKind.DETECTED, "k", Severity.WARNING)])
    assert board.acknowledge("k") and board.snapshot().alerts == ()
    board.apply([event(EventKind.UPDATED, "k", Severity.WARNING, count=7)])
    assert board.snapshot().alerts == ()
    board.apply([event(EventKind.ESCALATED, "k", Severity.ERROR)])
    assert [a.severity for a in board.snapshot().alerts] == [Severity.ERROR]
    assert board.acknowledge("missing") is False


def test_snooze_ends_after_its_time() -> None:
    clock = ManualClock()
    board = AlertBoard(clock=clock)
    board.apply([event(EventKind.DETECTED, "k", Severity.ERROR)])
    board.snooze("k", 60)
    assert board.snapshot().alerts == ()
    clock.advance(59)
    board.refresh()
    assert board.snapshot().alerts == ()
    clock.advance(2)
    board.refresh()
    assert len(board.snapshot().alerts) == 1


def test_time_to_live_drops_alerts_that_stopped_changing() -> None:
    clock = ManualClock()
    board = AlertBoard(clock=clock, alert_ttl=300)
    board.apply([event(EventKind.DETECTED, "k", Severity.ERROR, at=clock.monotonic())])
    clock.advance(301)
    assert board.refresh() is True and board.snapshot().alerts == ()


def test_follows_an_aggregator_without_blocking_it() -> None:
    from error_status.aggregator import ErrorAggregator

    clock = ManualClock()
    aggregator = ErrorAggregator(pattern_threshold=2, clock=clock)
    board = AlertBoard(clock=clock)
    board.follow(aggregator.subscribe())
    for _ in range(2):
        aggregator.record_error(ValueError("bad"), plugin_id="news")
    assert board.snapshot().alerts == ()  # nothing until refresh: the aggregator never waits for the board
    assert board.refresh() is True
    (alert,) = board.snapshot().alerts
    assert (alert.plugin_id, alert.severity, alert.count) == ("news", Severity.WARNING, 2)
    board.close()


def test_state_round_trip_restores_alerts_that_then_expire() -> None:
    clock = ManualClock()
    board = AlertBoard(clock=clock)
    board.apply([event(EventKind.DETECTED, "k", Severity.CRITICAL, "weather")])
    state = board.state()
    restored = AlertBoard(clock=clock)
    restored.restore(state, expire_after=300)
    assert [a.key for a in restored.snapshot().alerts] == ["k"]
    clock.advance(301)
    restored.refresh()
    assert restored.snapshot().alerts == ()
    assert [h.plugin_id for h in restored.snapshot().health] == ["weather"]


def test_restore_skips_malformed_entries() -> None:
    board = AlertBoard(clock=ManualClock())
    board.restore({"patterns": [{"key": "x"}, "junk", {"key": "k", "severity": "error", "error_type": "E",
                                                        "count": 3, "first_seen": 0, "last_seen": 0}]},
                  expire_after=60)
    assert [a.key for a in board.snapshot().alerts] == ["k"]


def test_alert_from_pattern_keeps_the_first_sample_message() -> None:
    pattern = ErrorPattern("E", 4, datetime(2026, 1, 1), datetime(2026, 1, 1), ["p"], ["first", "second"],
                           "error", key="k", plugin_id="p")
    alert = alert_from_pattern(pattern)
    assert (alert.message, alert.severity, alert.source) == ("first", Severity.ERROR, "p")
