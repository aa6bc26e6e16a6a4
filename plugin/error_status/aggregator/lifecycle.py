"""The table of fingerprinted patterns and their lifecycle: detection, escalation and
de-escalation with hysteresis, resolution after a quiet period, recurrence, eviction when full.
Guarded by the aggregator's lock; it returns events and never calls foreign code."""

from __future__ import annotations

from collections import OrderedDict

from ..model import Severity
from .events import EventKind
from .fingerprint import fingerprint_digest
from .limits import Limits
from .pattern import PatternState, Thresholds
from .records import ErrorPattern

UPDATE_EVENT_INTERVAL = 1.0  # seconds between two "updated" events of one pattern
# First parts of the keys of patterns with a fingerprint of the caller's choosing, and of roll-ups
# (unprintable, so no plugin id can be mistaken for them).
CUSTOM = "\x00custom"
ROLLUP = "\x00rollup"
ROLLUP_FINGERPRINT = "(various messages)"
_NEW = frozenset({EventKind.DETECTED, EventKind.RECURRED})

PendingEvent = tuple[EventKind, ErrorPattern, Severity, "Severity | None", float]
Key = tuple[str | None, ...]


class PatternTable:
    """Every pattern the aggregator tracks: active ones (most recently seen last) and dormant ones
    (below the threshold, or resolved) kept for recurrence, at most ``limits.max_patterns``."""

    def __init__(self, thresholds: Thresholds, window: float, quiet: float, limits: Limits) -> None:
        self.thresholds = thresholds
        self.window = window
        self.quiet = quiet
        self.limits = limits
        self.index: dict[Key, PatternState] = {}
        self.get = self.index.get  # the pattern for a key, if tracked (no Python frame per call)
        self.active: OrderedDict[Key, PatternState] = OrderedDict()
        self.dormant: OrderedDict[Key, PatternState] = OrderedDict()
        self._members: dict[Key, set[Key]] = {}  # roll-up -> (up to two) patterns that fed it

    def active_patterns(self, now: float) -> list[ErrorPattern]:
        """Copies of the active patterns, most recently seen last."""
        return [p.snapshot(p.window.count(now)) for p in self.active.values()]

    def forget_dormant(self, cutoff: float) -> None:
        """Drop dormant patterns last seen before ``cutoff``."""
        for key, pattern in list(self.dormant.items()):
            if pattern.last_mono <= cutoff:
                del self.dormant[key]
                del self.index[key]
                self._members.pop(key, None)

    def new_pattern(self, key: Key, plugin: str | None, error_type: str, operation: str | None,
                     fingerprint: str, now: float) -> tuple[PatternState, list[PendingEvent]]:
        """A new pattern for ``key`` (evicting the least recently seen dormant one when full)."""
        events = self._evict(now) if len(self.index) >= self.limits.max_patterns else []
        digest = fingerprint_digest(*(part or "" for part in key))
        label = f"{plugin or '*'}/{error_type}/{operation or '*'}/{digest}"
        pattern = PatternState(label, plugin, error_type, operation, fingerprint, self.window)
        self.index[key] = pattern
        self.dormant[key] = pattern
        return pattern, events

    def _evict(self, now: float) -> list[PendingEvent]:
        """Forget the least recently seen dormant pattern; if all are active, resolve the oldest."""
        if self.dormant:
            key, _ = self.dormant.popitem(last=False)
            del self.index[key]
            self._members.pop(key, None)
            return []
        key, pattern = self.active.popitem(last=False)
        del self.index[key]
        self._members.pop(key, None)
        event = self._event(EventKind.RESOLVED, pattern, pattern.window.count(now), pattern.severity, now)
        return [event]

    def record(self, key: Key, pattern: PatternState, mono: float, wall: float, message: str,
               plugin: str | None) -> list[PendingEvent] | None:
        """Count an occurrence in its pattern and, while that pattern is below the threshold, in its
        family's roll-up: one plugin's occurrences of one error type whose messages vary (random
        ids) never reach the threshold one by one, yet are one problem. The roll-up needs two
        different messages to show (one message makes its own pattern soon enough) and gives back
        what a pattern counted before it reached the threshold on its own."""
        events = self.observe(key, pattern, mono, wall, message, plugin)
        if key[0] == CUSTOM:
            return events
        if pattern.severity is None:
            rolled = self._roll_up((ROLLUP, plugin, pattern.error_type), key, pattern, mono, wall, message,
                                   plugin)
        elif events and any(e[0] in _NEW and e[1].key == pattern.key for e in events):
            rolled = self._absorb((ROLLUP, plugin, pattern.error_type), self.thresholds.threshold - 1, mono)
        else:
            return events
        return rolled if not events else events + rolled if rolled else events

    def _roll_up(self, family: Key, key: Key, pattern: PatternState, mono: float, wall: float,
                 message: str, plugin: str | None) -> list[PendingEvent] | None:
        """Count an orphan occurrence in its family's roll-up pattern."""
        rollup = self.index.get(family)
        events: list[PendingEvent] = []
        if rollup is None:
            rollup, events = self.new_pattern(family, plugin, pattern.error_type, None, ROLLUP_FINGERPRINT,
                                              mono)
        members = self._members.setdefault(family, set())
        if len(members) < 2:
            members.add(key)
        observed = self.observe(family, rollup, mono, wall, message, plugin, hold=len(members) < 2)
        return events + observed if observed else events or None

    def _absorb(self, family: Key, count: int, mono: float) -> list[PendingEvent]:
        """A pattern of the family reached the threshold on its own: take back what its earlier
        occurrences added to the roll-up, which resolves at once if that leaves too few."""
        rollup = self.index.get(family)
        if rollup is None:
            return []
        rollup.window.remove(count)
        left = rollup.window.count(mono)
        if rollup.severity is None or left >= self.thresholds.threshold:
            return []
        event = self._event(EventKind.RESOLVED, rollup, left, rollup.severity, mono)
        rollup.resolve()
        self._members.pop(family, None)
        del self.active[family]
        self.dormant[family] = rollup
        return [event]

    def observe(self, key: Key, pattern: PatternState, mono: float, wall: float, message: str,
                plugin: str | None, hold: bool = False) -> list[PendingEvent] | None:
        """Count an occurrence and move the pattern through its lifecycle (``hold``: not detected yet,
        whatever the count)."""
        limits = self.limits
        count = pattern.observe(mono, wall, message, plugin, limits.max_samples,
                                limits.max_plugins_per_pattern)
        if pattern.severity is None:
            self.dormant.move_to_end(key)
            if count < self.thresholds.threshold or hold:
                return None
            del self.dormant[key]
            self.active[key] = pattern
            kind = EventKind.RECURRED if pattern.resolutions else EventKind.DETECTED
            pattern.set_severity(self.thresholds.severity(count, None), self.thresholds)
            pattern.last_update = mono
            return [self._event(kind, pattern, count, None, mono)]
        self.active.move_to_end(key)
        if pattern.low <= count < pattern.high:  # severity cannot change: only a throttled update
            if mono - pattern.last_update < UPDATE_EVENT_INTERVAL:
                return None
            pattern.last_update = mono
            return [self._event(EventKind.UPDATED, pattern, count, pattern.severity, mono)]
        return self._reassess(pattern, count, mono, occurred=True)

    def _reassess(self, pattern: PatternState, count: int, mono: float,
                  occurred: bool) -> list[PendingEvent]:
        """Escalate, de-escalate or (at most once a second) report a changed count."""
        previous = pattern.severity
        severity = self.thresholds.severity(count, previous)
        if severity != previous:
            pattern.set_severity(severity, self.thresholds)
            pattern.last_update = mono
            kind = EventKind.ESCALATED if previous is None or severity > previous else EventKind.DEESCALATED
            return [self._event(kind, pattern, count, previous, mono)]
        if occurred and mono - pattern.last_update >= UPDATE_EVENT_INTERVAL:
            pattern.last_update = mono
            return [self._event(EventKind.UPDATED, pattern, count, previous, mono)]
        return []

    def _event(self, kind: EventKind, pattern: PatternState, count: int,
               previous: Severity | None, mono: float) -> PendingEvent:
        """A pending event with a copy of the pattern as it is now."""
        return (kind, pattern.snapshot(count), pattern.severity or previous or Severity.WARNING,
                previous, mono)

    def maintain(self, now: float) -> list[PendingEvent]:
        """De-escalate decayed patterns and resolve quiet ones."""
        events: list[PendingEvent] = []
        for key, pattern in list(self.active.items()):
            quiet = pattern.quiet_period(self.quiet, self.window)
            if now - pattern.last_mono >= quiet:
                events.append(self._event(EventKind.RESOLVED, pattern, pattern.window.count(now),
                                          pattern.severity, now))
                pattern.resolve()
                self._members.pop(key, None)
                del self.active[key]
                self.dormant[key] = pattern
                continue
            events.extend(self._reassess(pattern, pattern.window.count(now), now, occurred=False))
        return events
