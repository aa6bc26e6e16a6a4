"""The Prometheus collector: the local panel's counters and gauges, read from a ``MetricsSource``.

``prometheus_client`` is imported when a registry is made, not when this module is: without it
the rest of error-status works, and asking for metrics says what to install.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING

from ..model import HealthState
from .view import MetricsSource, MetricsView

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric
    from prometheus_client.registry import CollectorRegistry

PREFIX = "ledmatrix_"
INSTALL_HINT = "pip install prometheus_client"


class MetricsUnavailable(RuntimeError):
    """prometheus_client is not installed; the message says how to install it."""


def prometheus(feature: str = "metrics") -> ModuleType:
    """The ``prometheus_client`` package, or MetricsUnavailable naming what to install."""
    try:
        return importlib.import_module("prometheus_client")
    except ImportError:
        raise MetricsUnavailable(
            f"{feature} needs the prometheus_client package, which is not installed: "
            f"{INSTALL_HINT} (in the Python environment that runs error-status)") from None


class PanelCollector:
    """Turns the latest ``MetricsView`` into metric families (a custom collector: nothing is stored
    in prometheus_client, so a scrape sees one consistent view)."""

    def __init__(self, source: MetricsSource, version: str) -> None:
        prometheus()
        self._source = source
        self._version = version

    def describe(self) -> Iterable[Metric]:
        """The families without samples, so registering checks names without reading the source."""
        return list(_families(None, self._version))

    def collect(self) -> Iterable[Metric]:
        """The families of the current view."""
        return list(_families(self._source.metrics_view(), self._version))


def make_registry(source: MetricsSource, version: str,
                  registry: CollectorRegistry | None = None) -> CollectorRegistry:
    """``registry`` (default: a new one, never the process-wide REGISTRY) with our collector in it."""
    client = prometheus()
    if registry is None:
        registry = client.CollectorRegistry(auto_describe=True)
    registry.register(PanelCollector(source, version))
    return registry


def _families(view: MetricsView | None, version: str) -> Iterator[Metric]:
    """Every family we export; with ``view`` None, empty ones (for ``describe``)."""
    from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily

    info = InfoMetricFamily(f"{PREFIX}error_status", "error-status build information")
    errors = CounterMetricFamily(f"{PREFIX}plugin_errors", "Errors recorded, per plugin and error type",
                                 labels=("plugin", "type"))
    alerts = GaugeMetricFamily(f"{PREFIX}error_alerts",
                               "Active local alerts per plugin and severity (fleet alerts excluded)",
                               labels=("plugin", "severity"))
    health = GaugeMetricFamily(f"{PREFIX}plugin_health",
                               "Plugin health: 1 for the plugin's current state, 0 for the others",
                               labels=("plugin", "state"))
    dropped = CounterMetricFamily(f"{PREFIX}error_events_dropped",
                                  "Lifecycle events dropped because a subscriber fell behind")
    internal = CounterMetricFamily(f"{PREFIX}error_internal_errors",
                                   "Failures inside error-status itself, per component",
                                   labels=("component",))
    polls = CounterMetricFamily(f"{PREFIX}alertmanager_polls", "Alertmanager polls, per result",
                                labels=("result",))
    malformed = CounterMetricFamily(f"{PREFIX}alertmanager_malformed_alerts",
                                    "Alerts from Alertmanager left out because they were malformed")
    if view is not None:
        info.add_metric((), {"version": version})
        for plugin, error_type, count in view.errors:
            errors.add_metric((plugin, error_type), count)
        for plugin, severity, active in view.alerts:
            alerts.add_metric((plugin, severity.label), active)
        for plugin, state in view.health:
            for candidate in HealthState:
                health.add_metric((plugin, candidate.value), 1.0 if candidate is state else 0.0)
        dropped.add_metric((), view.events_dropped)
        components = (("aggregator", view.internal_errors), ("subscriber", view.subscriber_failures),
                      ("export", view.export_failures), ("textfile", view.fleet.textfile_failures),
                      ("alertmanager_poller", view.fleet.poller_failures))
        for component, count in components:
            internal.add_metric((component,), count)
        polls.add_metric(("ok",), view.fleet.polls_ok)
        polls.add_metric(("failed",), view.fleet.polls_failed)
        malformed.add_metric((), view.fleet.malformed_alerts)
    yield from (info, errors, alerts, health, dropped, internal, polls, malformed)
