"""The alert board: what the panel shows now, from every source, as immutable snapshots.

Sources: the aggregator's patterns (lifecycle events, applied in sequence order), plugin health
(the host's reports become alerts of their own; the aggregator's counts make dots), and external
alerts (Alertmanager, a test alert) that a source replaces as a whole. One thread drives it
(``refresh``, ``set_*``); any thread may read ``snapshot()``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from ..aggregator.delivery import Subscription
from ..aggregator.events import PatternEvent
from ..aggregator.limits import positive_int, positive_number
from ..clock import SYSTEM_CLOCK, Clock
from ..model import Alert, BoardSnapshot, HealthReport, HealthState, Severity
from .alerts import alert_from_dict, alert_to_dict, health_report
from .attention import Attention
from .health_alerts import HealthAlerts
from .pattern_alerts import PatternAlerts
from .plugin_health import merge_health

_MAX_EVENTS_PER_REFRESH = 512


class AlertBoard:
    """Active alerts from every source and health per plugin.

    Alerts are ordered worst first, then most recently raised to that severity first.

    Args:
        min_severity: alerts below it are not shown (they still keep ALL OK away)
        alert_ttl: drop a pattern alert that has not changed for this many seconds (None: never)
        quiet_period: seconds a plugin must stay healthy before its health alert resolves
        threshold: the aggregator's pattern threshold (that many recent errors: a failing dot)
        self_id: the plugin id of error-status itself (not counted among "the plugins")
    """

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK, min_severity: Severity = Severity.WARNING,
                 alert_ttl: float | None = None, max_alerts: int = 64, max_plugins: int = 256,
                 quiet_period: float = 300.0, threshold: int = 5, self_id: str | None = None) -> None:
        if not isinstance(min_severity, Severity):
            raise TypeError(f"min_severity must be a Severity, got {type(min_severity).__name__}")
        self._clock = clock
        self._min_severity = min_severity
        self._ttl = None if alert_ttl is None else positive_number("alert_ttl", alert_ttl)
        self._max_alerts = positive_int("max_alerts", max_alerts)
        self._max_plugins = positive_int("max_plugins", max_plugins)
        self._threshold = positive_int("threshold", threshold)
        self._self_id = self_id
        self._lock = threading.Lock()
        self._patterns = PatternAlerts(self._max_alerts)
        self._health_alerts = HealthAlerts(positive_number("quiet_period", quiet_period, allow_zero=True))
        self._reports: dict[str, HealthReport] = {}
        self._recent: dict[str, int] = {}
        self._external: dict[str, tuple[Alert, ...]] = {}
        self._attention = Attention()
        self._known: dict[str, None] = {}
        self._raised: dict[str, tuple[Severity, float]] = {}  # key -> severity, when raised to it
        self._subscription: Subscription | None = None
        self._snapshot: BoardSnapshot | None = None
        self._version = 0

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
        """Apply pending events (in order, under the lock) and let time pass; True when the
        snapshot changed."""
        with self._lock:
            subscription = self._subscription
            for event in subscription.drain(_MAX_EVENTS_PER_REFRESH) if subscription else ():
                self._apply(event)
            now = self._clock.monotonic()
            for key in self._patterns.expire(now, self._ttl):
                self._attention.forget(key)
            self._forget_ended(self._health_alerts.tick(now))
            self._attention.expire(now)
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

    def resync(self, active: Iterable[Alert], as_of: int = 0) -> bool:
        """Replace every pattern alert with ``active``: the aggregator's view as of event sequence
        ``as_of`` (after dropped events, or on restore); older events arriving later are ignored."""
        alerts = list(active)[: self._max_alerts]
        if not all(isinstance(alert, Alert) for alert in alerts):
            raise TypeError("active must be Alert objects")
        with self._lock:
            self._patterns.resync(alerts, self._clock.monotonic(), as_of)
            for alert in alerts:
                self._remember(alert.plugin_id)
            return self._rebuild()

    def set_health(self, health: Mapping[str, HealthReport | tuple[HealthState, str]]) -> bool:
        """The host's report per plugin (a plugin it no longer reports counts as healthy); True when
        the snapshot changed. Entries that are not ``plugin id -> HealthReport`` (or ``(state,
        reason)``) are left out: one bad entry must not stop the board from drawing."""
        if not isinstance(health, Mapping):
            raise TypeError(f"health must be a mapping, got {type(health).__name__}")
        entries = [entry for entry in map(health_report, list(health.items())) if entry is not None]
        with self._lock:
            self._reports = dict(entries[: self._max_plugins])
            for plugin_id in self._reports:
                self._remember(plugin_id)
            self._forget_ended(self._health_alerts.update(self._reports, self._clock.monotonic(),
                                                          self._clock.wall()))
            return self._rebuild()

    def set_error_counts(self, recent: Mapping[str, int]) -> bool:
        """The aggregator's errors in its window per plugin (any error: not a healthy dot)."""
        counts = {pid: n for pid, n in list(recent.items())[: self._max_plugins]
                  if isinstance(pid, str) and pid and isinstance(n, int) and n > 0}
        with self._lock:
            if counts == self._recent:
                return False
            self._recent = counts
            for plugin_id in counts:
                self._remember(plugin_id)
            return self._rebuild()

    def set_external(self, source: str, alerts: Iterable[Alert]) -> bool:
        """Replace every alert of an external ``source`` (``"alertmanager"``, ``"test"``)."""
        chosen = tuple(alerts)[: self._max_alerts]
        if not all(isinstance(alert, Alert) for alert in chosen):
            raise TypeError("alerts must be Alert objects")
        with self._lock:
            before = self._external.get(source, ())
            if before == chosen:
                return False
            self._external[source] = chosen
            for key in {a.key for a in before} - {a.key for a in chosen}:
                self._attention.forget(key)  # gone from its source: news again when it returns
            return self._rebuild()

    def acknowledge(self, key: str) -> bool:
        """Hide an alert until it gets worse than it is now (or ends and comes back)."""
        with self._lock:
            alert = self._find(key)
            if alert is None:
                return False
            self._attention.acknowledge(alert)
            return self._rebuild()

    def acknowledge_all(self) -> int:
        """Acknowledge every active alert; returns how many."""
        with self._lock:
            alerts = self._all_alerts()
            for alert in alerts:
                self._attention.acknowledge(alert)
            self._rebuild()
            return len(alerts)

    def snooze(self, key: str, seconds: float) -> bool:
        """Hide an alert for ``seconds``, or until it gets worse."""
        seconds = positive_number("seconds", seconds, allow_zero=True)
        with self._lock:
            alert = self._find(key)
            if alert is None:
                return False
            self._attention.snooze(alert, self._clock.monotonic() + seconds)
            return self._rebuild()

    def snooze_all(self, seconds: float) -> bool:
        """Show only critical alerts for ``seconds`` (0 ends a snooze)."""
        seconds = positive_number("seconds", seconds, allow_zero=True)
        with self._lock:
            self._attention.snooze_all(self._clock.monotonic() + seconds if seconds else None)
            return self._rebuild()

    def snoozed_until(self) -> float | None:
        """When the board-wide snooze ends (wall-clock seconds), or None."""
        with self._lock:
            now = self._clock.monotonic()
            until = self._attention.snoozed_until
            return None if until is None or until <= now else self._clock.wall() + (until - now)

    # ------------------------------------------------------------------ output

    def snapshot(self) -> BoardSnapshot:
        """The current snapshot (the same object until something visible changes)."""
        snapshot = self._snapshot
        if snapshot is not None:
            return snapshot
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
        """The active pattern alerts and the plugins seen, as JSON-safe data (for persistence)."""
        with self._lock:
            snapshot = self._snapshot
            health = {h.plugin_id: h for h in snapshot.health} if snapshot else {}
            plugins = {}
            for pid in self._known:
                known = health.get(pid)
                plugins[pid] = {"state": (known.state if known else HealthState.HEALTHY).value,
                                "reason": known.reason if known else ""}
            patterns = [alert_to_dict(entry.alert) for entry in self._patterns.entries.values()]
            attention = self._attention.export(self._clock.monotonic(), self._clock.wall())
            return {"version": 1, "patterns": patterns, "plugins": plugins, **attention}

    def restore(self, state: Mapping[str, Any], expire_after: float) -> bool:
        """Show what was active before a restart; each restored alert leaves after ``expire_after``
        seconds unless the aggregator reports its pattern again (same key) in the meantime."""
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping, got {type(state).__name__}")
        expire_after = positive_number("expire_after", expire_after, allow_zero=True)
        patterns = state.get("patterns")
        plugins = state.get("plugins")
        alerts = []
        for data in list(patterns)[: self._max_alerts] if isinstance(patterns, list | tuple) else ():
            try:
                alerts.append(alert_from_dict(data))
            except (KeyError, TypeError, ValueError, OverflowError):
                continue
        with self._lock:
            self._patterns.restore(alerts, self._clock.monotonic(), expire_after)
            self._attention.restore(state, self._clock.monotonic(), self._clock.wall())
            for alert in alerts:
                self._remember(alert.plugin_id)
            for plugin_id in list(plugins)[: self._max_plugins] if isinstance(plugins, Mapping) else ():
                if isinstance(plugin_id, str):
                    self._remember(plugin_id)
            return self._rebuild()

    # ------------------------------------------------------------------ internals

    def _apply(self, event: PatternEvent) -> None:
        """Move one alert according to one lifecycle event (called with the lock held)."""
        key = self._patterns.apply(event)
        if key is not None and key not in self._patterns.entries:
            self._attention.forget(key)  # resolved: its next episode is news again
        self._remember(event.pattern.plugin_id)

    def _forget_ended(self, ended: Iterable[str]) -> None:
        """Health alerts that resolved: their next episode is news again."""
        for key in ended:
            self._attention.forget(key)

    def _remember(self, plugin_id: str | None) -> None:
        """Keep a dot for every plugin ever seen failing (bounded)."""
        if plugin_id and plugin_id not in self._known and len(self._known) < self._max_plugins:
            self._known[plugin_id] = None

    def _all_alerts(self) -> list[Alert]:
        """Every active alert of every source."""
        alerts = [entry.alert for entry in self._patterns.entries.values()]
        alerts.extend(self._health_alerts.alerts())
        for external in self._external.values():
            alerts.extend(external)
        return alerts

    def _find(self, key: str) -> Alert | None:
        return next((alert for alert in self._all_alerts() if alert.key == key), None)

    def _since(self, alert: Alert, now: float) -> float:
        """When the alert was raised to its severity (monotonic; orders alerts of one severity)."""
        entry = self._patterns.entries.get(alert.key)
        if entry is not None:
            return entry.since
        raised = self._raised.get(alert.key)
        if raised is None or raised[0] != alert.severity:
            raised = self._raised[alert.key] = (alert.severity, now)
        return raised[1]

    def _rebuild(self) -> bool:
        """Build a new snapshot if anything visible changed; True when it did."""
        now = self._clock.monotonic()
        alerts = self._all_alerts()
        keys = {alert.key for alert in alerts}
        for key in self._raised.keys() - keys:
            del self._raised[key]
        shown = [a for a in alerts if self._attention.shown(a, now)]
        visible = sorted((a for a in shown if a.severity >= self._min_severity),
                         key=lambda a: (-a.severity, -self._since(a, now), a.key))
        health = merge_health(self._known, self._reports, self._recent, self._threshold, alerts,
                              self._self_id)
        previous = self._snapshot
        muted = len(alerts) - len(visible)
        if previous is not None and previous.alerts == tuple(visible) and previous.health == health \
                and previous.muted == muted and previous.snoozed == self._attention.snoozed(now):
            return False
        version = self._version + (previous is None or previous.alerts != tuple(visible))
        self._version = version
        self._snapshot = BoardSnapshot(alerts=tuple(visible), health=health, alerts_version=version,
                                       muted=muted, snoozed=self._attention.snoozed(now))
        return True
