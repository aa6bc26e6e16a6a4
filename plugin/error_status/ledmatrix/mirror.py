"""Mirroring LEDMatrix's error aggregator into ours, exactly, without touching it. Nothing here
imports the host: it is duck-typed, and every access is guarded."""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..aggregator import ErrorAggregator
from ..hygiene.traces import safe_str
from .wake import WakeListener, dispatcher_for, held

NO_DETAILS = "(details not kept by the host)"
_USELESS_STACKS = frozenset({"NoneType: None\n", "NoneType: None", ""})
_HOST_CONTEXT = {"source": "host"}
_Key = tuple[Any, Any]  # (plugin id or None, error type), as the host keys its counts

# ---------------------------------------------------------------------- mirroring the host's aggregator


class _Occurrence(NamedTuple):
    """One host record, as ``ErrorAggregator.ingest`` takes it."""

    error_type: str
    message: str
    plugin_id: str | None
    operation: str | None
    context: dict[str, Any]
    stack_trace: str | None


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """The host's cumulative counts and its newest records, read together."""

    by_type: dict[Any, int]
    by_plugin: dict[Any, dict[Any, int]]
    total: int
    tail: list[Any]


class HostMirror:
    """Mirrors the host's aggregator into ours without touching it.

    The host's counts per (plugin, type) and per type are cumulative and are updated in the same
    critical section (its ``_lock``) that appends the record. Each poll reads them and the newest
    records under that lock, so the difference between two polls is exactly the occurrences
    recorded in between: nothing is missed, nothing is fed twice. Details come from the newest
    records; occurrences the host no longer keeps (``max_records`` overflow) are fed from the
    counts with the message ``NO_DETAILS``, at most ``max_per_poll`` per poll (the rest wait).

    Args:
        host_aggregator: the host's ``src.error_aggregator`` instance (anything alike)
        ours: the aggregator to feed
        replay_existing: feed what the host recorded before the first poll (default: baseline only)
        max_per_poll: occurrences without details fed per poll
        lock_timeout: seconds to wait for the host's lock before skipping a poll
    """

    def __init__(self, host_aggregator: object, ours: ErrorAggregator, *, replay_existing: bool = False,
                 max_per_poll: int = 5000, lock_timeout: float = 0.25) -> None:
        self.host = host_aggregator
        self.ours = ours
        self.replay_existing = replay_existing
        self.max_per_poll = max_per_poll
        self.lock_timeout = lock_timeout
        self.failures = 0
        self.skipped = 0
        self.fed = 0
        self._baselined = False
        self._by_type: dict[Any, int] = {}
        self._by_plugin: dict[Any, dict[Any, int]] = {}
        self._total = 0
        self._backlog: Counter[_Key] = Counter()
        self._listener: WakeListener | None = None
        self._dispatcher: Any = None
        self._poll_lock = threading.Lock()

    # -------------------------------------------------------------- wake-ups

    def attach(self, wake: Callable[[], object]) -> bool:
        """Call ``wake()`` when the host detects a pattern; establishes the baseline if needed.

        ``wake`` runs in the recording thread under the host's lock: it must only set a flag
        (``threading.Event.set``). One callback is registered per host aggregator per process,
        however many mirrors attach. Returns False when the host offers no callback hook.
        """
        self.detach()
        registered = False
        if self.host is not self.ours:
            listener = self._listener = WakeListener(wake)
            try:
                self._dispatcher = dispatcher_for(self.host)
            except Exception:
                self.failures += 1
            if self._dispatcher is not None:
                self._dispatcher.add(listener)
                registered = True
        if not self._baselined:
            self.poll()
        return registered

    def detach(self) -> None:
        """Stop the wake-ups (the host keeps our dispatcher, which now forwards to no one)."""
        listener, dispatcher = self._listener, self._dispatcher
        self._listener = self._dispatcher = None
        if listener is not None:
            listener.active = False
            if dispatcher is not None:
                with contextlib.suppress(Exception):
                    dispatcher.discard(listener)

    @property
    def pending(self) -> bool:
        """True when the host signalled a pattern since the last poll."""
        return self._listener is not None and self._listener.pending

    @property
    def baselined(self) -> bool:
        """True once the first poll has read the host's counts."""
        return self._baselined

    @property
    def backlog(self) -> int:
        """Occurrences without details still to be fed (beyond ``max_per_poll``)."""
        return sum(self._backlog.values())

    # -------------------------------------------------------------- polling

    def news(self) -> int:
        """How many occurrences the host has counted since the last poll, read without its lock.

        A cheap estimate for the render thread (a dict of a few ints): 0 when nothing is new or when
        it cannot tell (then the regular poll catches up); exact counting happens in ``poll``.
        """
        counts = getattr(self.host, "_error_counts", None)
        if not self._baselined or not isinstance(counts, Mapping):
            return 0
        try:
            total = sum(counts.values())
        except Exception:  # resized while we read it: the host is recording, let the feeder see
            return 0
        return max(0, total - self._total)

    def poll(self, lock_timeout: float | None = None) -> int:
        """Feed what the host recorded since the last poll into ours; returns how many. Never raises.

        ``lock_timeout`` overrides how long to wait for the host's lock (0: do not wait).
        """
        if self.host is self.ours or not self._poll_lock.acquire(blocking=False):
            return 0
        try:
            fed = self._poll(self.lock_timeout if lock_timeout is None else lock_timeout)
            self.fed += fed
            return fed
        except Exception:
            self.failures += 1
            return 0
        finally:
            self._poll_lock.release()

    def _poll(self, lock_timeout: float) -> int:
        """One poll: snapshot, diff against the baseline, feed."""
        if self._listener is not None:
            self._listener.pending = False
        snapshot = self._snapshot(self._total if self._baselined else 0, lock_timeout)
        if snapshot is None:
            self.skipped += 1
            return 0
        if not self._baselined and not self.replay_existing:
            self._rebase(snapshot)
            return 0
        budgets = self._increments(snapshot)
        self._rebase(snapshot)
        detailed = _match(snapshot.tail, budgets)
        self._backlog.update(+budgets)
        return self._feed_backlog() + self._feed(detailed)

    def _snapshot(self, since: int, lock_timeout: float) -> _Snapshot | None:
        """Counts and the newest ``total - since`` records, under the host's lock (None: busy)."""
        host = self.host
        counts = getattr(host, "_error_counts", None)
        by_plugin = getattr(host, "_plugin_error_counts", None)
        records = getattr(host, "_records", None)
        if not isinstance(counts, Mapping) or not isinstance(by_plugin, Mapping) or records is None:
            return self._summary_snapshot(since)
        with held(getattr(host, "_lock", None), lock_timeout) as acquired:
            if not acquired:
                return None
            by_type = dict(counts)
            plugins = {plugin: dict(types) for plugin, types in by_plugin.items()}
            total = sum(by_type.values())
            tail = _tail(records, total - since)
        return _Snapshot(by_type, plugins, total, tail)

    def _summary_snapshot(self, since: int) -> _Snapshot:
        """The same from ``get_error_summary()`` (slower: only when the private state is missing)."""
        summary = self.host.get_error_summary()  # type: ignore[attr-defined]
        by_type = dict(summary["error_counts_by_type"])
        plugins = {plugin: dict(types) for plugin, types in summary["plugin_error_counts"].items()}
        total = sum(by_type.values())
        recent = list(summary.get("recent_errors") or ())
        return _Snapshot(by_type, plugins, total, recent[-(total - since):] if total > since else [])

    def _increments(self, snapshot: _Snapshot) -> Counter[_Key]:
        """New occurrences per (plugin, type) since the baseline; no plugin -> (None, type)."""
        base_plugins = self._by_plugin if self._baselined else {}
        base_types = self._by_type if self._baselined else {}
        budgets: Counter[_Key] = Counter()
        attributed: Counter[Any] = Counter()
        for plugin, types in snapshot.by_plugin.items():
            old = base_plugins.get(plugin, {})
            for error_type, count in types.items():
                delta = count - old.get(error_type, 0)
                if delta > 0:
                    budgets[(plugin, error_type)] = delta
                    attributed[error_type] += delta
        for error_type, count in snapshot.by_type.items():
            delta = count - base_types.get(error_type, 0) - attributed[error_type]
            if delta > 0:
                budgets[(None, error_type)] += delta
        return budgets

    def _rebase(self, snapshot: _Snapshot) -> None:
        """The snapshot becomes the baseline of the next poll."""
        self._by_type, self._by_plugin, self._total = snapshot.by_type, snapshot.by_plugin, snapshot.total
        self._baselined = True

    def _feed(self, occurrences: list[_Occurrence]) -> int:
        """Ingest occurrences with their details."""
        ingest = self.ours.ingest
        for o in occurrences:
            ingest(o.error_type, o.message, plugin_id=o.plugin_id, operation=o.operation,
                   context=o.context, stack_trace=o.stack_trace)
        return len(occurrences)

    def _feed_backlog(self) -> int:
        """Ingest up to ``max_per_poll`` occurrences the host kept no details of (oldest first)."""
        fed = 0
        for key in list(self._backlog):
            take = min(self._backlog[key], self.max_per_poll - fed)
            if take <= 0:
                break
            plugin, error_type = key
            for _ in range(take):
                self.ours.ingest(_text(error_type), NO_DETAILS, plugin_id=_optional_text(plugin),
                                 context=dict(_HOST_CONTEXT))
            fed += take
            self._backlog[key] -= take
            if self._backlog[key] <= 0:
                del self._backlog[key]
        return fed


