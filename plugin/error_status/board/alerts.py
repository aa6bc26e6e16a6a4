"""Conversions at the board's edges: a pattern to its alert, alerts to and from saved data, and
health reports made safe."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..aggregator.records import ErrorPattern
from ..hygiene.traces import safe_str
from ..model import Alert, HealthReport, HealthState, Severity


def alert_from_pattern(pattern: ErrorPattern) -> Alert:
    """The alert that shows a pattern."""
    return Alert(key=pattern.key, severity=Severity.parse(pattern.severity), plugin_id=pattern.plugin_id,
                 error_type=pattern.error_type,
                 message=pattern.sample_messages[0] if pattern.sample_messages else "",
                 count=pattern.count, first_seen=pattern.first_seen.timestamp(),
                 last_seen=pattern.last_seen.timestamp(), operation=pattern.operation)


def alert_to_dict(alert: Alert) -> dict[str, Any]:
    """An alert as JSON-safe data."""
    return {"key": alert.key, "severity": alert.severity.label, "plugin_id": alert.plugin_id,
            "error_type": alert.error_type, "message": alert.message, "count": alert.count,
            "first_seen": alert.first_seen, "last_seen": alert.last_seen, "operation": alert.operation}


def alert_from_dict(data: Mapping[str, Any]) -> Alert:
    """An alert from ``alert_to_dict`` data; ValueError/TypeError/KeyError when malformed."""
    alert = Alert(key=str(data["key"]), severity=Severity.parse(data["severity"]),
                  plugin_id=None if data.get("plugin_id") is None else str(data["plugin_id"]),
                  error_type=str(data["error_type"]), message=str(data.get("message", "")),
                  count=int(data["count"]), first_seen=float(data["first_seen"]),
                  last_seen=float(data["last_seen"]),
                  operation=None if data.get("operation") is None else str(data["operation"]))
    if not (math.isfinite(alert.first_seen) and math.isfinite(alert.last_seen)):
        raise ValueError("first_seen and last_seen must be finite")
    return replace(alert, count=max(0, alert.count))


def health_report(item: tuple[object, object]) -> tuple[str, HealthReport] | None:
    """One ``plugin id -> HealthReport`` entry made safe (a ``(state, reason)`` pair is a report
    without a condition), or None when it cannot be."""
    plugin_id, value = item
    if not isinstance(plugin_id, str) or not plugin_id:
        return None
    if isinstance(value, HealthReport):
        state: object = value.state
        return (plugin_id, value) if isinstance(state, HealthState) else None
    if not isinstance(value, tuple) or len(value) != 2:
        return None
    state, reason = value
    if not isinstance(state, HealthState):
        try:
            state = HealthState(state)
        except (ValueError, TypeError):
            return None
    return plugin_id, HealthReport(state, reason if isinstance(reason, str) else safe_str(reason))
