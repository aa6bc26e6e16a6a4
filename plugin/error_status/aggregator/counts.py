"""Occurrence counts: cumulative per type and per plugin (the seed's), windowed per plugin (ours).

Guarded by the aggregator's lock; bounded by ``Limits`` (overflow is counted under "(other)").
"""

from __future__ import annotations

from collections import defaultdict

from .limits import Limits
from .records import ErrorRecord
from .window import WindowCounter

OTHER = "(other)"


class PluginCounts:
    """One plugin's counts per type, its occurrences in the window and its last record."""

    __slots__ = ("last", "types", "window")

    def __init__(self, window: WindowCounter, types: defaultdict[str, int]) -> None:
        self.window = window
        self.types = types
        self.last: ErrorRecord | None = None


class ErrorCounts:
    """Every count the aggregator keeps besides its patterns."""

    def __init__(self, window: float, limits: Limits) -> None:
        self._window = window
        self._limits = limits
        self.by_type: defaultdict[str, int] = defaultdict(int)
        self.by_plugin: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.plugins: dict[str, PluginCounts] = {}

    def add(self, error_type: str, plugin: str | None, mono: float, record: ErrorRecord) -> None:
        """Count one occurrence."""
        _increment(self.by_type, error_type, self._limits.max_error_types)
        if plugin is None:
            return
        counts = self.plugins.get(plugin) or self._plugin(plugin)
        _increment(counts.types, error_type, self._limits.max_error_types)
        counts.window.add(mono)
        counts.last = record

    def recent(self, plugin: str, now: float) -> tuple[int, ErrorRecord | None]:
        """A plugin's occurrences in the window and its last record (None when none is recent)."""
        counts = self.plugins.get(plugin)
        if counts is None:
            return 0, None
        recent = counts.window.count(now)
        return recent, counts.last if recent else None

    def recent_by_plugin(self, now: float) -> dict[str, int]:
        """Occurrences in the window per plugin, for plugins with any."""
        found = {plugin: counts.window.count(now) for plugin, counts in self.plugins.items()}
        return {plugin: count for plugin, count in found.items() if count}

    def clear(self, keep: set[str]) -> None:
        """Forget every count, but the windows of the plugins in ``keep`` (their problems go on)."""
        self.by_type.clear()
        for plugin in list(self.plugins):
            counts = self.plugins[plugin]
            counts.types.clear()
            if plugin not in keep:
                counts.window.clear()
                counts.last = None

    def _plugin(self, plugin: str) -> PluginCounts:
        """Counters for a plugin seen for the first time (beyond ``max_plugins``: the "(other)" ones)."""
        if len(self.plugins) >= self._limits.max_plugins:
            plugin = OTHER
        counts = self.plugins.get(plugin)
        if counts is None:
            counts = self.plugins[plugin] = PluginCounts(WindowCounter(self._window), self.by_plugin[plugin])
        return counts


def _increment(counts: defaultdict[str, int], key: str, limit: int) -> None:
    """Count ``key``; a new key beyond ``limit`` is counted under "(other)"."""
    if key in counts:
        counts[key] += 1
    else:
        counts[key if len(counts) < limit else OTHER] += 1
