"""Reading the LEDMatrix host, duck-typed: its aggregator, its plugin health, its cache.

Nothing here imports the host. Every host attribute may be missing or raise (the host's harness
mocks have no ``health_tracker``, ``state_manager`` or ``config_manager``), so each access is
guarded and a failure is counted, never raised into the plugin.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import math
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

from .aggregator import ErrorAggregator
from .clock import SYSTEM_CLOCK, Clock
from .events import Subscription
from .model import HealthState, Severity
from .stack import safe_str

__all__ = [
    "MAX_SAVED_PATTERNS",
    "MAX_SAVED_PLUGINS",
    "NO_DETAILS",
    "STATE_VERSION",
    "HostMirror",
    "InvalidState",
    "StatePersistence",
    "install_as_host_aggregator",
    "normalise_state",
    "plugin_names",
    "read_host_health",
    "validate_state",
]

logger = logging.getLogger(__name__)

NO_DETAILS = "(details not kept by the host)"
_USELESS_STACKS = frozenset({"NoneType: None\n", "NoneType: None", ""})
_HOST_CONTEXT = {"source": "host"}
_Key = tuple[Any, Any]  # (plugin id or None, error type), as the host keys its counts


# ---------------------------------------------------------------------- wake-ups from the host


class _WakeListener:
    """One mirror's wake-up: a flag and a callable to nudge. Never raises, never blocks."""

    __slots__ = ("__weakref__", "active", "failures", "pending", "wake")

    def __init__(self, wake: Callable[[], object]) -> None:
        self.wake = wake
        self.active = True
        self.pending = False
        self.failures = 0

    def notify(self) -> None:
        """Set the flag and call ``wake`` (its errors are counted)."""
        if not self.active:
            return
        self.pending = True
        try:
            self.wake()
        except Exception:
            self.failures += 1


class _Dispatcher:
    """The one callback registered on a host aggregator; forwards to weakly-held listeners.

    The host has no unregister and calls this under its own lock: the call only walks a tuple
    (copy-on-write, no lock) and notifies live listeners.
    """

    _error_status_dispatcher = True  # found by marker, so another copy of this module reuses it

    def __init__(self) -> None:
        self._listeners: tuple[weakref.ref[Any], ...] = ()
        self._lock = threading.Lock()
        self.calls = 0

    def __call__(self, pattern: object = None) -> None:
        """The host's ``on_pattern_detected`` callback."""
        self.calls += 1
        for ref in self._listeners:
            listener = ref()
            if listener is not None:
                with contextlib.suppress(Exception):
                    listener.notify()

    def add(self, listener: object) -> None:
        """Forward to ``listener`` (held weakly) from now on."""
        with self._lock:
            self._listeners = (*(r for r in self._listeners if r() is not None), weakref.ref(listener))

    def discard(self, listener: object) -> None:
        """Stop forwarding to ``listener``; dead listeners are dropped too."""
        with self._lock:
            self._listeners = tuple(r for r in self._listeners if r() not in (None, listener))

    @property
    def listeners(self) -> int:
        """Live listeners."""
        return sum(1 for r in self._listeners if r() is not None)


_dispatchers: dict[int, tuple[Callable[[], object], Any]] = {}
_registry_lock = threading.Lock()


def _dispatcher_for(host: object) -> Any | None:
    """The process's dispatcher on ``host``, registered on first use (None: host has no hook)."""
    with _registry_lock:
        entry = _dispatchers.get(id(host))
        if entry is not None and entry[0]() is host:
            return entry[1]
        dispatcher = _registered_dispatcher(host)
        if dispatcher is None:
            register = getattr(host, "on_pattern_detected", None)
            if not callable(register):
                return None
            dispatcher = _Dispatcher()
            register(dispatcher)
        for key in [k for k, (ref, _) in _dispatchers.items() if ref() is None]:
            del _dispatchers[key]
        _dispatchers[id(host)] = (_reference(host), dispatcher)
        return dispatcher


