"""The fleet features as one object the driver owns: build, ``start``, ``cycle`` each round, ``stop``.

``cycle`` runs on the driver thread and never waits on the network: Alertmanager is polled on the
poller's thread and scraped metrics read the view published here (every ``metrics_refresh`` s).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..clock import SYSTEM_CLOCK, Clock
from ..model import Alert, BoardSnapshot
from .alertmanager import AlertmanagerSource
from .endpoint import MetricsEndpoint
from .metrics import MetricsUnavailable, make_registry, prometheus
from .poller import Poller
from .settings import FleetSettings
from .textfile import TextfileWriter
from .view import ALERTMANAGER, CardinalityLimits, FleetCounters, LatestView, MetricsView, ViewBuilder

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

METRICS_REFRESH = 5.0


class FleetBoard(Protocol):
    """The board as the fleet sees it: a place for external alerts, and its snapshot."""

    def set_external(self, source: str, alerts: tuple[Alert, ...]) -> object: ...

    def snapshot(self) -> BoardSnapshot: ...


class ErrorSummaries(Protocol):
    """The aggregator as the metrics see it (``plugin_error_counts`` and ``stats`` in the summary)."""

    def get_error_summary(self) -> Mapping[str, Any]: ...


class FleetService:
    """Metrics out (endpoint, textfile) and alerts in (Alertmanager), as ``settings`` ask; nothing
    runs until ``start``."""

    def __init__(self, settings: FleetSettings, *, version: str, clock: Clock = SYSTEM_CLOCK,
                 registry: CollectorRegistry | None = None, limits: CardinalityLimits | None = None,
                 metrics_refresh: float = METRICS_REFRESH,
                 alertmanager: AlertmanagerSource | None = None) -> None:
        if not isinstance(settings, FleetSettings):
            raise TypeError(f"settings must be FleetSettings, got {type(settings).__name__}")
        self.settings = settings
        self._version = version
        self._clock = clock
        self._registry_override = registry
        self._builder = ViewBuilder(limits)
        self._view = LatestView()
        self._refresh = metrics_refresh
        self._next_view = -float("inf")
        self.source = alertmanager
        if self.source is None and settings.alertmanager_enabled:
            self.source = AlertmanagerSource(settings.alertmanager_url,
                                             matchers=settings.alertmanager_matchers,
                                             token_file=settings.alertmanager_token_file or None, clock=clock)
        self.poller: Poller | None = None
        self.endpoint: MetricsEndpoint | None = None
        self.textfile: TextfileWriter | None = None
        self.problems: tuple[str, ...] = ()

    def start(self, *, strict: bool = False) -> None:
        """Start what is configured. A feature that cannot start (prometheus_client missing, port in
        use, ...) is logged and listed in ``problems`` and the others run; ``strict`` raises instead."""
        if self.source is not None and self.poller is None:
            self.poller = Poller(self.source.poll, self.settings.alertmanager_poll_seconds)
            self.poller.start()
        if self.settings.metrics_enabled and self.endpoint is None and self.textfile is None:
            registry = self._feature("metrics", self._make_registry, strict)
            if registry is not None and self.settings.metrics_textfile:
                self.textfile = self._feature("the metrics textfile", lambda: TextfileWriter(
                    registry, self.settings.metrics_textfile), strict)
            if registry is not None and self.settings.metrics_port:
                self.endpoint = self._feature("the metrics endpoint", lambda: self._start_endpoint(registry),
                                              strict)

    def _feature(self, name: str, start: Callable[[], _T], strict: bool) -> _T | None:
        """``start()``, or None when it cannot (said once, listed in ``problems``; raised if strict)."""
        try:
            return start()
        except (MetricsUnavailable, OSError, ValueError) as error:
            if strict:
                self.stop()
                raise
            self.problems = (*self.problems, f"{name}: {error}")
            logger.error("error-status: %s is off: %s", name, error)
            return None

    def _make_registry(self) -> Any:
        prometheus("metrics_port and metrics_textfile")
        return make_registry(self._view, self._version, self._registry_override)

    def _start_endpoint(self, registry: Any) -> MetricsEndpoint:
        endpoint = MetricsEndpoint(registry, self.settings.metrics_port, self.settings.metrics_bind)
        endpoint.start()
        return endpoint

    def cycle(self, board: FleetBoard, aggregator: ErrorSummaries | None = None) -> None:
        """One driver round: new Alertmanager alerts onto the board; the metrics view and textfile
        refreshed when due (the aggregator's summary is read only then)."""
        alerts = self.poller.take() if self.poller is not None else None
        if alerts is not None:
            board.set_external(ALERTMANAGER, alerts)
        if self.endpoint is None and self.textfile is None:
            return
        now = self._clock.monotonic()
        if now >= self._next_view:
            self._next_view = now + self._refresh
            summary = aggregator.get_error_summary() if aggregator is not None else {}
            self.publish(summary.get("plugin_error_counts") or {}, board.snapshot(), summary.get("stats"))
        if self.textfile is not None:
            self.textfile.maybe_write(now)

    def publish(self, error_counts: Mapping[str, Mapping[str, int]], snapshot: BoardSnapshot,
                stats: Mapping[str, int] | None = None) -> None:
        """Make these inputs what the next scrape shows (``cycle`` calls it; call it yourself to
        drive the metrics without ``cycle``)."""
        view = self._builder.build(error_counts, snapshot, stats)
        self._view.publish(replace(view, fleet=self._fleet_counters()))

    def _fleet_counters(self) -> FleetCounters:
        counters = self.source.counters if self.source is not None else FleetCounters()
        failures = self.textfile.failures if self.textfile is not None else 0
        internal = self.poller.internal_errors if self.poller is not None else 0
        return replace(counters, textfile_failures=failures, poller_failures=internal)

    def metrics_view(self) -> MetricsView:
        """What a scrape shows now (the service is a ``MetricsSource`` itself)."""
        return self._view.metrics_view()

    def stop(self) -> None:
        """Stop polling and serving (the port is free when this returns); ``start`` may follow."""
        poller, self.poller = self.poller, None
        endpoint, self.endpoint = self.endpoint, None
        self.textfile = None
        if poller is not None:
            poller.stop()
        if endpoint is not None:
            endpoint.stop()