def _tail(records: Any, count: int) -> list[Any]:
    """The newest ``count`` records, oldest first (a list slice, or from the end of a deque)."""
    if count <= 0:
        return []
    if isinstance(records, list):
        return records[-count:]
    return list(itertools.islice(reversed(records), count))[::-1]


def _match(tail: list[Any], budgets: Counter[_Key]) -> list[_Occurrence]:
    """Records that account for the increments; ``budgets`` is left with what had no record."""
    detailed: list[_Occurrence] = []
    for record in tail:
        try:
            key, occurrence = _describe(record)
            wanted = budgets.get(key, 0) > 0
        except Exception:  # an odd record: its occurrence is fed without details
            continue
        if wanted:
            budgets[key] -= 1
            detailed.append(occurrence)
    return detailed


def _describe(record: object) -> tuple[_Key, _Occurrence]:
    """A host record (an object, or a dict from ``recent_errors``) as its key and occurrence."""
    get: Callable[[str], Any]
    if isinstance(record, Mapping):
        get = record.get
    else:
        def get(name: str) -> Any:
            return getattr(record, name, None)
    error_type, plugin = get("error_type"), get("plugin_id")
    context = get("context")
    stack = get("stack_trace")
    occurrence = _Occurrence(
        _text(error_type), _text(get("message")), _optional_text(plugin), _optional_text(get("operation")),
        {**_HOST_CONTEXT, **context} if isinstance(context, Mapping) else dict(_HOST_CONTEXT),
        stack if isinstance(stack, str) and stack.strip() not in _USELESS_STACKS else None)
    return (plugin or None, error_type), occurrence


def _text(value: object) -> str:
    """A host value as text."""
    return value if isinstance(value, str) else safe_str(value)


def _optional_text(value: object) -> str | None:
    """A host id as text, None when empty."""
    return None if not value else _text(value)
