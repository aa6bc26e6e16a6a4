"""The hazards of issue 11, measured for ``reliability.py``: memory of distinct deep tracebacks, the
cost of unique messages, the longest wait of ``record_error`` on a slow subscriber, host objects that
raise when read, and settings too extreme to use (re-entrancy: ``reentry_trials.py``).

The scenarios are the reliability suite's (tests/test_hygiene_stack.py, test_subscribers.py,
test_host_health.py, test_persistence.py, test_aggregator_bounds.py), counted here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import bench_aggregator as bench
from hostdoubles import (
    FakeCacheManager,
    FakeDisplayManager,
    FakeHealthTracker,
    FakePluginManager,
    FakeStateManager,
)
from hostile import Raising, RaisingMapping, RaisingState, deep_traceback_growth

from error_status import ErrorStatusPlugin
from error_status.aggregator import ErrorAggregator, Limits
from error_status.ledmatrix.config import parse_settings
from error_status.ledmatrix.health import read_host_health
from error_status.ledmatrix.persistence import StatePersistence
from error_status.ledmatrix.staleness import UpdateWatch

# ---------------------------------------------------------------------- deep tracebacks

def deep_traceback_memory(count: int = 2100) -> float:
    """MB traced while ``count`` distinct 202-frame tracebacks are recorded with max_records=10."""
    return deep_traceback_growth(count) / 1e6


# ---------------------------------------------------------------------- unique messages, slow subscriber


def unique_message_cost(records: int = 6000) -> dict[str, float]:
    """µs per record_error at 1,000 kept records, every message distinct (the benchmark's streams)."""
    found = {}
    for label, length, with_context in (("120 characters", 120, False), ("500 characters", 500, False),
                                        ("120 characters, 32-key context", 120, True)):
        stream = bench.make_unique_stream(records, length, 90_000_000 + length * 1000 + with_context,
                                          with_context)
        aggregator = bench.filled(ErrorAggregator, 1000, False)
        found[label] = bench.time_pair([(aggregator, stream)], 10.0, cycle=False)[0]
        aggregator.close()
    return found


def slow_subscriber_wait(records: int = 40) -> tuple[float, float]:
    """Seconds the first and the slowest later record_error waited, a subscriber taking 45 ms an event."""
    aggregator = ErrorAggregator(pattern_threshold=1)
    logger, was_disabled = aggregator.logger, aggregator.logger.disabled
    logger.disabled = True  # (the module's logger: put back as it was for the sections after)
    aggregator.subscribe(lambda event: time.sleep(0.045))
    waits = []
    try:
        for n in range(records):  # each record makes a new pattern: an event for the slow subscriber
            started = time.monotonic()
            aggregator.record_error(RuntimeError("down"), plugin_id=f"p{n}")
            waits.append(time.monotonic() - started)
    finally:
        logger.disabled = was_disabled
        aggregator.close()
    return waits[0], max(waits[1:])


# ---------------------------------------------------------------------- hostile host objects


def _manager(summary: Callable[..., Any] | None, state: Callable[[str], Any] | None) -> FakePluginManager:
    tracker, states = FakeHealthTracker(), FakeStateManager()
    if summary is not None:
        tracker.get_health_summary = summary  # type: ignore[method-assign]
    if state is not None:
        states.get_state_info = state  # type: ignore[method-assign]
    return FakePluginManager(tracker, states, manifests={"a": {"id": "a"}, "b": {"id": "b"}},
                             plugins={"a": object(), "b": object()})


def _raises(error: BaseException) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise error
    return call


HOST_MANAGERS: dict[str, Callable[[], object]] = {
    "health summary: its reads raise": lambda: _manager(lambda pid, force_reload=False: RaisingMapping(),
                                                         None),
    "health summary: the call raises": lambda: _manager(_raises(RuntimeError("cache read failed")), None),
    "state info: its reads raise": lambda: _manager(None, lambda pid: RaisingMapping()),
    "state: its .value raises": lambda: _manager(None, lambda pid: {"state": RaisingState.BROKEN}),
    "state info: the call raises": lambda: _manager(None, _raises(KeyError("a"))),
    "state info: of the wrong type": lambda: _manager(None, lambda pid: ["not", "a", "dict"]),
    "plugin manager: every attribute raises": Raising,
}


def _plugin_with(cache: object, manager: object) -> bool:
    plugin = ErrorStatusPlugin("error-status", {}, FakeDisplayManager(64, 32), cache, manager,
                               service_options={"host_module": lambda: None, "poll_interval": 3600.0})
    try:
        return plugin.display(force_clear=True) is True
    finally:
        plugin.cleanup()


def hostile_host_objects() -> dict[str, tuple[int, int]]:
    """(tried, survived) per kind of hostile host object: health read, staleness check, state load,
    and the plugin built and drawing beside it."""
    found: dict[str, tuple[int, int]] = {}
    for label, make in HOST_MANAGERS.items():
        checks = [lambda make=make: isinstance(read_host_health(make()), dict),
                  lambda make=make: isinstance(UpdateWatch().check(make(), 1000.0), dict),
                  lambda make=make: _plugin_with(FakeCacheManager(), make())]
        found[label] = (len(checks), sum(_survives(check) for check in checks))
    cache = FakeCacheManager()
    cache.get = lambda key, max_age=None, memory_ttl=None: RaisingMapping(version=1)  # type: ignore[method-assign]
    checks = [lambda: StatePersistence(cache).load() is None,
              lambda: StatePersistence(cache).save({"version": 1, "patterns": [], "plugins": {}})
              in (True, False),
              lambda: _plugin_with(cache, FakePluginManager())]
    found["cache: a mapping whose reads raise"] = (len(checks), sum(_survives(c) for c in checks))
    return found


def _survives(check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception:
        return False


# ---------------------------------------------------------------------- extreme settings

EXTREME_AGGREGATOR: list[tuple[dict[str, Any], str]] = [
    ({"max_records": 10**8}, "max_records"), ({"max_records": 10**18}, "max_records"),
    ({"pattern_threshold": 10**7}, "pattern_threshold"),
    ({"pattern_window_minutes": 10**9}, "pattern_window_minutes"),
    ({"pattern_window_minutes": 1e-6}, "pattern_window_minutes"),
    ({"pattern_window_minutes": 1e308}, "pattern_window_minutes"),
    ({"quiet_period_minutes": 10**9}, "quiet_period_minutes"),
    ({"quiet_period_minutes": 1e-9}, "quiet_period_minutes"),
    ({"export_min_interval": 1e12}, "export_min_interval"),
    ({"delivery_wait": 1e6}, "delivery_wait"),
    ({"hysteresis": 1.0}, "hysteresis"), ({"hysteresis": 1e300}, "hysteresis"),
]
EXTREME_LIMITS = ["max_patterns", "max_samples", "max_message_length", "max_id_length", "max_plugins",
                  "max_context_items", "max_context_text", "max_stack_frames", "max_pending_events"]
EXTREME_CONFIG: list[tuple[dict[str, Any], str]] = [
    ({"pattern_threshold": 10**6}, "pattern_threshold"),
    ({"pattern_window_minutes": 10**7}, "pattern_window_minutes"),
    ({"quiet_period_minutes": 10**7}, "quiet_period_minutes"),
    ({"scroll_speed": 10**9}, "scroll_speed"), ({"scroll_speed": 1e-9}, "scroll_speed"),
    ({"alert_ttl_minutes": 10**9}, "alert_ttl_minutes"),
    ({"max_duration_seconds": 10**9}, "max_duration_seconds"),
    ({"takeover_repeat_minutes": 1e-9}, "takeover_repeat_minutes"),
    ({"dynamic_duration": {"max_duration_seconds": 10**12}}, "dynamic_duration.max_duration_seconds"),
]


def extreme_settings() -> dict[str, tuple[int, int]]:
    """(tried, refused with a ValueError naming the setting) for the aggregator, its limits, the config."""
    calls: dict[str, list[tuple[Callable[[], object], str]]] = {
        "aggregator settings": [(lambda kw=kw: ErrorAggregator(**kw), name)
                                for kw, name in EXTREME_AGGREGATOR],
        "limits": [(lambda f=f: Limits(**{f: 10**12}), f"limits.{f}") for f in EXTREME_LIMITS],
        "plugin config": [(lambda c=c: parse_settings(c), name) for c, name in EXTREME_CONFIG],
    }
    found = {}
    for label, tries in calls.items():
        refused = 0
        for call, name in tries:
            try:
                made = call()
            except ValueError as error:
                refused += name in str(error) and len(str(error)) < 300
                continue
            if hasattr(made, "close"):
                made.close()
        found[label] = (len(tries), refused)
    return found
