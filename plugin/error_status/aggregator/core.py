"""Error aggregation service: a drop-in for LEDMatrix's ``src/error_aggregator.py``, made right.

Same public names, signatures and dict shapes as the original. Differences that matter:
a pattern per fingerprint (plugin, type, operation, normalised message) with a lifecycle
(detected, escalated, de-escalated, resolved, recurred) delivered to subscribers outside the lock;
O(1) work per record; every collection bounded; windows on a monotonic clock; stack traces from
the exception itself; secrets redacted; atomic, rate-limited export; ``record_error`` never raises.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .clock import SYSTEM_CLOCK, Clock
from .events import EventHub, EventKind, PatternEvent, Subscription
from .export import AutoExporter, write_json_atomic
from .fingerprint import MessageCleaner
from .inputs import callback_name, describe, event_kinds, fingerprint_text, identifier, type_name
from .lifecycle import Thresholds
from .patterns import PatternTable, PendingEvent
from .records import ErrorPattern, ErrorRecord, merge_by_type
from .redact import RedactionCache
from .sanitize import json_safe_context
from .settings import Limits, positive_int, positive_number
from .stack import CapturedStack, capture, safe_str
from .window import WindowCounter

__all__ = [
    "ErrorAggregator",
    "ErrorPattern",
    "ErrorRecord",
    "EventKind",
    "Limits",
    "PatternEvent",
    "Subscription",
    "get_error_aggregator",
    "record_error",
]

logger = logging.getLogger(__name__)

OTHER = "(other)"
_UPDATE_EVENT_INTERVAL = 1.0
_MAINTENANCE_INTERVAL = 1.0
_MAX_STACK_TEXT = 8000
_NEW_PATTERN_KINDS = frozenset({EventKind.DETECTED, EventKind.RECURRED})



class ErrorAggregator:
    """Aggregates and analyses errors across the system. Thread-safe.

    Args:
        max_records: error records kept in memory (the oldest are dropped first)
        pattern_threshold: occurrences within the window that make a pattern
        pattern_window_minutes: the window for pattern detection and severity
        export_path: directory for automatic JSON export on new patterns (rate-limited)
        quiet_period_minutes: least time without an occurrence before a pattern resolves
        hysteresis: fraction below a severity's entry count at which it is left again
        limits: bounds on every collection (see ``Limits``)
        clock: monotonic and wall time; inject a ``ManualClock`` in tests
        export_min_interval: seconds between two automatic exports (SD cards wear out)
        delivery_wait: seconds ``record_error`` may wait for quick subscribers to finish
    """

    def __init__(
        self,
        max_records: int = 1000,
        pattern_threshold: int = 5,
        pattern_window_minutes: float = 60,
        export_path: Path | str | None = None,
        *,
        quiet_period_minutes: float = 5,
        hysteresis: float = 0.2,
        limits: Limits | None = None,
        clock: Clock = SYSTEM_CLOCK,
        export_min_interval: float = 300.0,
        delivery_wait: float = 0.05,
    ) -> None:
        self.max_records = positive_int("max_records", max_records)
        self.pattern_threshold = positive_int("pattern_threshold", pattern_threshold)
        window_minutes = positive_number("pattern_window_minutes", pattern_window_minutes)
        quiet_minutes = positive_number("quiet_period_minutes", quiet_period_minutes)
        if not isinstance(hysteresis, int | float) or isinstance(hysteresis, bool) \
                or not 0.0 <= hysteresis < 1.0:
            raise ValueError(f"hysteresis must be a number in [0, 1), got {hysteresis!r}")
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits, got {type(limits).__name__}")
        self.limits = limits or Limits()
        self.logger = logger
        self._clock = clock
        # the system clock's methods only wrap these; calling them directly saves a frame per record
        self._monotonic = time.monotonic if clock is SYSTEM_CLOCK else clock.monotonic
        self._wall = time.time if clock is SYSTEM_CLOCK else clock.wall
        self._window = window_minutes * 60.0
        self.pattern_window = timedelta(seconds=self._window)
        self.export_path = Path(export_path) if export_path is not None else None
        self._exporter = AutoExporter(self.export_path, self.export_to_file,
                                      positive_number("export_min_interval", export_min_interval),
                                      wall=self._clock.wall)
        self._hub = EventHub(self.limits.max_pending_events,
                             positive_number("delivery_wait", delivery_wait, allow_zero=True))
        self._cleaner = MessageCleaner(self.limits.max_message_length)
        self._stacks = RedactionCache()
        self._lock = threading.Lock()
        self._records: deque[ErrorRecord] = deque(maxlen=self.max_records)
        self._error_counts: defaultdict[str, int] = defaultdict(int)
        self._plugin_error_counts: defaultdict[str, defaultdict[str, int]] = defaultdict(
            lambda: defaultdict(int))
        self._plugin_recent: dict[str, _PluginRecent] = {}
        thresholds = Thresholds(self.pattern_threshold, float(hysteresis))
        self._patterns_table = PatternTable(thresholds, self._window, min(quiet_minutes * 60.0, self._window),
                                            self.limits)
        self._sequence = itertools.count(1)
        self._next_maintenance = 0.0
        self._internal_errors = 0
        self._session_mono = clock.monotonic()
        self._session_start = datetime.fromtimestamp(clock.wall())

    # ------------------------------------------------------------------ recording

    def record_error(
        self,
        error: BaseException | object,
        context: dict[str, Any] | None = None,
        plugin_id: str | None = None,
        operation: str | None = None,
        *,
        fingerprint: str | None = None,
    ) -> ErrorRecord:
        """Record an error occurrence. Never raises: it is called from inside ``except`` blocks.

        Args:
            error: the exception (anything else is recorded by its type and text)
            context: extra details; copied, never mutated; secrets redacted
            plugin_id: the plugin that failed
            operation: what it was doing ("update", "display", ...)
            fingerprint: groups occurrences under a key of the caller's choosing
        """
        exception: BaseException | None
        stack: CapturedStack | None
        try:  # everything foreign (str(), attributes) is touched before the lock
            if issubclass(type(error), BaseException):  # (isinstance may ask the object its __class__)
                name = type(error).__name__
                error_type = name if type(name) is str and len(name) <= 100 and name.isprintable() \
                    else type_name(type(error))
                raw_message, exception = safe_str(error), error  # type: ignore[assignment]
            else:
                error_type, raw_message, exception = describe(error)
            stack = capture(exception, self.limits.max_stack_frames, skip_frames=2)
        except Exception:  # an error whose attributes raise: still counted, by its type and text
            self._internal_errors += 1
            error_type, raw_message, _ = describe(error)
            exception = stack = None
        try:
            return self._store(error_type, raw_message, exception, context, plugin_id, operation,
                               fingerprint, stack)
        except Exception:
            self._internal_errors += 1
            return self._fallback_record(error, plugin_id, operation)

    def ingest(self, error_type: str, message: str, *, plugin_id: str | None = None,
               operation: str | None = None, context: dict[str, Any] | None = None,
               stack_trace: str | None = None, fingerprint: str | None = None) -> ErrorRecord:
        """Record an occurrence that another source described (the host's aggregator, a log record).

        Never raises. The stack trace, if any, is kept as text (redacted, bounded).
        """
        try:
            name = identifier(error_type, 100) or "Unknown"
            raw = message if type(message) is str else safe_str(message)
            stack = self._stacks.redact(str.__str__(stack_trace)[-_MAX_STACK_TEXT:]) if issubclass(
                type(stack_trace), str) else None
            return self._store(name, raw, None, context, plugin_id, operation, fingerprint, stack)
        except Exception:
            self._internal_errors += 1
            return self._fallback_record(message, plugin_id, operation)

    def _store(self, error_type: str, raw_message: str, exception: BaseException | None,
               context: object, plugin_id: object, operation: object, fingerprint: object,
               stack: CapturedStack | str | None) -> ErrorRecord:
        """Clean the parts, then count the occurrence under the lock and publish what changed."""
        limits = self.limits
        mono = self._monotonic()
        wall = self._wall()
        cleaned = self._cleaner.cache.get(raw_message)
        message, normalised = cleaned if cleaned is not None else self._cleaner.clean(raw_message)
        max_id = limits.max_id_length
        # the common case (None, or a short printable str) inline: this is the per-record hot path
        plugin = plugin_id if plugin_id is None or (
            type(plugin_id) is str and 0 < len(plugin_id) <= max_id and plugin_id.isprintable()
        ) else identifier(plugin_id, max_id)
        op = operation if operation is None or (
            type(operation) is str and 0 < len(operation) <= max_id and operation.isprintable()
        ) else identifier(operation, max_id)
        merged = None if context is None and exception is None else self._context(context, exception)
        custom = None if fingerprint is None else fingerprint_text(fingerprint)
        key = ("fp", custom) if custom is not None else (plugin, error_type, op, normalised)
        with self._lock:
            table = self._patterns_table
            pattern = table.get(key)
            events = None
            if pattern is None:
                pattern, events = table.new_pattern(key, plugin, error_type, op, custom or normalised, mono)
            record = ErrorRecord._make(error_type, message, wall, mono, merged, plugin, op, stack,
                                       pattern.key)
            self._records.append(record)
            self._count(error_type, plugin, mono, record)
            observed = table.observe(key, pattern, mono, wall, message, plugin)
            if observed:
                events = observed if events is None else events + observed
            if mono >= self._next_maintenance:
                events = (events or []) + self._maintain(mono)
        if events:
            self._publish(events)
        return record

    def _context(self, context: object, exception: BaseException | None) -> dict[str, Any] | None:
        """The caller's context plus ``error.context`` (LEDMatrixError), as a safe copy."""
        try:
            extra = getattr(exception, "context", None) if exception is not None else None
            extra = extra if isinstance(extra, dict) else None
        except Exception:
            extra = None
        if context is None and not extra:
            return None
        limits = self.limits
        merged = json_safe_context(context, limits.max_context_items, limits.max_context_text)
        if extra:
            merged.update(json_safe_context(extra, limits.max_context_items, limits.max_context_text))
        return merged

    def _count(self, error_type: str, plugin: str | None, mono: float, record: ErrorRecord) -> None:
        """Update the cumulative and windowed counts (under the lock)."""
        counts = self._error_counts
        if error_type in counts:
            counts[error_type] += 1
        else:
            counts[error_type if len(counts) < self.limits.max_error_types else OTHER] += 1
        if plugin is None:
            return
        recent = self._plugin_recent.get(plugin) or self._plugin(plugin)
        types = recent.types
        if error_type in types:
            types[error_type] += 1
        else:
            types[error_type if len(types) < self.limits.max_error_types else OTHER] += 1
        recent.window.add(mono)
        recent.last = record

    def _plugin(self, plugin: str) -> _PluginRecent:
        """Counters for a plugin seen for the first time (beyond ``max_plugins``: the "(other)" ones)."""
        if len(self._plugin_recent) >= self.limits.max_plugins:
            plugin = OTHER
        recent = self._plugin_recent.get(plugin)
        if recent is None:
            recent = self._plugin_recent[plugin] = _PluginRecent(
                WindowCounter(self._window), self._plugin_error_counts[plugin])
        return recent

    # ------------------------------------------------------------------ time passing

    def tick(self) -> None:
        """Resolve quiet patterns and let severities decay; call it now and then (e.g. each update)."""
        try:
            with self._lock:
                events = self._maintain(self._clock.monotonic())
            if events:
                self._publish(events)
        except Exception:
            self._internal_errors += 1

    def _maintain(self, now: float) -> list[PendingEvent]:
        """Let the table age its patterns (under the lock, at most once a second)."""
        self._next_maintenance = now + _MAINTENANCE_INTERVAL
        return self._patterns_table.maintain(now)

    def _publish(self, pending: list[PendingEvent]) -> None:
        """Number the events, hand them to subscribers and trigger the automatic export."""
        events = [PatternEvent(kind, pattern, severity, previous, next(self._sequence), mono)
                  for kind, pattern, severity, previous, mono in pending]
        for event in events:
            if event.kind in _NEW_PATTERN_KINDS:
                self._log_new(event.pattern)
        self._hub.publish(events)
        if any(event.kind in _NEW_PATTERN_KINDS for event in events):
            self._exporter.request()

    def _log_new(self, pattern: ErrorPattern) -> None:
        """Log a newly active pattern, as the seed did (outside the lock: handlers are foreign code)."""
        self.logger.warning("Error pattern detected: %s occurred %d times in last %s. Affected plugins: %s",
                            pattern.key, pattern.count, self.pattern_window,
                            pattern.affected_plugins or "unknown")

    # ------------------------------------------------------------------ subscribers

    def on_pattern_detected(self, callback: Callable[[ErrorPattern], object]) -> Subscription:
        """Call ``callback(pattern)`` whenever a pattern becomes active (new, or recurred).

        Returns a handle whose ``close()`` unregisters it (the seed had no way to).
        """
        if not callable(callback):
            raise TypeError(f"callback must be callable, got {type(callback).__name__}")

        def deliver(event: PatternEvent) -> None:
            callback(event.pattern)

        return self._hub.add(deliver, _NEW_PATTERN_KINDS, name=callback_name(callback))

    def subscribe(self, callback: Callable[[PatternEvent], object] | None = None, *,
                  kinds: Iterable[EventKind] | None = None, name: str | None = None) -> Subscription:
        """Receive every lifecycle event (or only ``kinds``).

        With a callback, events are delivered in order on the subscription's own thread; without,
        they queue in the returned subscription for ``drain()``. ``close()`` unsubscribes.
        """
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
        return self._hub.add(callback, event_kinds(kinds),
                             name=identifier(name, 64) or callback_name(callback))

    # ------------------------------------------------------------------ queries

    def active_patterns(self) -> list[ErrorPattern]:
        """Copies of the active patterns, most recently seen last."""
        with self._lock:
            now = self._clock.monotonic()
            return self._patterns_table.active_patterns(now)

    def get_error_summary(self) -> dict[str, Any]:
        """Summary of all errors for reporting (the seed's keys, then ours)."""
        self.tick()
        with self._lock:
            now = self._clock.monotonic()
            total = len(self._records)
            counts = dict(self._error_counts)
            by_plugin = {k: dict(v) for k, v in self._plugin_error_counts.items()}
            patterns = self._patterns_table.active_patterns(now)
            recent = list(itertools.islice(reversed(self._records), 20))
            hours = (now - self._session_mono) / 3600.0
        recent.reverse()
        return {
            "session_start": self._session_start.isoformat(),
            "total_errors": total,
            "error_rate_per_hour": round(total / max(hours, 0.01), 2),
            "error_counts_by_type": counts,
            "plugin_error_counts": by_plugin,
            "active_patterns": {p.key: p.to_dict() for p in patterns},
            "recent_errors": [r.to_dict() for r in recent],
            "patterns_by_type": {k: v.to_dict() for k, v in merge_by_type(patterns).items()},
            "stats": self.stats(),
        }

    @property
    def _patterns(self) -> dict[str, ErrorPattern]:
        """The seed's per-type view of the active patterns (one merged pattern per error type)."""
        return merge_by_type(self.active_patterns())

    def get_plugin_health(self, plugin_id: str) -> dict[str, Any]:
        """Health of one plugin: the seed's keys, with "recent" meaning within the pattern window."""
        self.tick()
        with self._lock:
            now = self._clock.monotonic()
            plugin = identifier(plugin_id, self.limits.max_id_length) or ""
            types = dict(self._plugin_error_counts.get(plugin, {}))
            stats = self._plugin_recent.get(plugin)
            recent = stats.window.count(now) if stats is not None else 0
            last = stats.last if stats is not None and recent else None
            worst = max((p.severity for p in self._patterns_table.active.values()
                         if p.plugin_id == plugin and p.severity is not None), default=None)
        if recent == 0:
            status = "healthy"
        elif recent < self.pattern_threshold:
            status = "degraded"
        else:
            status = "unhealthy"
        return {
            "plugin_id": plugin_id,
            "status": status,
            "total_errors": sum(types.values()),
            "error_types": types,
            "recent_error_count": recent,
            "last_error": last.to_dict() if last is not None else None,
            "worst_active_severity": worst.label if worst is not None else None,
        }

    def stats(self) -> dict[str, int]:
        """Counters about the aggregator itself: nothing is lost without being counted here."""
        return {
            "records_kept": len(self._records),
            "patterns_tracked": len(self._patterns_table.index),
            "patterns_active": len(self._patterns_table.active),
            "subscribers": len(self._hub.subscriptions),
            "events_dropped": self._hub.dropped,
            "subscriber_failures": sum(s.failures for s in self._hub.subscriptions),
            "internal_errors": self._internal_errors,
            "exports_written": self._exporter.written,
            "exports_failed": self._exporter.failed,
        }

    # ------------------------------------------------------------------ housekeeping

    def clear_old_records(self, max_age_hours: float = 24) -> int:
        """Drop records older than ``max_age_hours`` (by monotonic age); returns how many."""
        max_age = positive_number("max_age_hours", max_age_hours, allow_zero=True) * 3600.0
        with self._lock:
            cutoff = self._clock.monotonic() - max_age
            kept = [r for r in self._records if r.monotonic > cutoff]
            cleared = len(self._records) - len(kept)
            self._records = deque(kept, maxlen=self.max_records)
            self._patterns_table.forget_dormant(cutoff)
        if cleared:
            self.logger.info("Cleared %d old error records", cleared)
        return cleared

    def export_to_file(self, filepath: Path | str) -> None:
        """Export error data to a JSON file, atomically (readable by its owner only)."""
        if not isinstance(filepath, str | os.PathLike):
            raise TypeError(f"filepath must be a file path, got {type(filepath).__name__}")
        if filepath == "":
            raise ValueError("filepath must not be empty")
        summary = self.get_error_summary()
        with self._lock:
            records = list(self._records)
        data = {
            "exported_at": datetime.fromtimestamp(self._clock.wall()).isoformat(),
            "summary": summary,
            "all_records": [r.to_dict() for r in records],
        }
        write_json_atomic(Path(filepath), data)
        self.logger.info("Exported error data to %s", filepath)

    def close(self) -> None:
        """Stop delivery threads and the exporter (an aggregator is usable until then)."""
        for subscription in self._hub.subscriptions:
            subscription.close()
        self._exporter.close()

    # ------------------------------------------------------------------ internals

    def _fallback_record(self, error: object, plugin_id: object, operation: object) -> ErrorRecord:
        """A record built from whatever can still be read, when recording itself failed."""
        try:
            error_type, message, _ = describe(error)
            return ErrorRecord._make(error_type, message[:200], self._clock.wall(),
                                     self._clock.monotonic(), None,
                                     identifier(plugin_id, 64), identifier(operation, 64), None, None)
        except Exception:
            return _unknown_record()



def _unknown_record() -> ErrorRecord:
    """The record returned when not even the error's type could be read (never raises)."""
    return ErrorRecord._make("Unknown", "", 0.0, 0.0, None, None, None, None, None)


class _PluginRecent:
    """A plugin's counts per type, its occurrences in the window and its last record."""

    __slots__ = ("last", "types", "window")

    def __init__(self, window: WindowCounter, types: defaultdict[str, int]) -> None:
        self.window = window
        self.types = types
        self.last: ErrorRecord | None = None


# ---------------------------------------------------------------------- process-wide instance

_error_aggregator: ErrorAggregator | None = None
_aggregator_lock = threading.Lock()


def get_error_aggregator(
    max_records: int = 1000,
    pattern_threshold: int = 5,
    pattern_window_minutes: float = 60,
    export_path: Path | None = None,
) -> ErrorAggregator:
    """The process-wide aggregator, created on the first call (later arguments are ignored)."""
    global _error_aggregator
    with _aggregator_lock:
        if _error_aggregator is None:
            _error_aggregator = ErrorAggregator(
                max_records=max_records,
                pattern_threshold=pattern_threshold,
                pattern_window_minutes=pattern_window_minutes,
                export_path=export_path,
            )
        return _error_aggregator


def record_error(
    error: BaseException | object,
    context: dict[str, Any] | None = None,
    plugin_id: str | None = None,
    operation: str | None = None,
) -> ErrorRecord:
    """Record an error to the process-wide aggregator. Never raises."""
    try:
        aggregator = get_error_aggregator()
    except Exception:
        return _unknown_record()
    return aggregator.record_error(error=error, context=context, plugin_id=plugin_id,
                                   operation=operation)
