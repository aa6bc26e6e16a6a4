"""``ErrorAggregator``: the seed's API over a ledger of records, counts and patterns (``ledger``),
with input made safe first (``hygiene``) and lifecycle events published outside the lock."""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from .. import forksafe
from ..clock import SYSTEM_CLOCK, Clock
from ..hygiene.coerce import describe, fingerprint_text, identifier
from ..hygiene.context import merged_context
from ..hygiene.redact import RedactionCache
from ..hygiene.traces import CapturedStack, capture, safe_str
from ..model import Severity
from . import reports
from .delivery import EventHub, Subscription, callback_name
from .events import EventKind, PatternEvent, event_kinds
from .export import AutoExporter, write_json_atomic
from .fingerprint import MessageCleaner
from .ledger import Ledger
from .lifecycle import CUSTOM
from .limits import Limits, positive_int, positive_number
from .pattern import Thresholds
from .records import ErrorPattern, ErrorRecord, merge_by_type
from .reentry import Reentry

logger = logging.getLogger(__name__)

_MAX_STACK_TEXT = 8000
MAX_MINUTES = 366 * 24 * 60  # a year: the longest window or quiet period that means anything
DEFERRED_TYPE = "(deferred)"  # the placeholder a nested call returns: its occurrence is recorded later
_NEW_PATTERN_KINDS = frozenset({EventKind.DETECTED, EventKind.RECURRED})
T = TypeVar("T")


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
        delivery_wait: seconds ``record_error`` may wait for a quick subscriber's callback to run
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
        delivery_wait: float = 0.02,
    ) -> None:
        self.max_records = positive_int("max_records", max_records, maximum=10_000_000)
        self.pattern_threshold = positive_int("pattern_threshold", pattern_threshold, maximum=1_000_000)
        # a window below a second has no room for its buckets; above a year a timedelta is silly
        window_minutes = positive_number("pattern_window_minutes", pattern_window_minutes,
                                         minimum=1 / 60, maximum=MAX_MINUTES)
        quiet_minutes = positive_number("quiet_period_minutes", quiet_period_minutes, minimum=1 / 600,
                                        maximum=MAX_MINUTES)
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
                                      positive_number("export_min_interval", export_min_interval,
                                                      maximum=MAX_MINUTES * 60),
                                      wall=self._clock.wall)
        self._hub = EventHub(self.limits.max_pending_events,
                             positive_number("delivery_wait", delivery_wait, allow_zero=True, maximum=10.0))
        self._cleaner = MessageCleaner(self.limits.max_message_length)
        self._stacks = RedactionCache()
        thresholds = Thresholds(self.pattern_threshold, float(hysteresis))
        self._ledger = Ledger(self.max_records, thresholds, self._window, quiet_minutes * 60.0, self.limits,
                              self._hub)
        self._lock = self._ledger.lock
        # the seed's names for its cumulative counts (read by its tests and by mirrors of it)
        self._error_counts = self._ledger.counts.by_type
        self._plugin_error_counts = self._ledger.counts.by_plugin
        self._internal_errors = 0
        self._reentry = Reentry(self.limits.max_pending_events)
        forksafe.register(self)
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
        reentry = self._reentry
        if not reentry.enter():  # called from inside one of our own calls: take nothing we may hold
            return self._defer("error", (error, context, plugin_id, operation, fingerprint))
        try:
            if reentry.pending:
                self._take_deferred()
            return self._record(error, context, plugin_id, operation, fingerprint, None)
        finally:
            reentry.leave()

    def _record(self, error: object, context: object, plugin_id: object, operation: object,
                fingerprint: object, at: tuple[float, float] | None) -> ErrorRecord:
        """The work of ``record_error``."""
        exception: BaseException | None
        stack: CapturedStack | None
        try:  # everything foreign (str(), attributes) is touched before the lock
            error_type, raw_message, exception = describe(error)
            stack = capture(exception, self.limits.max_stack_frames, skip_frames=3)
        except Exception:  # an error whose attributes raise: still counted, by its type and text
            self._internal_errors += 1
            error_type, raw_message, _ = describe(error)
            exception = stack = None
        try:
            return self._store(error_type, raw_message, exception, context, plugin_id, operation,
                               fingerprint, stack, at)
        except Exception:
            self._internal_errors += 1
            return self._fallback_record(error, plugin_id, operation)

    def ingest(self, error_type: str, message: str, *, plugin_id: str | None = None,
               operation: str | None = None, context: dict[str, Any] | None = None,
               stack_trace: str | None = None, fingerprint: str | None = None) -> ErrorRecord:
        """Record an occurrence that another source described (the host's aggregator, a log record).

        Never raises. The stack trace, if any, is kept as text (redacted, bounded).
        """
        reentry = self._reentry
        if not reentry.enter():
            return self._defer("ingest", (error_type, message, plugin_id, operation, context, stack_trace,
                                          fingerprint))
        try:
            if reentry.pending:
                self._take_deferred()
            return self._ingest(error_type, message, plugin_id, operation, context, stack_trace, fingerprint,
                                None)
        finally:
            reentry.leave()

    def _ingest(self, error_type: object, message: object, plugin_id: object, operation: object,
                context: object, stack_trace: object, fingerprint: object,
                at: tuple[float, float] | None) -> ErrorRecord:
        """The work of ``ingest``."""
        try:
            name = identifier(error_type, 100) or "Unknown"
            raw = message if type(message) is str else safe_str(message)
            stack = self._stacks.tail(str.__str__(stack_trace), _MAX_STACK_TEXT) if issubclass(
                type(stack_trace), str) else None
            return self._store(name, raw, None, context, plugin_id, operation, fingerprint, stack, at)
        except Exception:
            self._internal_errors += 1
            return self._fallback_record(message, plugin_id, operation)

    def _defer(self, kind: str, arguments: tuple[Any, ...]) -> ErrorRecord:
        """Queue a nested call's occurrence for the next call; a placeholder record for its caller."""
        try:
            mono, wall = self._monotonic(), self._wall()
            self._reentry.defer((kind, arguments, mono, wall))
            return ErrorRecord._make(DEFERRED_TYPE, "", wall, mono, None, None, None, None, None)
        except Exception:
            self._internal_errors += 1
            return unknown_record()

    def _take_deferred(self) -> None:
        """Record what nested calls queued, at the times they happened (called inside a call)."""
        for kind, arguments, mono, wall in self._reentry.take():
            if kind == "error":
                error, context, plugin_id, operation, fingerprint = arguments
                self._record(error, context, plugin_id, operation, fingerprint, (mono, wall))
            else:
                error_type, message, plugin_id, operation, context, stack, fingerprint = arguments
                self._ingest(error_type, message, plugin_id, operation, context, stack, fingerprint,
                             (mono, wall))

    def _store(self, error_type: str, raw_message: str, exception: BaseException | None,
               context: object, plugin_id: object, operation: object, fingerprint: object,
               stack: CapturedStack | str | None, at: tuple[float, float] | None) -> ErrorRecord:
        """Clean the parts, then count the occurrence under the lock and publish what changed."""
        limits = self.limits
        mono, wall = at if at is not None else (self._monotonic(), self._wall())
        message, normalised = self._cleaner.clean(raw_message)
        plugin = identifier(plugin_id, limits.max_id_length)
        op = identifier(operation, limits.max_id_length)
        merged = None if context is None and exception is None else merged_context(
            context, exception, limits.max_context_items, limits.max_context_text)
        custom = None if fingerprint is None else fingerprint_text(fingerprint)
        key = (CUSTOM, custom) if custom is not None else (plugin, error_type, op, normalised)
        record, published = self._ledger.store(key, error_type, message, wall, mono, merged, plugin, op,
                                               stack, custom or normalised)
        if published:
            self._announce(*published)
        return record

    # ------------------------------------------------------------------ time passing

    def tick(self) -> None:
        """Take in what nested calls queued, resolve quiet patterns and let severities decay; call it
        now and then (e.g. each update)."""
        reentry = self._reentry
        if not reentry.enter():
            return
        try:
            if reentry.pending:
                self._take_deferred()
            published = self._ledger.maintain(self._clock.monotonic())
            if published:
                self._announce(*published)
        except Exception:
            self._internal_errors += 1
        finally:
            reentry.leave()

    def _announce(self, events: list[PatternEvent], queued: list[tuple[Subscription, int]]) -> None:
        """After the lock: start delivery, log new patterns, trigger the automatic export."""
        self._hub.dispatch(queued)
        new = [event for event in events if event.kind in _NEW_PATTERN_KINDS]
        for event in new:
            self._log_new(event.pattern)
        if new:
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
                  kinds: Iterable[EventKind] | None = None, name: str | None = None,
                  on_ready: Callable[[], object] | None = None) -> Subscription:
        """Receive every lifecycle event (or only ``kinds``), in the order they happened.

        With a callback, events are delivered on a delivery thread; without, they queue in the
        returned subscription for ``drain()``, and ``on_ready()`` (if given; it must only set a
        flag) is called after new events were queued. ``close()`` unsubscribes.
        """
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, got {type(callback).__name__}")
        if on_ready is not None and not callable(on_ready):
            raise TypeError(f"on_ready must be callable or None, got {type(on_ready).__name__}")
        return self._hub.add(callback, event_kinds(kinds),
                             name=identifier(name, 64) or callback_name(callback), on_ready=on_ready)

    # ------------------------------------------------------------------ queries

    def active_patterns(self) -> list[ErrorPattern]:
        """Copies of the active patterns, most recently seen last."""
        return self._read(lambda: self._ledger.active_patterns(self._clock.monotonic()))[0]

    def active_patterns_as_of(self) -> tuple[list[ErrorPattern], int]:
        """The active patterns and the sequence number of the last event they reflect (a board
        rebuilt from them ignores older events that arrive later)."""
        return self._read(lambda: self._ledger.active_patterns(self._clock.monotonic()))

    def recent_counts(self) -> dict[str, int]:
        """Errors within the pattern window per plugin (plugins with none are left out)."""
        return self._read(lambda: self._ledger.recent_by_plugin(self._clock.monotonic()))

    def get_error_summary(self) -> dict[str, Any]:
        """Summary of all errors for reporting (the seed's keys, then ours)."""
        self.tick()
        now = self._clock.monotonic()
        total, counts, by_plugin, patterns, recent = self._read(lambda: self._ledger.summary_parts(now))
        hours = (now - self._session_mono) / 3600.0
        return reports.summary(self._session_start, total, hours, counts, by_plugin, patterns, recent,
                               self.stats())

    @property
    def _patterns(self) -> dict[str, ErrorPattern]:
        """The seed's per-type view of the active patterns (one merged pattern per error type)."""
        return merge_by_type(self.active_patterns())

    def get_plugin_health(self, plugin_id: str) -> dict[str, Any]:
        """Health of one plugin: the seed's keys, with "recent" meaning within the pattern window."""
        self.tick()
        plugin = identifier(plugin_id, self.limits.max_id_length) or ""
        types, recent, last, patterns = self._read(
            lambda: self._ledger.plugin_parts(plugin, self._clock.monotonic()))
        worst = max((Severity.parse(p.severity) for p in patterns), default=None)
        return reports.plugin_health(plugin_id, types, recent, last, worst, self.pattern_threshold)

    def stats(self) -> dict[str, int]:
        """Counters about the aggregator itself: nothing is lost without being counted here."""
        kept, tracked, active = self._ledger.sizes()
        return {
            "records_kept": kept,
            "patterns_tracked": tracked,
            "patterns_active": active,
            "subscribers": len(self._hub.subscriptions),
            "events_dropped": self._hub.dropped,
            "subscriber_failures": sum(s.failures for s in self._hub.subscriptions),
            "internal_errors": self._internal_errors,
            "exports_written": self._exporter.written,
            "exports_failed": self._exporter.failed,
            "calls_deferred": self._reentry.deferred,
            "deferred_dropped": self._reentry.dropped,
        }

    # ------------------------------------------------------------------ housekeeping

    def clear_old_records(self, max_age_hours: float = 24) -> int:
        """Drop records older than ``max_age_hours`` (by monotonic age); returns how many."""
        max_age = positive_number("max_age_hours", max_age_hours, allow_zero=True) * 3600.0
        cleared = self._read(lambda: self._ledger.clear_before(self._clock.monotonic() - max_age))
        if cleared:
            self.logger.info("Cleared %d old error records", cleared)
        return cleared

    def clear_history(self) -> int:
        """Forget what happened (records, resolved patterns, counts); active patterns stay, as
        they are problems now. Returns how many records were dropped."""
        cleared = self._read(self._ledger.clear_history)
        self.logger.info("Cleared the error history (%d records)", cleared)
        return cleared

    def export_to_file(self, filepath: Path | str) -> None:
        """Export error data to a JSON file, atomically (readable by its owner only)."""
        if not isinstance(filepath, str | os.PathLike):
            raise TypeError(f"filepath must be a file path, got {type(filepath).__name__}")
        if filepath == "":
            raise ValueError("filepath must not be empty")
        summary = self.get_error_summary()
        data = reports.export_document(datetime.fromtimestamp(self._clock.wall()), summary,
                                       self._read(self._ledger.all_records))
        write_json_atomic(Path(filepath), data)
        self.logger.info("Exported error data to %s", filepath)

    @property
    def _records(self) -> deque[ErrorRecord]:
        """The records kept, oldest first (the seed's attribute; its tests read it)."""
        return self._ledger.records

    def reset_after_fork(self) -> None:
        """In a forked child: fresh locks (another thread may have held ours when the process forked)."""
        self._ledger.reset_after_fork()
        self._lock = self._ledger.lock
        self._exporter.reset_after_fork()

    def close(self) -> None:
        """Stop delivery threads and the exporter (an aggregator is usable until then)."""
        self._hub.close()
        self._exporter.close()

    # ------------------------------------------------------------------ internals

    def _read(self, call: Callable[[], T]) -> T:
        """``call()`` (a ledger method that takes its lock) with this thread marked inside, as while
        recording: a record_error that a finaliser or a signal handler makes meanwhile, on this thread,
        is queued instead of waiting for the lock it holds. (A read nested in one of our own calls
        takes the lock again: it is re-entrant.)"""
        reentry = self._reentry
        entered = reentry.enter()
        try:
            return call()
        finally:
            if entered:
                reentry.leave()

    def _fallback_record(self, error: object, plugin_id: object, operation: object) -> ErrorRecord:
        """A record built from whatever can still be read, when recording itself failed."""
        try:
            error_type, message, _ = describe(error)
            return ErrorRecord._make(error_type, message[:200], self._clock.wall(),
                                     self._clock.monotonic(), None,
                                     identifier(plugin_id, 64), identifier(operation, 64), None, None)
        except Exception:
            return unknown_record()


def unknown_record() -> ErrorRecord:
    """The record returned when not even the error's type could be read (never raises)."""
    return ErrorRecord._make("Unknown", "", 0.0, 0.0, None, None, None, None, None)