def _registered_dispatcher(host: object) -> Any | None:
    """A dispatcher already in the host's callbacks (registered by another copy of this module)."""
    callbacks = getattr(host, "_pattern_callbacks", None)
    if not isinstance(callbacks, list | tuple):
        return None
    return next((cb for cb in list(callbacks) if _is_dispatcher(cb)), None)


def _is_dispatcher(callback: object) -> bool:
    """True for our dispatchers (a marker, so any copy of this module matches)."""
    return getattr(callback, "_error_status_dispatcher", False) is True


def _reference(obj: object) -> Callable[[], object]:
    """A weak reference when ``obj`` allows one, else a strong one."""
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


@contextlib.contextmanager
def _held(lock: object, timeout: float) -> Iterator[bool]:
    """Hold ``lock`` if it is one; yields False when it could not be had within ``timeout``."""
    acquire, release = getattr(lock, "acquire", None), getattr(lock, "release", None)
    if not callable(acquire) or not callable(release):
        yield True
        return
    if not acquire(timeout=timeout):
        yield False
        return
    try:
        yield True
    finally:
        release()


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
        self._listener: _WakeListener | None = None
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
            listener = self._listener = _WakeListener(wake)
            try:
                self._dispatcher = _dispatcher_for(self.host)
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
        with _held(getattr(host, "_lock", None), lock_timeout) as held:
            if not held:
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


# ---------------------------------------------------------------------- replacing the host's aggregator


class _Installation:
    """Our aggregator installed as the host module's singleton, and how to undo it."""

    def __init__(self, module: ModuleType, ours: ErrorAggregator) -> None:
        self.module = module
        self.ours = ours
        self.previous: object = None
        self.subscriptions: list[Subscription] = []
        self.active = False

    def install(self, mirror: HostMirror | None) -> None:
        """Swap the singleton, then carry over the old one's records and callbacks."""
        with _held(getattr(self.module, "_aggregator_lock", None), 1.0):
            self.previous = getattr(self.module, "_error_aggregator", None)
            self.module._error_aggregator = self.ours  # type: ignore[attr-defined]
        self.active = True
        previous = self.previous
        if previous is None or previous is self.ours:
            return
        if mirror is not None and mirror.host is previous and mirror.ours is self.ours and mirror.baselined:
            carry = mirror
        else:
            carry = HostMirror(previous, self.ours, replay_existing=True)
        carry.poll()
        carry.detach()
        if carry.failures or carry.skipped or carry.backlog:
            logger.warning("error-status: carried over %d host errors; %d without details were dropped%s",
                           carry.fed, carry.backlog, " (host busy or unreadable)" if carry.skipped or
                           carry.failures else "")
        callbacks = getattr(previous, "_pattern_callbacks", None)
        for callback in list(callbacks) if isinstance(callbacks, list | tuple) else ():
            if callable(callback) and not _is_dispatcher(callback):
                self.subscriptions.append(self.ours.on_pattern_detected(callback))

    def uninstall(self) -> None:
        """Restore the previous singleton (if ours is still installed); idempotent."""
        with _install_lock:
            if not self.active:
                return
            self.active = False
            with _held(getattr(self.module, "_aggregator_lock", None), 1.0):
                if getattr(self.module, "_error_aggregator", None) is self.ours:
                    self.module._error_aggregator = self.previous  # type: ignore[attr-defined]
            for subscription in self.subscriptions:
                subscription.close()
            self.subscriptions = []
            if _installs.get(id(self.module)) is self:
                del _installs[id(self.module)]


_installs: dict[int, _Installation] = {}
_install_lock = threading.RLock()


