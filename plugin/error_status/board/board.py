"""The alert board: what the panel shows now, built from lifecycle events and plugin health."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..aggregator.delivery import Subscription
from ..aggregator.events import EventKind, PatternEvent
from ..aggregator.limits import positive_int, positive_number
from ..clock import SYSTEM_CLOCK, Clock
from ..model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity
from .alerts import alert_from_dict, alert_from_pattern, alert_to_dict, health_entry

_MAX_EVENTS_PER_REFRESH = 512


@dataclass(slots=True)
class _Entry:
    """One alert and the state the board keeps about it."""

    alert: Alert
    since: float
    updated: float
    hidden_up_to: Severity | None = None
    snoozed_until: float | None = None
    expires_at: float | None = None


class AlertBoard:
    """Active alerts (one per pattern) and health per plugin, as immutable snapshots.

    Events are pulled from a subscription (``refresh``), so the aggregator never waits for the
    board. Alerts are ordered worst first, then most recently raised to that severity first.
    """

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK, min_severity: Severity = Severity.WARNING,
                 alert_ttl: float | None = None, max_alerts: int = 64, max_plugins: int = 256,
                 show_all_clear: bool = True) -> None:
        if not isinstance(min_severity, Severity):
            raise TypeError(f"min_severity must be a Severity, got {type(min_severity).__name__}")
        if not isinstance(show_all_clear, bool):
            raise TypeError(f"show_all_clear must be true or false, got {type(show_all_clear).__name__}")
        self._clock = clock
        self._min_severity = min_severity
        self._ttl = None if alert_ttl is None else positive_number("alert_ttl", alert_ttl)
        self._max_alerts = positive_int("max_alerts", max_alerts)
        self._max_plugins = positive_int("max_plugins", max_plugins)
        self._show_all_clear = show_all_clear
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._external: dict[str, tuple[HealthState, str]] = {}
        self._known: dict[str, None] = {}
        self._subscription: Subscription | None = None
        self._snapshot: BoardSnapshot | None = None
        self._version = 0
        self._visible_key: tuple[object, ...] = ()

    # ------------------------------------------------------------------ inputs

    def follow(self, subscription: Subscription) -> None:
        """Take events from ``subscription`` (made without a callback) at each ``refresh``."""
        self._subscription = subscription

    def close(self) -> None:
        """Stop following the aggregator."""
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    def refresh(self) -> bool:
        """Apply pending events and expiries; True when the snapshot changed."""
        events = self._subscription.drain(_MAX_EVENTS_PER_REFRESH) if self._subscription else []
        with self._lock:
            for event in events:
                self._apply(event)
            self._expire(self._clock.monotonic())
            return self._rebuild()

    def apply(self, events: Iterable[PatternEvent]) -> bool:
        """Apply events directly (tests, restore); True when the snapshot changed."""
        events = list(events)
        if not all(isinstance(event, PatternEvent) for event in events):
            raise TypeError("events must be PatternEvent objects")
        with self._lock:
            for event in events:
                self._apply(event)
            return self._rebuild()

    def resync(self, active: Iterable[Alert]) -> bool:
        """Replace every alert with ``active`` (after dropped events, or on restore)."""
        alerts = list(active)[: self._max_alerts]
        if not all(isinstance(alert, Alert) for alert in alerts):
            raise TypeError("active must be Alert objects")
        now = self._clock.monotonic()
        with self._lock:
            self._entries = {a.key: _Entry(a, now, now) for a in alerts}
            for alert in self._entries.values():
                self._remember(alert.alert.plugin_id)
            return self._rebuild()

    def set_health(self, health: Mapping[str, tuple[HealthState, str]]) -> bool:
        """Health reported by the host per plugin; True when the snapshot changed.

        Entries that are not ``plugin id -> (HealthState, reason)`` are left out: one bad entry must
        not stop the board from drawing (every later snapshot would fail).
        """
        if not isinstance(health, Mapping):
            raise TypeError(f"health must be a mapping, got {type(health).__name__}")
        entries = [entry for entry in map(health_entry, list(health.items())) if entry is not None]
        with self._lock:
            self._external = dict(entries[: self._max_plugins])
            for plugin_id in self._external:
                self._remember(plugin_id)
            return self._rebuild()

    def acknowledge(self, key: str) -> bool:
        """Hide an alert until it gets worse than it is now."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False
            entry.hidden_up_to = entry.alert.severity
            return self._rebuild()

    def snooze(self, key: str, seconds: float) -> bool:
        """Hide an alert for ``seconds``, or until it gets worse."""
        seconds = positive_number("seconds", seconds, allow_zero=True)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False
            entry.hidden_up_to = entry.alert.severity
            entry.snoozed_until = self._clock.monotonic() + seconds
            return self._rebuild()

    # ------------------------------------------------------------------ output

    def snapshot(self) -> BoardSnapshot:
        """The current snapshot (the same object until something visible changes)."""
        with self._lock:
            if self._snapshot is None:
                self._rebuild()
            assert self._snapshot is not None
            return self._snapshot

    def worst_visible(self) -> Severity | None:
        """The worst visible severity; O(1) (read from the current snapshot)."""
        snapshot = self._snapshot
        return snapshot.worst if snapshot is not None else None

    def state(self) -> dict[str, Any]:
        """The active alerts and the plugins seen, as JSON-safe data (for persistence)."""
        with self._lock:
            snapshot = self._snapshot
            health = {h.plugin_id: h for h in snapshot.health} if snapshot else {}
            plugins = {}
            for pid in self._known:
                known = health.get(pid)
                plugins[pid] = {"state": (known.state if known else HealthState.HEALTHY).value,
                                "reason": known.reason if known else ""}
            return {"version": 1, "patterns": [alert_to_dict(e.alert) for e in self._entries.values()],
                    "plugins": plugins}

    def restore(self, state: Mapping[str, Any], expire_after: float) -> bool:
        """Show what was active before a restart; each restored alert leaves after ``expire_after``
        seconds unless the aggregator reports its pattern again (same key) in the meantime."""
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping, got {type(state).__name__}")
        expire_after = positive_number("expire_after", expire_after, allow_zero=True)
        now = self._clock.monotonic()
        patterns = state.get("patterns")
        plugins = state.get("plugins")
        alerts = []
        for data in list(patterns)[: self._max_alerts] if isinstance(patterns, list | tuple) else ():
            try:
                alerts.append(alert_from_dict(data))
            except (KeyError, TypeError, ValueError, OverflowError):
                continue
        with self._lock:
            for alert in alerts:
                if alert.key not in self._entries:
                    self._entries[alert.key] = _Entry(alert, now, now, expires_at=now + expire_after)
                self._remember(alert.plugin_id)
            for plugin_id in list(plugins)[: self._max_plugins] if isinstance(plugins, Mapping) else ():
                if isinstance(plugin_id, str):
                    self._remember(plugin_id)
            return self._rebuild()

    # ------------------------------------------------------------------ internals

    def _apply(self, event: PatternEvent) -> None:
        """Move one alert according to one lifecycle event (called with the lock held)."""
        pattern = event.pattern
        if event.kind is EventKind.RESOLVED:
            self._entries.pop(pattern.key, None)
            self._remember(pattern.plugin_id)
            return
        alert = alert_from_pattern(pattern)
        entry = self._entries.get(pattern.key)
        now = event.monotonic
        if entry is None:
            if len(self._entries) >= self._max_alerts:
                return
            self._entries[pattern.key] = _Entry(alert, now, now)
        else:
            if alert.severity != entry.alert.severity:
                entry.since = now
            entry.alert, entry.updated, entry.expires_at = alert, now, None
        self._remember(pattern.plugin_id)

    def _remember(self, plugin_id: str | None) -> None:
        """Keep a dot for every plugin ever seen failing (bounded)."""
        if plugin_id and plugin_id not in self._known and len(self._known) < self._max_plugins:
            self._known[plugin_id] = None

    def _expire(self, now: float) -> None:
        """Drop alerts past their time-to-live; end snoozes that ran out."""
        for key, entry in list(self._entries.items()):
            if (self._ttl is not None and now - entry.updated > self._ttl) or (
                    entry.expires_at is not None and now >= entry.expires_at):
                del self._entries[key]
            elif entry.snoozed_until is not None and now >= entry.snoozed_until:
                entry.snoozed_until = None
                entry.hidden_up_to = None

    def _visible(self) -> list[_Entry]:
        """Entries shown on the panel, worst first, then most recently raised first."""
        shown = [e for e in self._entries.values()
                 if e.alert.severity >= self._min_severity
                 and (e.hidden_up_to is None or e.alert.severity > e.hidden_up_to)]
        shown.sort(key=lambda e: (-e.alert.severity, -e.since, e.alert.key))
        return shown

    def _health(self) -> tuple[PluginHealth, ...]:
        """Health per plugin: the worse of the host's report and our active alerts."""
        worst: dict[str, tuple[HealthState, str]] = {pid: (HealthState.HEALTHY, "") for pid in self._known}
        worst.update(self._external)
        for entry in self._entries.values():
            alert = entry.alert
            if alert.plugin_id is None:
                continue
            state = HealthState.for_severity(alert.severity)
            current = worst.get(alert.plugin_id)
            if current is None or state.rank > current[0].rank:
                worst[alert.plugin_id] = (state, f"{alert.error_type} x{alert.count}")
        return tuple(PluginHealth(pid, state, reason) for pid, (state, reason) in sorted(worst.items()))

    def _rebuild(self) -> bool:
        """Build a new snapshot if anything visible changed; True when it did."""
        visible = tuple(e.alert for e in self._visible())
        health = self._health()
        previous = self._snapshot
        if previous is not None and previous.alerts == visible and previous.health == health:
            return False
        version = self._version + (previous is None or previous.alerts != visible)
        self._version = version
        self._snapshot = BoardSnapshot(alerts=visible, health=health, alerts_version=version,
                                       show_all_clear=self._show_all_clear)
        return True
