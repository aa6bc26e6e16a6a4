"""Doubles of the LEDMatrix host, written from docs/host-contract.md (not copied from the host).

A helper module imported by the tests (``from hostdoubles import ...``), not a test module.
Each double follows the observable behaviour the contract documents, quirks included.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from types import ModuleType, SimpleNamespace
from typing import Any

from PIL import Image, ImageDraw

SEED_STACK_TRACE = "NoneType: None\n"  # traceback.format_exc() outside an except block (host-notes §a)


class SeedRecord:
    """The seed's ErrorRecord: plain fields and ``to_dict()``."""

    def __init__(self, error_type: str, message: str, context: dict[str, Any], plugin_id: str | None,
                 operation: str | None) -> None:
        self.error_type = error_type
        self.message = message
        self.timestamp = datetime.now()
        self.context = context
        self.plugin_id = plugin_id
        self.operation = operation
        self.stack_trace = SEED_STACK_TRACE

    def to_dict(self) -> dict[str, Any]:
        """The seed's keys."""
        return {"error_type": self.error_type, "message": self.message,
                "timestamp": self.timestamp.isoformat(), "context": self.context,
                "plugin_id": self.plugin_id, "operation": self.operation,
                "stack_trace": self.stack_trace}


class SeedAggregator:
    """The host's ``src.error_aggregator.ErrorAggregator`` as the contract describes it.

    One RLock guards everything; a record and its counts change in one critical section; the
    per-plugin count only when ``plugin_id`` is truthy; one pattern per error type, announced
    once to each callback, synchronously, under the lock; callbacks cannot be unregistered.
    """

    def __init__(self, max_records: int = 1000, pattern_threshold: int = 5,
                 pattern_window_minutes: int = 60) -> None:
        self.logger = logging.getLogger("src.error_aggregator")
        self.max_records = max_records
        self.pattern_threshold = pattern_threshold
        self.pattern_window = timedelta(minutes=pattern_window_minutes)
        self._records: list[SeedRecord] = []
        self._error_counts: defaultdict[str, int] = defaultdict(int)
        self._plugin_error_counts: defaultdict[str, defaultdict[str, int]] = defaultdict(
            lambda: defaultdict(int))
        self._patterns: dict[str, SimpleNamespace] = {}
        self._pattern_callbacks: list[Callable[[Any], None]] = []
        self._lock = threading.RLock()
        self._session_start = datetime.now()

    def record_error(self, error: BaseException, context: dict[str, Any] | None = None,
                     plugin_id: str | None = None, operation: str | None = None) -> SeedRecord:
        """Append a record, count it, look for a pattern: all under the lock."""
        with self._lock:
            error_type = type(error).__name__
            record = SeedRecord(error_type, str(error), context or {}, plugin_id, operation)
            self._records.append(record)
            if len(self._records) > self.max_records:
                self._records.pop(0)
            self._error_counts[error_type] += 1
            if plugin_id:
                self._plugin_error_counts[plugin_id][error_type] += 1
            self._detect_pattern(record)
            return record

    def _detect_pattern(self, record: SeedRecord) -> None:
        """A pattern per type once ``pattern_threshold`` records of it are within the window."""
        cutoff = datetime.now() - self.pattern_window
        same = [r for r in self._records if r.error_type == record.error_type and r.timestamp > cutoff]
        if len(same) < self.pattern_threshold:
            return
        pattern = self._patterns.get(record.error_type)
        if pattern is not None:
            pattern.count = len(same)
            return
        pattern = SimpleNamespace(error_type=record.error_type, count=len(same), severity="warning",
                                  affected_plugins=[r.plugin_id for r in same if r.plugin_id])
        self._patterns[record.error_type] = pattern
        self.logger.warning("Error pattern detected: %s occurred %d times", record.error_type, len(same))
        for callback in self._pattern_callbacks:
            try:
                callback(pattern)
            except Exception as error:
                self.logger.error(f"Pattern callback failed: {error}")

    def on_pattern_detected(self, callback: Callable[[Any], None]) -> None:
        """Append a callback (no lock, no way back)."""
        self._pattern_callbacks.append(callback)

    def get_error_summary(self) -> dict[str, Any]:
        """The seed's seven keys."""
        with self._lock:
            hours = (datetime.now() - self._session_start).total_seconds() / 3600
            return {
                "session_start": self._session_start.isoformat(),
                "total_errors": len(self._records),
                "error_rate_per_hour": len(self._records) / max(hours, 0.01),
                "error_counts_by_type": dict(self._error_counts),
                "plugin_error_counts": {k: dict(v) for k, v in self._plugin_error_counts.items()},
                "active_patterns": {k: vars(p).copy() for k, p in self._patterns.items()},
                "recent_errors": [r.to_dict() for r in self._records[-20:]],
            }


