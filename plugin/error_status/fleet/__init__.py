"""The fleet: Prometheus metrics out (an endpoint, a node_exporter textfile) and Alertmanager alerts in.

Importing this package starts nothing and does not import prometheus_client (only asking for
metrics does); the Alertmanager side needs nothing beyond the standard library.
"""

from .alertmanager import UNREACHABLE_KEY, AlertmanagerSource, PollFailed
from .metrics import MetricsUnavailable, PanelCollector, make_registry
from .service import ErrorSummaries, FleetBoard, FleetService
from .settings import KEYS, FleetConfigError, FleetSettings, parse_fleet_settings
from .view import ALERTMANAGER, FleetCounters, LatestView, MetricsSource, MetricsView, ViewBuilder

__all__ = [
    "ALERTMANAGER",
    "KEYS",
    "UNREACHABLE_KEY",
    "AlertmanagerSource",
    "ErrorSummaries",
    "FleetBoard",
    "FleetConfigError",
    "FleetCounters",
    "FleetService",
    "FleetSettings",
    "LatestView",
    "MetricsSource",
    "MetricsUnavailable",
    "MetricsView",
    "PanelCollector",
    "PollFailed",
    "ViewBuilder",
    "make_registry",
    "parse_fleet_settings",
]
