"""Value types shared by the aggregator, the alert board and the renderer."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """How bad a pattern is; ordered, so ``max()`` gives the worst."""

    WARNING = 1
    ERROR = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        """The seed's string for this severity: ``"warning"``, ``"error"``, ``"critical"``."""
        return self.name.lower()

    @property
    def tag(self) -> str:
        """Four-letter tag drawn before an alert on the panel."""
        return _TAGS[self]

    @classmethod
    def parse(cls, value: object) -> Severity:
        """A Severity from a label (any case), a tag or a Severity; ValueError otherwise."""
        if isinstance(value, Severity):
            return value
        if isinstance(value, str):
            text = value.strip().upper()
            for member in cls:
                if text in (member.name, _TAGS[member]):
                    return member
        raise ValueError(f"unknown severity {value!r}: expected one of warning, error, critical")


_TAGS = {Severity.WARNING: "WARN", Severity.ERROR: "ERR", Severity.CRITICAL: "CRIT"}


class HealthState(enum.Enum):
    """Health of one plugin as shown by its dot."""

    HEALTHY = "healthy"
    UNKNOWN = "unknown"
    DISABLED = "disabled"
    DEGRADED = "degraded"
    FAILING = "failing"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Badness: higher is worse; used to pick the worst plugins when not all fit."""
        return _HEALTH_RANK[self]

    @classmethod
    def for_severity(cls, severity: Severity) -> HealthState:
        """The health state a plugin with an active alert of this severity is in."""
        return _SEVERITY_HEALTH[severity]


_HEALTH_RANK = {
    HealthState.HEALTHY: 0,
    HealthState.DISABLED: 1,
    HealthState.UNKNOWN: 2,
    HealthState.DEGRADED: 3,
    HealthState.FAILING: 4,
    HealthState.CRITICAL: 5,
}
_SEVERITY_HEALTH = {
    Severity.WARNING: HealthState.DEGRADED,
    Severity.ERROR: HealthState.FAILING,
    Severity.CRITICAL: HealthState.CRITICAL,
}


@dataclass(frozen=True, slots=True)
class Alert:
    """One active pattern as the panel shows it."""

    key: str
    severity: Severity
    plugin_id: str | None
    error_type: str
    message: str
    count: int
    first_seen: float
    last_seen: float
    operation: str | None = None
    acknowledged: bool = False
    origin: str = "pattern"

    @property
    def source(self) -> str:
        """What the ticker names: the plugin, or the error type when no plugin is known."""
        return self.plugin_id or self.error_type


@dataclass(frozen=True, slots=True)
class PluginHealth:
    """Health of one plugin and a short reason for it."""

    plugin_id: str
    state: HealthState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class BoardSnapshot:
    """What the panel shows at one moment: immutable, so the renderer can cache by identity.

    ``alerts`` are ordered worst first, then most recent first. ``health`` is in a stable order
    (by plugin id). ``alerts_version`` changes whenever the visible alert set or any alert's text
    changes, and only then: the renderer re-renders its ticker strip on that key.
    """

    alerts: tuple[Alert, ...] = ()
    health: tuple[PluginHealth, ...] = ()
    alerts_version: int = 0
    show_all_clear: bool = True

    @property
    def worst(self) -> Severity | None:
        """The worst severity among the alerts, or None when nothing is wrong."""
        return self.alerts[0].severity if self.alerts else None

    @property
    def all_clear(self) -> bool:
        """True when no alert is active."""
        return not self.alerts