class SummaryOnlyAggregator:
    """A host aggregator whose private state is out of reach: only the public methods."""

    def __init__(self, seed: SeedAggregator) -> None:
        self._seed = seed
        self.record_error = seed.record_error
        self.on_pattern_detected = seed.on_pattern_detected
        self.get_error_summary = seed.get_error_summary


def make_seed_module(aggregator: SeedAggregator | None = None) -> ModuleType:
    """A stand-in for the ``src.error_aggregator`` module: its singleton, lock and functions."""
    module = ModuleType("fake_src_error_aggregator")
    module._error_aggregator = aggregator  # type: ignore[attr-defined]
    module._aggregator_lock = threading.Lock()  # type: ignore[attr-defined]

    def get_error_aggregator() -> Any:
        with module._aggregator_lock:
            if module._error_aggregator is None:
                module._error_aggregator = SeedAggregator()  # type: ignore[attr-defined]
            return module._error_aggregator

    def record_error(error: BaseException, context: dict[str, Any] | None = None,
                     plugin_id: str | None = None, operation: str | None = None) -> Any:
        return get_error_aggregator().record_error(error=error, context=context, plugin_id=plugin_id,
                                                   operation=operation)

    module.get_error_aggregator = get_error_aggregator  # type: ignore[attr-defined]
    module.record_error = record_error  # type: ignore[attr-defined]
    return module


# ---------------------------------------------------------------------- plugin manager side


_HEALTH_DEFAULTS: dict[str, Any] = {
    "circuit_state": "closed", "consecutive_failures": 0, "total_failures": 0, "total_successes": 0,
    "last_success_time": None, "last_failure_time": None, "last_error": None, "degraded": False,
    "degraded_reason": None, "circuit_opened_time": None, "half_open_start_time": None,
}


class FakeHealthTracker:
    """``PluginHealthTracker``: summaries with the host's keys; asking adds the id to its table."""

    def __init__(self) -> None:
        self._health_state: dict[str, dict[str, Any]] = {}
        self.summary_calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.skip_calls = 0

    def set(self, plugin_id: str, **fields: Any) -> None:
        """Set fields of a plugin's health state (circuit_state, degraded, ...)."""
        self._health_state.setdefault(plugin_id, dict(_HEALTH_DEFAULTS)).update(fields)

    def get_health_summary(self, plugin_id: str, force_reload: bool = False) -> dict[str, Any]:
        """The host's summary keys (unknown ids are added with defaults, as the host does)."""
        self.summary_calls.append(((plugin_id,), {"force_reload": force_reload} if force_reload else {}))
        state = self._health_state.setdefault(plugin_id, dict(_HEALTH_DEFAULTS))
        calls = state["total_successes"] + state["total_failures"]
        return {
            "plugin_id": plugin_id, "circuit_state": state["circuit_state"],
            "consecutive_failures": state["consecutive_failures"],
            "total_failures": state["total_failures"], "total_successes": state["total_successes"],
            "success_rate": round(state["total_successes"] / calls * 100, 2) if calls else 0.0,
            "last_success_time": state["last_success_time"], "last_failure_time": state["last_failure_time"],
            "last_error": state["last_error"], "is_healthy": state["circuit_state"] == "closed",
            "degraded": state["degraded"], "degraded_reason": state["degraded_reason"],
            "circuit_opened_time": state["circuit_opened_time"],
            "half_open_start_time": state["half_open_start_time"],
        }

    def should_skip_plugin(self, plugin_id: str) -> bool:
        """Mutates in the host (open -> half_open): a plugin must never call it."""
        self.skip_calls += 1
        raise AssertionError("should_skip_plugin has side effects; never call it from a plugin")


class FakeStateManager:
    """``PluginStateManager``: states as strings, ``error_info`` in the host's two shapes."""

    STATES = ("unloaded", "loaded", "enabled", "running", "error", "disabled")

    def __init__(self) -> None:
        self._states: dict[str, str] = {}
        self._error_info: dict[str, dict[str, Any]] = {}
        self._last_update: dict[str, datetime] = {}

    def record_update(self, plugin_id: str, when: datetime | None = None) -> None:
        """A successful scheduled update (the host's ``record_update``)."""
        self._last_update[plugin_id] = when or datetime.now()

    def set_state(self, plugin_id: str, state: str, error: BaseException | None = None) -> None:
        """A transition; entering error stores the error, leaving it clears the info."""
        assert state in self.STATES
        self._states[plugin_id] = state
        if state == "error" and error is not None:
            self._error_info[plugin_id] = {"error": str(error), "error_type": type(error).__name__,
                                           "timestamp": datetime.now()}
        elif state != "error":
            self._error_info.pop(plugin_id, None)

    def set_state_with_error(self, plugin_id: str, state: str, error_info: dict[str, Any]) -> None:
        """The recoverable-failure path: the state stays, the error info is kept."""
        self._states[plugin_id] = state
        self._error_info[plugin_id] = dict(error_info)

    def get_state_info(self, plugin_id: str) -> dict[str, Any]:
        """The host's keys; unknown ids are "unloaded"."""
        state = self._states.get(plugin_id, "unloaded")
        info = self._error_info.get(plugin_id)
        return {
            "state": state, "is_loaded": state in ("loaded", "enabled", "running"),
            "is_enabled": state == "enabled", "is_running": state == "running",
            "is_error": state == "error", "can_execute": state == "enabled",
            "last_update": self._last_update.get(plugin_id),
            "last_display": None, "error_info": dict(info) if info is not None else None,
            "state_history_count": 0,
        }