def install_as_host_aggregator(host_module: ModuleType, ours: ErrorAggregator, *,
                               mirror: HostMirror | None = None) -> Callable[[], None]:
    """Opt-in: make ``ours`` the host's ``get_error_aggregator()`` singleton; returns ``uninstall``.

    The host's module-level ``record_error`` looks the singleton up on every call, so the swap
    takes effect at the next record. Carried over from the old instance:
    - its history, fed into ours: the records it kept, plus at most ``max_per_poll`` older
      occurrences from its counts without details (a warning tells what was dropped); given an
      attached ``mirror`` of it, only what that mirror had not fed yet (the mirror is detached);
    - its pattern callbacks, re-registered on ours (``uninstall`` closes them); patterns found
      in the carried history are not announced to them again.
    A record in flight during the swap (old instance fetched before, recorded after the
    carry-over) is lost; ``uninstall`` does not hand back what ours recorded meanwhile.
    Idempotent: installing the same aggregator again returns the same ``uninstall``.
    """
    with _install_lock:
        current = _installs.get(id(host_module))
        if current is not None and current.module is host_module and current.active:
            if current.ours is ours and getattr(host_module, "_error_aggregator", None) is ours:
                return current.uninstall
            current.uninstall()
        installation = _Installation(host_module, ours)
        _installs[id(host_module)] = installation
        installation.install(mirror)
        return installation.uninstall


# ---------------------------------------------------------------------- plugin health


MAX_HEALTH_PLUGINS = 256
_MAX_REASON = 80
_CIRCUIT = {"open": (HealthState.FAILING, "circuit open"), "half_open": (HealthState.DEGRADED, "recovering")}
_Health = tuple[HealthState, str]


def read_host_health(plugin_manager: object) -> dict[str, _Health]:
    """Health per plugin id from the host's health tracker and state manager; never raises.

    Ids: ``plugin_manifests`` (every discovered plugin) then ``plugins`` (loaded ones). Per id the
    worse (``HealthState.rank``) of: the tracker's summary (asked for loaded plugins only, so
    disabled ones are not added to its table; circuit open -> FAILING, half-open -> DEGRADED
    "recovering", consecutive failures or the degraded flag -> DEGRADED) and the state manager's
    state (error -> FAILING with its error text, disabled or never loaded -> DISABLED, a
    recoverable update error -> DEGRADED). With no information: HEALTHY if loaded, else UNKNOWN.
    """
    manifests = _ids(_attribute(plugin_manager, "plugin_manifests"))
    loaded = _ids(_attribute(plugin_manager, "plugins"))
    ids = list(dict.fromkeys([*(manifests or ()), *(loaded or ())]))[:MAX_HEALTH_PLUGINS]
    if not ids:
        return {}
    tracker = _method(plugin_manager, "health_tracker", "get_health_summary")
    states = _method(plugin_manager, "state_manager", "get_state_info")
    loaded_set = set(loaded) if loaded is not None else None
    result: dict[str, _Health] = {}
    for pid in ids:
        is_loaded = None if loaded_set is None else pid in loaded_set
        found: list[_Health] = []
        if tracker is not None and is_loaded is not False:
            found.extend(_from_tracker(_call(tracker, pid)))
        if states is not None:
            found.extend(_from_state(_call(states, pid), is_loaded))
        default = (HealthState.HEALTHY, "") if is_loaded else (HealthState.UNKNOWN, "")
        result[pid] = max(found, key=lambda health: health[0].rank) if found else default
    return result


def plugin_names(plugin_manager: object) -> dict[str, str]:
    """Display names from the manifests' ``"name"`` (ids without a usable name are left out)."""
    manifests = _attribute(plugin_manager, "plugin_manifests")
    try:
        items = list(manifests.items()) if isinstance(manifests, Mapping) else []
    except Exception:
        return {}
    names: dict[str, str] = {}
    for pid, manifest in items[:MAX_HEALTH_PLUGINS]:
        name = manifest.get("name") if isinstance(manifest, Mapping) else None
        if _valid_id(pid) and isinstance(name, str) and _clean_reason(name):
            names[pid] = _clean_reason(name)
    return names


def _from_tracker(summary: object) -> list[_Health]:
    """What a health-tracker summary says (circuit, consecutive failures, degraded flag)."""
    if not isinstance(summary, Mapping):
        return []
    found = [(HealthState.HEALTHY, "")]
    circuit = _label(summary.get("circuit_state"))
    if circuit in _CIRCUIT:
        found.append(_CIRCUIT[circuit])
    failures = summary.get("consecutive_failures")
    if isinstance(failures, int) and not isinstance(failures, bool) and failures > 0:
        reason = "1 failure" if failures == 1 else f"{failures} failures in a row"
        found.append((HealthState.DEGRADED, reason))
    if summary.get("degraded") is True:
        found.append((HealthState.DEGRADED, _clean_reason(summary.get("degraded_reason")) or "degraded"))
    return found


