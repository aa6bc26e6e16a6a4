"""Plugins whose ``update()`` has not succeeded for several of their update intervals.

The host stamps ``plugin_last_update`` on failures too; its state manager's ``last_update`` is the
last *successful* scheduled update. Its value is compared with itself over time on our monotonic
clock, never with the wall clock (a Pi without a clock steps it by years at boot): a plugin is
stale when that value has not moved for ``INTERVALS`` of its intervals (at least ``MIN_STALE``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import HealthReport, HealthState
from .host_access import attribute, call, ids, label, method

INTERVALS = 3
MIN_STALE = 60.0  # seconds
DEFAULT_INTERVAL = 60.0  # the host's default update interval


class UpdateWatch:
    """Remembers, per plugin, when its last successful update last changed."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[object, float]] = {}  # plugin -> (last_update value, when it moved)

    def check(self, plugin_manager: object, now: float) -> dict[str, HealthReport]:
        """``NotUpdating`` reports for stale loaded, enabled plugins (monotonic ``now``)."""
        instances = attribute(plugin_manager, "plugins")
        loaded = ids(instances)
        states = method(plugin_manager, "state_manager", "get_state_info")
        if not loaded or states is None or not isinstance(instances, Mapping):
            self._seen.clear()
            return {}
        manifests = attribute(plugin_manager, "plugin_manifests")
        found: dict[str, HealthReport] = {}
        for pid in loaded:
            info = call(states, pid)
            try:
                if not isinstance(info, Mapping) or label(info.get("state")) not in ("enabled", "running"):
                    self._seen.pop(pid, None)
                    continue
                value = info.get("last_update")
            except Exception:  # a mapping that raises: nothing known about this plugin
                continue
            seen = self._seen.get(pid)
            if seen is None or seen[0] != value:
                self._seen[pid] = seen = (value, now)
            limit = max(MIN_STALE, INTERVALS * _interval(manifests, instances, pid))
            stale = now - seen[1]
            if stale > limit:
                found[pid] = HealthReport(HealthState.DEGRADED, f"no update for {_duration(stale)}",
                                          "NotUpdating")
        for pid in self._seen.keys() - set(loaded):
            del self._seen[pid]
        return found


def _interval(manifests: object, instances: Mapping[object, object], pid: str) -> float:
    """The plugin's update interval as the host decides it: the manifest's, else its config's."""
    for source in (_get(manifests, pid), attribute(_get(instances, pid), "config")):
        value = source.get("update_interval") if isinstance(source, Mapping) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e7:
            return float(value)
    return DEFAULT_INTERVAL


def _get(container: object, key: str) -> object:
    """``container[key]`` when it is a mapping that has it, else None (never raises)."""
    try:
        return container.get(key) if isinstance(container, Mapping) else None
    except Exception:
        return None


def _duration(seconds: float) -> str:
    """A short human duration: 90 s, 12 min, 3 h."""
    if seconds < 120:
        return f"{int(seconds)} s"
    if seconds < 7200:
        return f"{int(seconds // 60)} min"
    return f"{int(seconds // 3600)} h"
