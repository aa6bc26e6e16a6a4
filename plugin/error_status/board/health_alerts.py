"""Plugin health as an alert source: a plugin the host reports as not healthy (circuit open, not
updating, failed to load...) is an alert in its own right, whatever the pattern threshold says,
with the lifecycle of a pattern: it escalates while the condition lasts or comes back, and it
resolves once the plugin has been healthy for the quiet period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model import Alert, HealthReport, Severity

HEALTH_KEY_PREFIX = "health/"

# The least severity of each condition; the escalation rules below may raise it.
CONDITION_SEVERITY: dict[str, Severity] = {
    "CircuitOpen": Severity.ERROR,
    "CircuitHalfOpen": Severity.WARNING,
    "StateError": Severity.ERROR,
    "LoadFailed": Severity.ERROR,
    "InitFailed": Severity.ERROR,
    "DisabledAfterFailures": Severity.ERROR,
    "NotUpdating": Severity.WARNING,
    "Degraded": Severity.WARNING,
}
# Conditions that escalate one level when they last ``escalate_after`` seconds without a break.
_LASTING = frozenset({"CircuitOpen", "StateError", "DisabledAfterFailures", "NotUpdating"})


@dataclass(slots=True)
class _Episode:
    """One plugin's unhealthy spell, from the first bad report to resolution."""

    condition: str
    reason: str
    severity: Severity
    first_mono: float
    first_wall: float
    since: float  # when the current condition began
    last_bad_wall: float
    failures: int
    openings: int
    began: float | None = None  # the source's own time for the condition's start
    healthy_since: float | None = None


class HealthAlerts:
    """Turns health reports over time into alerts (``origin="health"``, key ``health/<plugin>``).

    Args:
        quiet: seconds a plugin must stay healthy before its alert resolves
        escalate_after: seconds a lasting condition (circuit open, not updating, error state)
            takes to escalate one level; a circuit that opens again within one spell is critical
    """

    def __init__(self, quiet: float, escalate_after: float = 600.0) -> None:
        self._quiet = quiet
        self._escalate_after = escalate_after
        self._episodes: dict[str, _Episode] = {}

    def update(self, reports: Mapping[str, HealthReport], mono: float, wall: float) -> list[str]:
        """Take the current reports (a plugin missing from them counts as healthy); returns the keys
        of the alerts that resolved."""
        for plugin, report in reports.items():
            condition = report.condition if report.condition in CONDITION_SEVERITY else None
            if condition is None:
                self._healthy(plugin, mono)
            else:
                self._unhealthy(plugin, condition, report, mono, wall)
        for plugin in self._episodes.keys() - reports.keys():
            self._healthy(plugin, mono)
        return self._age(mono)

    def tick(self, mono: float) -> list[str]:
        """Let time pass (escalation, resolution); returns the keys of the alerts that resolved."""
        return self._age(mono)

    def alerts(self) -> tuple[Alert, ...]:
        """The current health alerts, in plugin order."""
        return tuple(_alert(plugin, episode) for plugin, episode in sorted(self._episodes.items()))

    def _unhealthy(self, plugin: str, condition: str, report: HealthReport, mono: float, wall: float) -> None:
        episode = self._episodes.get(plugin)
        if episode is None:
            self._episodes[plugin] = _Episode(condition, report.reason, CONDITION_SEVERITY[condition], mono,
                                              wall, mono, wall, report.failures,
                                              int(condition == "CircuitOpen"), report.since)
            return
        if condition != episode.condition:
            if condition == "CircuitOpen":
                episode.openings += 1
            episode.condition, episode.since, episode.began = condition, mono, report.since
        elif report.since is not None and episode.began is not None and report.since > episode.began:
            episode.began = report.since  # the same condition began again: the circuit re-opened
            if condition == "CircuitOpen":
                episode.openings += 1
        episode.reason = report.reason or episode.reason
        episode.healthy_since = None
        episode.last_bad_wall = wall
        episode.failures = max(episode.failures, report.failures)
        severity = max(episode.severity, CONDITION_SEVERITY[condition])
        if episode.openings >= 2:
            severity = Severity.CRITICAL
        episode.severity = severity

    def _healthy(self, plugin: str, mono: float) -> None:
        episode = self._episodes.get(plugin)
        if episode is not None and episode.healthy_since is None:
            episode.healthy_since = mono

    def _age(self, mono: float) -> list[str]:
        resolved = []
        for plugin, episode in list(self._episodes.items()):
            if episode.healthy_since is not None:
                if mono - episode.healthy_since >= self._quiet:
                    del self._episodes[plugin]
                    resolved.append(HEALTH_KEY_PREFIX + plugin)
                continue
            if episode.condition in _LASTING and mono - episode.since >= self._escalate_after \
                    and episode.severity < Severity.CRITICAL:
                episode.severity = Severity(episode.severity + 1)
                episode.since = mono  # the next level needs as long again
        return resolved


def _alert(plugin: str, episode: _Episode) -> Alert:
    return Alert(key=HEALTH_KEY_PREFIX + plugin, severity=episode.severity, plugin_id=plugin,
                 error_type=episode.condition, message=episode.reason, count=max(1, episode.failures),
                 first_seen=episode.first_wall, last_seen=episode.last_bad_wall, origin="health")