def _from_state(info: object, is_loaded: bool | None) -> list[_Health]:
    """What a state-manager record says (error, disabled, recoverable error)."""
    if not isinstance(info, Mapping):
        return []
    state = _label(info.get("state"))
    error = _error_text(info.get("error_info"))
    if state == "error":
        return [(HealthState.FAILING, error or "error")]
    if state == "disabled" or (state == "unloaded" and is_loaded is False):
        return [(HealthState.DISABLED, "disabled" if state == "disabled" else "not loaded")]
    if state in ("loaded", "enabled", "running"):
        return [(HealthState.DEGRADED, error)] if error else [(HealthState.HEALTHY, "")]
    return []


def _attribute(obj: object, name: str) -> Any:
    """``getattr(obj, name, None)``, None when the attribute raises too."""
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


def _method(obj: object, holder: str, name: str) -> Callable[[str], Any] | None:
    """``obj.<holder>.<name>`` if it is callable, else None."""
    method = _attribute(_attribute(obj, holder), name)
    return method if callable(method) else None


def _call(method: Callable[[str], Any], pid: str) -> Any:
    """``method(pid)``, None when it raises."""
    try:
        return method(pid)
    except Exception:
        return None


def _ids(container: object) -> list[str] | None:
    """Valid plugin ids among a container's keys (None when there is no such container)."""
    if container is None:
        return None
    try:
        return [pid for pid in list(container) if _valid_id(pid)]  # type: ignore[call-overload]
    except Exception:
        return None


def _valid_id(pid: object) -> bool:
    """A plausible plugin id: a short printable string."""
    return isinstance(pid, str) and 0 < len(pid) <= 64 and pid.isprintable()


def _label(value: object) -> str:
    """An enum's value or a string, lower-cased ("" for anything else)."""
    value = getattr(value, "value", value)
    return value.lower() if isinstance(value, str) else ""


def _error_text(error_info: object) -> str:
    """The error text of a state manager's ``error_info``."""
    if not isinstance(error_info, Mapping):
        return ""
    return _clean_reason(error_info.get("error")) or _clean_reason(error_info.get("error_type"))


def _clean_reason(value: object) -> str:
    """One printable line of at most ``_MAX_REASON`` characters ("" for non-strings)."""
    if not isinstance(value, str):
        return ""
    text = " ".join(value[: 4 * _MAX_REASON].split())
    return "".join(ch for ch in text if ch.isprintable())[:_MAX_REASON]


# ---------------------------------------------------------------------- persistence across restarts


STATE_VERSION = 1
MAX_SAVED_PATTERNS = 64
MAX_SAVED_PLUGINS = 128
_MAX_NUMBER = 2**53


class InvalidState(ValueError):
    """A state that does not match the saved-state schema."""


