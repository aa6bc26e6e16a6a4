"""One health state per plugin (or fleet instance), from every source: the host's report, the
aggregator's own counts and the active alerts. The worst wins, so a plugin with errors is never a
healthy dot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..model import Alert, HealthReport, HealthState, PluginHealth


def merge_health(known: Iterable[str], reports: Mapping[str, HealthReport], recent: Mapping[str, int],
                 threshold: int, alerts: Iterable[Alert], self_id: str | None) -> tuple[PluginHealth, ...]:
    """Health per plugin in id order.

    ``recent`` is the aggregator's count of errors in its window per plugin: any error makes a
    plugin degraded, ``threshold`` of them failing. ``self_id`` (error-status itself) is left
    out while it is OK: the dots are about the other plugins.
    """
    worst: dict[str, tuple[HealthState, str]] = {pid: (HealthState.HEALTHY, "") for pid in known}

    def consider(pid: str, state: HealthState, reason: str) -> None:
        current = worst.get(pid)
        if current is None or state.rank > current[0].rank:
            worst[pid] = (state, reason)

    for pid, report in reports.items():
        consider(pid, report.state, report.reason)
    for pid, count in recent.items():
        if count > 0:
            state = HealthState.FAILING if count >= threshold else HealthState.DEGRADED
            consider(pid, state, "1 error" if count == 1 else f"{count} errors")
    for alert in alerts:
        if alert.plugin_id is not None:
            consider(alert.plugin_id, HealthState.for_severity(alert.severity),
                     alert.message if alert.origin == "health" else f"{alert.error_type} x{alert.count}")
    return tuple(PluginHealth(pid, state, reason) for pid, (state, reason) in sorted(worst.items())
                 if pid != self_id or not state.ok)