class FakePluginManager:
    """``PluginManager`` as a plugin sees it; like the harness's mock, the tracker and the state
    manager attributes exist only when given."""

    def __init__(self, health_tracker: FakeHealthTracker | None = None,
                 state_manager: FakeStateManager | None = None,
                 manifests: dict[str, dict[str, Any]] | None = None,
                 plugins: dict[str, object] | None = None) -> None:
        self.plugin_manifests: dict[str, dict[str, Any]] = manifests if manifests is not None else {}
        self.plugins: dict[str, object] = plugins if plugins is not None else {}
        if health_tracker is not None:
            self.health_tracker = health_tracker
        if state_manager is not None:
            self.state_manager = state_manager


# ---------------------------------------------------------------------- cache


class FakeCacheManager:
    """The real ``CacheManager``'s semantics: ``{'data','timestamp'[,'ttl']}`` envelopes, JSON on
    "disk", a stored ttl overriding the reader's max_age, ``get`` unwrapping ``data``."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self.store: dict[str, dict[str, Any]] = {}
        self.get_calls: list[dict[str, Any]] = []
        self.set_calls: list[dict[str, Any]] = []

    def get(self, key: str, max_age: float | None = 300, memory_ttl: float | None = None) -> Any:
        """The payload, or None when missing or stale."""
        self.get_calls.append({"key": key, "max_age": max_age, "memory_ttl": memory_ttl})
        record = self.store.get(key)
        if record is None:
            return None
        limit = record.get("ttl", max_age)
        if limit is not None and self._now() - record["timestamp"] > limit:
            return None
        return json.loads(json.dumps(record["data"])) if "data" in record else record

    def set(self, key: str, data: Any, ttl: float | None = None) -> None:
        """Store an envelope (JSON-serialisable data only, as on disk)."""
        self.set_calls.append({"key": key, "data": data, "ttl": ttl})
        record: dict[str, Any] = {"data": json.loads(json.dumps(data)), "timestamp": self._now()}
        if ttl is not None:
            record["ttl"] = ttl
        self.store[key] = record


class MockLikeCacheManager:
    """The harness's ``MockCacheManager``: raw values, ``get(key, max_age=None)`` without
    ``memory_ttl`` (passing it is a TypeError), ``ttl`` ignored."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}
        self._cache_timestamps: dict[str, float] = {}
        self.get_calls: list[dict[str, Any]] = []
        self.set_calls: list[dict[str, Any]] = []

    def get(self, key: str, max_age: float | None = None) -> Any:
        """The raw value, or None when missing or older than ``max_age``."""
        self.get_calls.append({"key": key, "max_age": max_age})
        if key not in self._cache:
            return None
        if max_age is not None and time.time() - self._cache_timestamps.get(key, 0) > max_age:
            return None
        return self._cache.get(key)

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        """Store the raw value."""
        self.set_calls.append({"key": key, "value": value, "ttl": ttl})
        self._cache[key] = value
        self._cache_timestamps[key] = time.time()


# ---------------------------------------------------------------------- display


class FakeDisplayManager:
    """The real ``DisplayManager``'s drawing surface: ``matrix.width/height`` give the size,
    ``clear()`` REPLACES ``image`` and ``draw`` (re-read them after it) and pushes nothing,
    ``update_display()`` pushes a copy of the current image."""

    def __init__(self, width: int, height: int) -> None:
        self.matrix = SimpleNamespace(width=width, height=height)
        self.image = Image.new("RGB", (width, height))
        self.draw = ImageDraw.Draw(self.image)
        self.pushed: list[Image.Image] = []
        self.clear_calls = 0

    @property
    def width(self) -> int:
        """``matrix.width``."""
        return int(self.matrix.width)

    @property
    def height(self) -> int:
        """``matrix.height``."""
        return int(self.matrix.height)

    def clear(self) -> None:
        """A new black image and draw."""
        self.clear_calls += 1
        self.image = Image.new("RGB", (self.width, self.height))
        self.draw = ImageDraw.Draw(self.image)

    def update_display(self) -> None:
        """Push the current image."""
        self.pushed.append(self.image.copy())
