"""What the metrics read: an immutable view of the local panel, published by the driver thread.

Scrapes and textfile writes read the latest view; they never call into the aggregator or the board,
so a slow scraper holds none of our locks and the driver stays the only thread that works the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from ..model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity

ALERTMANAGER = "alertmanager"  # Alert.origin of alerts polled from Alertmanager: never exported back
OTHER = "(other)"  # the label value that takes what is beyond a bound (the aggregator's own word)
MAX_ERROR_SERIES = 1024  # (plugin, type) pairs exported; the rest are (plugin, "(other)")


class CardinalityLimits(Protocol):
    """The bounds a view keeps to (the aggregator's ``Limits`` has them)."""

    @property
    def max_plugins(self) -> int: ...

    @property
    def max_error_types(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ViewLimits:
    """The aggregator's default bounds."""

    max_plugins: int = 256
    max_error_types: int = 256


@dataclass(frozen=True, slots=True)
class FleetCounters:
    """Cumulative counts of the fleet features themselves (zero for a feature that is off)."""

    polls_ok: int = 0
    polls_failed: int = 0
    malformed_alerts: int = 0
    textfile_failures: int = 0
    poller_failures: int = 0


@dataclass(frozen=True, slots=True)
class MetricsView:
    """Everything one scrape shows; label values already bounded.

    ``errors``: cumulative (plugin, type, count); ``alerts``: (plugin, severity, active count) for every
    plugin shown and every severity; ``health``: one state per plugin.
    """

    errors: tuple[tuple[str, str, int], ...] = ()
    alerts: tuple[tuple[str, Severity, int], ...] = ()
    health: tuple[tuple[str, HealthState], ...] = ()
    events_dropped: int = 0
    internal_errors: int = 0
    subscriber_failures: int = 0
    export_failures: int = 0
    fleet: FleetCounters = FleetCounters()


class MetricsSource(Protocol):
    """What the collector reads at each scrape."""

    def metrics_view(self) -> MetricsView: ...


class LatestView:
    """The last published view (replaced whole: a reader sees one view or the next, never a mix)."""

    def __init__(self, view: MetricsView | None = None) -> None:
        self._view = view or MetricsView()

    def publish(self, view: MetricsView) -> None:
        """Make ``view`` what the next scrape shows."""
        if not isinstance(view, MetricsView):
            raise TypeError(f"view must be a MetricsView, got {type(view).__name__}")
        self._view = view

    def metrics_view(self) -> MetricsView:
        """The last published view."""
        return self._view


class ViewBuilder:
    """Builds views from the aggregator's ``plugin_error_counts`` and ``stats()`` and the board's snapshot.

    Alerts that came from Alertmanager, and the health the board derived from them alone, are left
    out (a fleet's alerts exported back would loop). Beyond the bounds, plugins and types become
    ``(other)``. A label admitted once stays admitted (and one refused stays refused), so every
    counter stays monotonic however the inputs grow.
    """

    def __init__(self, limits: CardinalityLimits | None = None, *,
                 max_error_series: int = MAX_ERROR_SERIES) -> None:
        limits = limits or ViewLimits()
        self._plugins = _Bounded(limits.max_plugins)
        self._max_types = limits.max_error_types
        self._types: dict[str, _Bounded] = {}
        self._series = _Bounded(max_error_series)

    def build(self, error_counts: Mapping[str, Mapping[str, int]], snapshot: BoardSnapshot,
              stats: Mapping[str, int] | None = None) -> MetricsView:
        """The view of these inputs (call it from one thread: the driver's)."""
        stats = stats if isinstance(stats, Mapping) else {}
        local = [a for a in snapshot.alerts if a.origin != ALERTMANAGER]
        fleet_only = {a.plugin_id for a in snapshot.alerts if a.origin == ALERTMANAGER} - {
            a.plugin_id for a in local}
        health = [h for h in snapshot.health if h.plugin_id not in fleet_only]
        return MetricsView(
            errors=self._errors(error_counts),
            alerts=_alerts(local, health, self._plugins),
            health=_health(health, self._plugins),
            events_dropped=_count(stats, "events_dropped"),
            internal_errors=_count(stats, "internal_errors"),
            subscriber_failures=_count(stats, "subscriber_failures"),
            export_failures=_count(stats, "exports_failed"),
        )

    def _errors(self, error_counts: object) -> tuple[tuple[str, str, int], ...]:
        """(plugin, type, count) in the aggregator's order, folded into ``(other)`` beyond the bounds
        (the input is checked as it goes: it is a copy of the aggregator's, but cheap to distrust)."""
        totals: dict[tuple[str, str], int] = {}
        if not isinstance(error_counts, Mapping):
            return ()
        for plugin_id, types in list(error_counts.items()):
            if not isinstance(types, Mapping):
                continue
            plugin = self._plugins.label(plugin_id)
            kept = self._types.get(plugin) or self._types.setdefault(plugin, _Bounded(self._max_types))
            for error_type, count in list(types.items()):
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    continue
                key = (plugin, kept.label(error_type))
                if self._series.label(f"{key[0]}\0{key[1]}") == OTHER:
                    key = (plugin, OTHER)
                totals[key] = totals.get(key, 0) + count
        return tuple((plugin, error_type, count) for (plugin, error_type), count in totals.items())


class _Bounded:
    """Label values in first-seen order, at most ``limit`` of them; the rest are ``(other)``."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._seen: dict[str, None] = {}

    def label(self, value: object) -> str:
        text = value if isinstance(value, str) else ""
        if text in self._seen:
            return text
        if len(self._seen) >= self._limit:
            return OTHER
        self._seen[text] = None
        return text


def _alerts(alerts: Iterable[Alert], health: Iterable[PluginHealth],
            plugins: _Bounded) -> tuple[tuple[str, Severity, int], ...]:
    """Active alerts per plugin and severity, with zeros for the plugins shown without any."""
    counts: dict[tuple[str, Severity], int] = {}
    names = [plugins.label(h.plugin_id) for h in health]
    for alert in alerts:
        plugin = plugins.label(alert.plugin_id or "")
        names.append(plugin)
        counts[(plugin, alert.severity)] = counts.get((plugin, alert.severity), 0) + 1
    return tuple((plugin, severity, counts.get((plugin, severity), 0))
                 for plugin in dict.fromkeys(names) for severity in Severity)


def _health(health: Iterable[PluginHealth], plugins: _Bounded) -> tuple[tuple[str, HealthState], ...]:
    """One state per plugin; when several fold into ``(other)``, the worst of them."""
    states: dict[str, HealthState] = {}
    for entry in health:
        plugin = plugins.label(entry.plugin_id)
        current = states.get(plugin)
        if current is None or entry.state.rank > current.rank:
            states[plugin] = entry.state
    return tuple(states.items())


def _count(stats: Mapping[str, int], name: str) -> int:
    """A non-negative integer from ``stats`` (0 when missing or odd)."""
    value = stats.get(name, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
