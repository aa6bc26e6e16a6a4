"""A takeover that yields: with ``live_priority`` an alert takes the panel for one turn, then the
rotation runs again; it comes back when an alert is new, recurs or escalates, or after
``takeover_repeat_minutes``; and a restart does not take the panel again for what was shown."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from plugin_world import Host

from error_status.clock import ManualClock
from error_status.ledmatrix.takeover import TakeoverLedger
from error_status.model import Alert, BoardSnapshot, Severity

DWELL = 15.0
FRAME = 0.5


class Rotation:
    """The host's rotation with live priority, as display_controller.py runs it: before each dwell
    the live plugin takes the panel (the rotation's place saved), at the end of a dwell a live
    plugin stays, and when live priority ends the rotation resumes where it was."""

    def __init__(self, host: Host, plugin: Any, order: list[str]) -> None:
        self.host, self.plugin, self.order = host, plugin, order
        self.index = 0
        self.resume: int | None = None
        self.turns: list[str] = []
        self.staying = False

    def live(self) -> bool:
        return bool(self.plugin.has_live_priority() and self.plugin.has_live_content())

    def dwell(self) -> str:
        if self.staying:
            mode = "error-status"
        elif self.live():
            if self.resume is None:
                self.resume = self.index  # the mode that was about to play
            mode = "error-status"
        else:
            if self.resume is not None:
                self.index, self.resume = self.resume, None
            mode = self.order[self.index]
        self.turns.append(mode)
        for step in range(int(DWELL / FRAME)):
            self.host.clock.advance(FRAME)
            if step % 2:
                self.host.settle()
            if mode == "error-status":
                self.plugin.display(force_clear=step == 0)
        self.staying = mode == "error-status" and self.live()
        if not self.staying and self.resume is None:
            self.index = (self.index + 1) % len(self.order)
        return mode

    def run(self, dwells: int) -> list[str]:
        return [self.dwell() for _ in range(dwells)]


def critical(host: Host, plugin_id: str = "weather") -> None:
    host.fail(plugin_id, 8)  # threshold 2: critical above 6 in the window


@pytest.fixture
def rotation(host: Host) -> Rotation:
    plugin = host.plugin({"pattern_threshold": 2, "live_priority": True})
    return Rotation(host, plugin, ["clock", "weather", "error-status"])


def test_a_critical_alert_takes_one_turn_then_the_clock_gets_its_turns_again(host: Host,
                                                                            rotation: Rotation) -> None:
    rotation.run(1)  # the clock's turn, nothing wrong
    critical(host)
    host.settle()
    turns = rotation.run(9)
    assert turns[0] == "error-status"  # the takeover: at once
    assert turns[1:].count("clock") >= 2 and turns[1:].count("weather") >= 2
    assert turns[1:].count("error-status") <= 3  # its turns in the rotation, no more
    assert not rotation.plugin.has_live_content()  # the alert is still active, and shown
    assert rotation.plugin._driver.snapshot.worst is Severity.CRITICAL


def test_the_takeover_returns_when_an_alert_escalates_or_a_new_one_comes(host: Host) -> None:
    plugin = host.plugin({"pattern_threshold": 2, "live_priority": True, "takeover_severity": "warning"})
    rotation = Rotation(host, plugin, ["clock", "weather", "calendar", "news"])
    host.fail("weather", 2)  # a warning
    host.settle()
    assert rotation.run(3) == ["error-status", "clock", "weather"]
    host.fail("weather", 4)  # escalates to error
    host.settle()
    assert rotation.run(3) == ["error-status", "calendar", "news"]
    host.fail("calendar", 2)  # a new alert
    host.settle()
    assert rotation.run(2) == ["error-status", "clock"]
    host.fail("calendar", 1)  # its count grows: no news, no takeover
    host.settle()
    assert rotation.run(1) == ["weather"]


def test_it_takes_over_again_after_the_repeat_minutes(host: Host) -> None:
    plugin = host.plugin({"pattern_threshold": 2, "live_priority": True, "takeover_repeat_minutes": 1})
    rotation = Rotation(host, plugin, ["clock", "weather"])  # error-status only ever takes over
    critical(host)
    host.settle()
    turns = rotation.run(12)  # 3 minutes
    takeovers = [i for i, mode in enumerate(turns) if mode == "error-status"]
    assert takeovers[0] == 0 and len(takeovers) == 3  # at 0 s, then a minute after each one ended
    assert all(b - a == 5 for a, b in itertools.pairwise(takeovers))


def test_a_restart_does_not_take_the_panel_again_for_what_was_shown(host: Host) -> None:
    plugin = host.plugin({"pattern_threshold": 2, "live_priority": True})
    critical(host)
    host.settle()
    assert plugin.has_live_content()
    assert plugin.display(force_clear=True)
    assert not plugin.has_live_content()
    plugin.cleanup()  # the display service stops: the state is saved
    host.instances.remove(plugin)
    host.clock.advance(60.0)
    again = host.plugin({"pattern_threshold": 2, "live_priority": True})
    host.settle()
    assert again._driver.snapshot.worst is Severity.CRITICAL  # restored
    assert not again.has_live_content()
    host.clock.advance(4 * 60.0)  # five minutes since it was last on screen
    host.settle()
    assert again.has_live_content()


# ---------------------------------------------------------------------- the ledger


def alert(key: str, severity: Severity, first_seen: float = 100.0) -> Alert:
    return Alert(key=key, severity=severity, plugin_id=key.split("/")[0], error_type="E", message="m",
                 count=3, first_seen=first_seen, last_seen=first_seen + 1)


def board(*alerts: Alert) -> BoardSnapshot:
    return BoardSnapshot(alerts=tuple(sorted(alerts, key=lambda a: -a.severity)))


def test_only_alerts_at_or_above_the_threshold_take_over() -> None:
    ledger = TakeoverLedger()
    snapshot = board(alert("a/x", Severity.ERROR))
    assert not ledger.due(snapshot, Severity.CRITICAL, 300.0, now=0.0)
    assert ledger.due(snapshot, Severity.ERROR, 300.0, now=0.0)
    assert not ledger.due(board(), Severity.WARNING, 300.0, now=0.0)


def test_served_alerts_wait_for_news_or_the_repeat() -> None:
    ledger = TakeoverLedger()
    first = board(alert("a/x", Severity.ERROR))
    ledger.serve(first, now=10.0)
    assert not ledger.due(first, Severity.ERROR, 300.0, now=11.0)
    assert ledger.due(first, Severity.ERROR, 300.0, now=310.0)
    assert ledger.due(board(alert("a/x", Severity.CRITICAL)), Severity.ERROR, 300.0, now=11.0)  # escalated
    assert ledger.due(board(alert("a/x", Severity.ERROR, first_seen=200.0)), Severity.ERROR, 300.0,
                      now=11.0)  # resolved and came back
    both = board(alert("a/x", Severity.ERROR), alert("b/y", Severity.ERROR))
    assert ledger.due(both, Severity.ERROR, 300.0, now=11.0)  # a new one
    ledger.serve(both, now=12.0)
    assert not ledger.due(both, Severity.ERROR, 300.0, now=13.0)
    assert not ledger.due(board(alert("a/x", Severity.WARNING)), Severity.WARNING, 300.0, now=13.0)


def test_due_is_computed_once_per_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = TakeoverLedger()
    scans = []
    scan = ledger._scan
    monkeypatch.setattr(ledger, "_scan", lambda *args: scans.append(1) or scan(*args))
    snapshot = board(*(alert(f"p{i}/x", Severity.CRITICAL) for i in range(64)))
    for frame in range(1000):  # Vegas asks every frame
        ledger.due(snapshot, Severity.ERROR, 300.0, now=float(frame))
    assert len(scans) == 1
    ledger.serve(snapshot, now=5.0)
    ledger.due(snapshot, Severity.ERROR, 300.0, now=6.0)
    assert len(scans) == 2


def test_the_saved_state_restores_what_was_served_and_when(clock: ManualClock) -> None:
    ledger = TakeoverLedger()
    health = Alert(key="health/clock", severity=Severity.ERROR, plugin_id="clock", error_type="CircuitOpen",
                   message="", count=1, first_seen=50.0, last_seen=60.0, origin="health")
    snapshot = board(alert("a/x", Severity.ERROR), health)
    ledger.serve(snapshot, now=clock.monotonic())
    state = ledger.state(clock.monotonic(), clock.wall())
    clock.advance(120.0)
    restored = TakeoverLedger()
    restored.restore(state, clock.monotonic(), clock.wall())
    rebuilt = board(alert("a/x", Severity.ERROR), Alert(**{**_fields(health), "first_seen": 900.0}))
    assert not restored.due(rebuilt, Severity.ERROR, 300.0, now=clock.monotonic())  # health: key and severity
    assert restored.due(rebuilt, Severity.ERROR, 300.0, now=clock.monotonic() + 181.0)  # 2 + 3 minutes
    assert restored.due(board(alert("a/x", Severity.ERROR, first_seen=1.0)), Severity.ERROR, 300.0,
                        now=clock.monotonic())  # a pattern alert's spell is kept


@pytest.mark.parametrize("garbage", [None, 3, "x", {"served": "x"}, {"served": [[1, 2, 3], {"key": 5}],
                                                                       "served_wall": float("nan")},
                                     {"served": [{"key": "a/x", "severity": "bad"}], "served_wall": 10**400}])
def test_a_garbled_saved_state_is_ignored(garbage: object) -> None:
    ledger = TakeoverLedger()
    ledger.restore(garbage, 0.0, 0.0)
    assert ledger.due(board(alert("a/x", Severity.ERROR)), Severity.ERROR, 300.0, now=0.0)


def _fields(value: Alert) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__slots__}


def test_more_alerts_than_are_saved_still_yield_once_shown() -> None:
    ledger = TakeoverLedger()
    snapshot = board(*(alert(f"p{i}/x", Severity.CRITICAL) for i in range(300)))
    ledger.serve(snapshot, now=10.0)
    assert not ledger.due(snapshot, Severity.CRITICAL, 300.0, now=10.5)
    assert len(ledger.state(10.5, 1000.0)["served"]) == 128  # what is saved stays bounded


def test_alerts_hidden_during_a_turn_stay_seen() -> None:
    shown, hidden = alert("b/y", Severity.CRITICAL), alert("a/x", Severity.ERROR)
    ledger = TakeoverLedger()
    ledger.serve(board(shown, hidden), now=0.0)  # the takeover showed both
    ledger.serve(BoardSnapshot(alerts=(shown,), snoozed=True), now=100.0)  # a turn while snoozed
    assert not ledger.due(board(shown, hidden), Severity.ERROR, 300.0, now=101.0)  # the snooze ended


def test_while_on_screen_the_saved_when_stays_recent_so_a_crash_does_not_take_the_panel(host: Host) -> None:
    plugin = host.plugin({"pattern_threshold": 2, "live_priority": True})
    critical(host)
    host.settle()
    for _ in range(25 * 60):  # 25 minutes of our own turns, a frame a second, the alerts unchanged
        host.clock.advance(1.0)
        plugin.display()
        if host.clock.monotonic() % 5 < 1:
            host.settle()
    host.settle()
    driver = plugin._driver
    saved = driver._persistence.load()  # what a power cut leaves
    fresh = TakeoverLedger()
    fresh.restore(saved["takeover"], host.clock.monotonic(), host.clock.wall())
    assert host.clock.wall() - saved["takeover"]["served_wall"] <= 90.0
    assert not fresh.due(driver.snapshot, Severity.CRITICAL, 300.0, host.clock.monotonic())
