"""The aggregator's state behind its lock: records, counts and patterns; the write path, and
consistent copies for the read path. Nothing here calls code the aggregator does not own."""

from __future__ import annotations

import _thread
import itertools
from collections import deque
from typing import Any

from ..hygiene.traces import CapturedStack
from .counts import ErrorCounts
from .delivery import EventHub, Subscription
from .events import PatternEvent
from .lifecycle import Key, PatternTable, PendingEvent
from .limits import Limits
from .pattern import Thresholds
from .records import ErrorPattern, ErrorRecord

Published = tuple[list[PatternEvent], list[tuple[Subscription, int]]]  # events, and what dispatch needs

MAINTENANCE_INTERVAL = 1.0  # seconds between two passes that age the patterns while recording


class LedgerLock(_thread.RLock):  # type: ignore[misc]  # (final in typeshed; a base type in CPython)
    """The ledger's lock: re-entrant, so that a read made by a signal handler or a finaliser while its
    thread holds the lock gets in instead of waiting for itself (writes made so are queued instead:
    ``Reentry``). With ``locked()``, as ``threading.Lock`` has (``RLock`` has it from Python 3.14)."""

    def locked(self) -> bool:
        """True while any thread holds it."""
        if self._is_owned():  # type: ignore[attr-defined]  # (CPython's, as threading.Condition uses)
            return True
        if self.acquire(blocking=False):
            self.release()
            return False
        return True


class Ledger:
    """Records, counts and the pattern table, guarded by one lock (``lock``).

    Lifecycle events are numbered and queued for the subscribers under that lock, so every
    subscriber receives them in the order they happened, whichever thread caused them.
    """

    def __init__(self, max_records: int, thresholds: Thresholds, window: float, quiet: float,
                 limits: Limits, hub: EventHub) -> None:
        self.lock = LedgerLock()
        self._hub = hub
        self.sequence = 0  # the last event number given out
        self.records: deque[ErrorRecord] = deque(maxlen=max_records)
        self.counts = ErrorCounts(window, limits)
        self.table = PatternTable(thresholds, window, min(quiet, window), limits)
        self._max_records = max_records
        self._next_maintenance = 0.0

    def reset_after_fork(self) -> None:
        """In a forked child: a fresh lock."""
        self.lock = LedgerLock()

    def store(self, key: Key, error_type: str, message: str, wall: float, mono: float,
              context: dict[str, Any] | None, plugin: str | None, operation: str | None,
              stack: CapturedStack | str | None,
              fingerprint: str) -> tuple[ErrorRecord, Published | None]:
        """Count one occurrence; returns its record and the lifecycle events it caused."""
        with self.lock:
            table = self.table
            pattern = table.get(key)
            events = None
            if pattern is None:
                pattern, events = table.new_pattern(key, plugin, error_type, operation, fingerprint, mono)
            record = ErrorRecord._make(error_type, message, wall, mono, context, plugin, operation, stack,
                                       pattern.key)
            self.records.append(record)
            self.counts.add(error_type, plugin, mono, record)
            observed = table.record(key, pattern, mono, wall, message, plugin)
            if observed:
                events = observed if events is None else events + observed
            if mono >= self._next_maintenance:
                events = (events or []) + self._maintain(mono)
            return record, self._publish(events) if events else None

    def maintain(self, now: float) -> Published | None:
        """Resolve quiet patterns and let severities decay."""
        with self.lock:
            events = self._maintain(now)
            return self._publish(events) if events else None

    def _publish(self, pending: list[PendingEvent]) -> Published:
        """Number the events and queue them for every subscriber (called with the lock held)."""
        first = self.sequence + 1
        self.sequence += len(pending)
        events = [PatternEvent(kind, pattern, severity, previous, first + n, mono)
                  for n, (kind, pattern, severity, previous, mono) in enumerate(pending)]
        return events, self._hub.enqueue(events)

    def _maintain(self, now: float) -> list[PendingEvent]:
        """The table ages its patterns (called with the lock held)."""
        self._next_maintenance = now + MAINTENANCE_INTERVAL
        return self.table.maintain(now)

    # ------------------------------------------------------------------ copies for readers

    def active_patterns(self, now: float) -> tuple[list[ErrorPattern], int]:
        """Copies of the active patterns, most recently seen last, and the last event number they
        reflect."""
        with self.lock:
            return self.table.active_patterns(now), self.sequence

    def recent_by_plugin(self, now: float) -> dict[str, int]:
        """Errors in the window per plugin, for plugins with any."""
        with self.lock:
            return self.counts.recent_by_plugin(now)

    def summary_parts(self, now: float) -> tuple[int, dict[str, int], dict[str, dict[str, int]],
                                                 list[ErrorPattern], list[ErrorRecord]]:
        """Record count, counts by type and by plugin, active patterns, the 20 newest records."""
        with self.lock:
            total = len(self.records)
            by_type = dict(self.counts.by_type)
            by_plugin = {k: dict(v) for k, v in self.counts.by_plugin.items()}
            patterns = self.table.active_patterns(now)
            recent = list(itertools.islice(reversed(self.records), 20))
        recent.reverse()
        return total, by_type, by_plugin, patterns, recent

    def plugin_parts(self, plugin: str, now: float) -> tuple[dict[str, int], int, ErrorRecord | None,
                                                             list[ErrorPattern]]:
        """A plugin's counts per type, its count in the window, its last recent record and its
        active patterns."""
        with self.lock:
            types = dict(self.counts.by_plugin.get(plugin, {}))
            recent, last = self.counts.recent(plugin, now)
            patterns = [p.snapshot(p.window.count(now)) for p in self.table.active.values()
                        if p.plugin_id == plugin]
        return types, recent, last, patterns

    def all_records(self) -> list[ErrorRecord]:
        """Every record kept, oldest first."""
        with self.lock:
            return list(self.records)

    def sizes(self) -> tuple[int, int, int]:
        """Records kept, patterns tracked, patterns active."""
        return len(self.records), len(self.table.index), len(self.table.active)

    def clear_history(self) -> int:
        """Forget every record, every pattern that is not active and the counts (the windows of
        plugins with an active pattern stay: that problem goes on); returns the records dropped."""
        with self.lock:
            cleared = len(self.records)
            self.records.clear()
            self.table.forget_dormant(float("inf"))
            self.counts.clear({p.plugin_id for p in self.table.active.values() if p.plugin_id})
        return cleared

    def clear_before(self, cutoff: float) -> int:
        """Drop records older than the monotonic ``cutoff`` and dormant patterns last seen before it."""
        with self.lock:
            kept = [r for r in self.records if r.monotonic > cutoff]
            cleared = len(self.records) - len(kept)
            self.records = deque(kept, maxlen=self._max_records)
            self.table.forget_dormant(cutoff)
        return cleared