class StatePersistence:
    """Keeps the plugin's state across a restart of the display service in the host's cache.

    The real ``CacheManager`` writes to disk (an SD card): ``save`` writes only when the state
    changed and at most every ``min_interval`` seconds; a change held back is written by a later
    ``save`` or by ``flush``. Works with the real cache and with the harness's mock (only
    arguments both accept are passed). Schema: see ``validate_state``.
    """

    def __init__(self, cache_manager: object, key: str = "error-status:state", min_interval: float = 10.0,
                 clock: Clock = SYSTEM_CLOCK) -> None:
        self.cache = cache_manager
        self.key = key
        self.min_interval = min_interval
        self.clock = clock
        self.writes = 0
        self.failures = 0
        self._written: str | None = None
        self._pending: str | None = None
        self._last_write: float | None = None
        self._lock = threading.Lock()

    @property
    def pending(self) -> bool:
        """True when a change is waiting for the rate limit."""
        return self._pending is not None

    def save(self, state: Mapping[str, Any]) -> bool:
        """Stage ``state`` (normalised, bounded); True when it was written now."""
        try:
            dump = _dump(normalise_state(state))
        except (TypeError, ValueError) as error:
            self.failures += 1
            logger.warning("error-status: state not saved: %s", error)
            return False
        with self._lock:
            if dump == self._written:
                self._pending = None
                return False
            self._pending = dump
            now = self.clock.monotonic()
            if self._last_write is not None and now - self._last_write < self.min_interval:
                return False
            return self._write(now)

    def flush(self) -> bool:
        """Write a held-back change now (at cleanup); True when something was written."""
        with self._lock:
            return self._pending is not None and self._write(self.clock.monotonic())

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None (nothing saved, or unreadable: then a warning is logged)."""
        try:
            raw = self.cache.get(self.key, max_age=None)  # type: ignore[attr-defined]
        except Exception as error:
            self.failures += 1
            logger.warning("error-status: cannot read saved state %r: %s", self.key, safe_str(error))
            return None
        if raw is None:
            return None
        try:
            state = validate_state(raw)
        except InvalidState as error:
            logger.warning("error-status: ignoring saved state %r: %s", self.key, error)
            return None
        with self._lock:
            if self._written is None:
                self._written = _dump(state)
        return state

    def _write(self, now: float) -> bool:
        """Write the pending dump (called with the lock held)."""
        dump = self._pending
        assert dump is not None
        self._last_write = now
        try:
            self.cache.set(self.key, json.loads(dump))  # type: ignore[attr-defined]
        except Exception as error:
            self.failures += 1
            logger.warning("error-status: cannot save state %r: %s", self.key, safe_str(error))
            return False
        self._written, self._pending = dump, None
        self.writes += 1
        return True


def validate_state(raw: object) -> dict[str, Any]:
    """A saved state checked strictly (InvalidState otherwise); returns a clean copy.

    ``{"version": 1, "patterns": [...at most 64], "plugins": {id: {...}, at most 128},
    "saved_at": number (optional)}``; a pattern needs ``key``, ``severity`` (warning, error,
    critical) and ``error_type``, and may have ``message``, ``plugin_id``, ``operation``, ``count``,
    ``total_count``, ``first_seen``, ``last_seen`` (numbers) and ``acknowledged``; a plugin needs
    ``state`` (a HealthState value) and may have ``reason`` and ``errors``. Unknown keys are dropped.
    """
    return _clean_state(raw, strict=True)


def normalise_state(state: object) -> dict[str, Any]:
    """A state made to fit the schema for saving: version stamped, lists and texts truncated,
    enums turned into their labels, entries that do not fit left out. InvalidState when the
    state itself is not one (not an object, another version, patterns not a list...)."""
    return _clean_state(state, strict=False)


def _dump(state: Mapping[str, Any]) -> str:
    """A stable JSON text of ``state`` (for change detection and as the copy that is stored)."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _clean_state(raw: object, strict: bool) -> dict[str, Any]:
    """The state checked (strict) or fitted (not strict) to the schema."""
    if not isinstance(raw, Mapping):
        raise InvalidState(f"expected an object, got {type(raw).__name__}")
    version = raw.get("version", None if strict else STATE_VERSION)
    if type(version) is not int or version != STATE_VERSION:
        raise InvalidState(f"unsupported version {safe_str(version)[:20]!r}")
    patterns = raw.get("patterns", None if strict else [])
    plugins = raw.get("plugins", None if strict else {})
    if not isinstance(patterns, list | tuple) or not isinstance(plugins, Mapping):
        raise InvalidState("patterns must be a list and plugins an object")
    if strict and (len(patterns) > MAX_SAVED_PATTERNS or len(plugins) > MAX_SAVED_PLUGINS):
        raise InvalidState(f"too many entries ({len(patterns)} patterns, {len(plugins)} plugins)")
    kept: list[dict[str, Any]] = []
    for raw_pattern in itertools.islice(patterns, 4 * MAX_SAVED_PATTERNS):
        with _skip_invalid(strict):
            if len(kept) < MAX_SAVED_PATTERNS:
                kept.append(_entry(raw_pattern, _PATTERN_FIELDS, strict))
    known: dict[str, Any] = {}
    for pid, raw_plugin in itertools.islice(plugins.items(), 4 * MAX_SAVED_PLUGINS):
        with _skip_invalid(strict):
            if len(known) < MAX_SAVED_PLUGINS:
                known[_checked("id", pid, strict)] = _entry(raw_plugin, _PLUGIN_FIELDS, strict)
    state: dict[str, Any] = {"version": STATE_VERSION, "patterns": kept, "plugins": known}
    if raw.get("saved_at") is not None:
        with _skip_invalid(strict):
            state["saved_at"] = _checked("time", raw["saved_at"], strict)
    return state


