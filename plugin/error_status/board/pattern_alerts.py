"""Alerts for the aggregator's active patterns, moved by its lifecycle events in sequence order:
an event older than the last one applied to its pattern never undoes a newer one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..aggregator.events import EventKind, PatternEvent
from ..model import Alert
from .alerts import alert_from_pattern

_MAX_SEQUENCES = 4096  # resolved patterns whose last sequence is remembered


@dataclass(slots=True)
class Entry:
    """One alert and when it was raised to its severity / last changed."""

    alert: Alert
    since: float
    updated: float
    expires_at: float | None = None


class PatternAlerts:
    """One alert per active pattern (guarded by the board's lock)."""

    def __init__(self, max_alerts: int) -> None:
        self._max_alerts = max_alerts
        self.entries: dict[str, Entry] = {}
        self._sequences: dict[str, int] = {}  # pattern key -> last sequence applied
        self._floor = 0  # events up to this sequence are already reflected (after a resync)

    def apply(self, event: PatternEvent) -> str | None:
        """Move one alert; returns the key when it changed something (None: stale or no room)."""
        pattern = event.pattern
        key = pattern.key
        if event.sequence <= self._floor or event.sequence < self._sequences.get(key, 0):
            return None
        self._remember(key, event.sequence)
        if event.kind is EventKind.RESOLVED:
            return key if self.entries.pop(key, None) is not None else None
        alert = alert_from_pattern(pattern)
        entry = self.entries.get(key)
        now = event.monotonic
        if entry is None:
            if len(self.entries) >= self._max_alerts:
                return None
            self.entries[key] = Entry(alert, now, now)
        else:
            if alert.severity != entry.alert.severity:
                entry.since = now
            entry.alert, entry.updated, entry.expires_at = alert, now, None
        return key

    def resync(self, active: Iterable[Alert], now: float, as_of: int = 0) -> None:
        """Replace every alert with ``active``, the aggregator's view as of sequence ``as_of``."""
        self.entries = {a.key: Entry(a, now, now) for a in list(active)[: self._max_alerts]}
        self._floor = max(self._floor, as_of)

    def restore(self, alerts: Iterable[Alert], now: float, expire_after: float) -> None:
        """Alerts saved before a restart; each leaves after ``expire_after`` seconds unless its
        pattern is reported again."""
        for alert in alerts:
            if alert.key not in self.entries and len(self.entries) < self._max_alerts:
                self.entries[alert.key] = Entry(alert, now, now, expires_at=now + expire_after)

    def expire(self, now: float, ttl: float | None) -> list[str]:
        """Drop alerts past their time-to-live or restore expiry; returns their keys."""
        gone = [key for key, entry in self.entries.items()
                if (ttl is not None and now - entry.updated > ttl)
                or (entry.expires_at is not None and now >= entry.expires_at)]
        for key in gone:
            del self.entries[key]
        return gone

    def _remember(self, key: str, sequence: int) -> None:
        sequences = self._sequences
        sequences.pop(key, None)
        sequences[key] = sequence
        if len(sequences) > _MAX_SEQUENCES:  # forget the least recently moved: they are long resolved
            for old in list(sequences)[: len(sequences) - _MAX_SEQUENCES]:
                if old not in self.entries:
                    del sequences[old]