def _skip_invalid(strict: bool) -> contextlib.AbstractContextManager[None]:
    """Strict: an invalid entry rejects the whole state. Otherwise it is left out."""
    return contextlib.nullcontext() if strict else contextlib.suppress(InvalidState)


def _entry(raw: object, fields: Mapping[str, tuple[str, bool]], strict: bool) -> dict[str, Any]:
    """One pattern or plugin entry with its known fields checked."""
    if not isinstance(raw, Mapping):
        raise InvalidState(f"expected an object entry, got {type(raw).__name__}")
    entry: dict[str, Any] = {}
    for name, (kind, required) in fields.items():
        if name in raw:
            entry[name] = _checked(kind, raw[name], strict)
        elif required:
            raise InvalidState(f"entry without {name!r}")
    return entry


def _checked(kind: str, value: object, strict: bool) -> Any:
    """``value`` checked against a field kind (truncated when not strict)."""
    if kind in _TEXT_LIMITS:
        if kind == "optional_id" and value is None:
            return None
        limit = _TEXT_LIMITS[kind]
        if not isinstance(value, str) or (kind != "text" and not value):
            raise InvalidState(f"expected text, got {type(value).__name__}")
        if len(value) > limit and strict:
            raise InvalidState(f"text longer than {limit}")
        return str(value[:limit])
    if kind == "severity":
        return _enum_label(value, strict, Severity.parse, lambda s: s.label, {s.label for s in Severity})
    if kind == "health":
        return _enum_label(value, strict, HealthState, lambda h: h.value, {h.value for h in HealthState})
    if kind == "flag" and isinstance(value, bool):
        return value
    if kind in ("count", "time") and _is_number(value, integral=kind == "count"):
        return value
    raise InvalidState(f"bad {kind} value of type {type(value).__name__}")


def _is_number(value: object, integral: bool) -> bool:
    """A finite JSON number of sane size (a non-negative int when ``integral``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if integral:
        return isinstance(value, int) and 0 <= value < _MAX_NUMBER
    return math.isfinite(value) and abs(value) < _MAX_NUMBER


def _enum_label(value: object, strict: bool, parse: Callable[[Any], Any], label: Callable[[Any], str],
                labels: set[str]) -> str:
    """A severity or health label: exactly a known label when strict, parsed from enums otherwise."""
    if strict:
        if isinstance(value, str) and value in labels:
            return value
        raise InvalidState(f"unknown label {safe_str(value)[:20]!r}")
    try:
        return label(parse(value))
    except (ValueError, TypeError) as error:
        raise InvalidState(f"unknown label {safe_str(value)[:20]!r}") from error


_TEXT_LIMITS = {"id": 64, "optional_id": 64, "key": 200, "type": 100, "text": 500}
_PATTERN_FIELDS: dict[str, tuple[str, bool]] = {
    "key": ("key", True), "severity": ("severity", True), "error_type": ("type", True),
    "message": ("text", False), "plugin_id": ("optional_id", False), "operation": ("optional_id", False),
    "count": ("count", False), "total_count": ("count", False), "first_seen": ("time", False),
    "last_seen": ("time", False), "acknowledged": ("flag", False),
}
_PLUGIN_FIELDS: dict[str, tuple[str, bool]] = {
    "state": ("health", True), "reason": ("text", False), "errors": ("count", False),
}
