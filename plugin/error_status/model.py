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

    @property
    def ok(self) -> bool:
        """Nothing wrong: healthy, disabled by its owner, or not loaded (nothing known)."""
        return self.rank <= _HEALTH_RANK[HealthState.UNKNOWN]

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
    """One active problem as the panel shows it.

    ``origin`` says where it comes from: ``"pattern"`` (the aggregator's error patterns),
    ``"health"`` (the host's view of a plugin: circuit open, not updating, failed to load...; then
    ``error_type`` names the condition), ``"alertmanager"`` (the fleet; ``error_type`` is the
    alertname) or ``"test"`` (a test alert asked for from the web UI).
    """

    key: str
    severity: Severity
    plugin_id: str | None
    error_type: str
    message: str
    count: int
    first_seen: float
    last_seen: float
    operation: str | None = None
    origin: str = "pattern"

    @property
    def source(self) -> str:
        """What the ticker names: the plugin, or the error type when no plugin is known."""
        return self.plugin_id or self.error_type


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What a source (the host, the aggregator's own counts) says about one plugin now.

    ``condition`` names what is wrong when it is worth an alert of its own (``"CircuitOpen"``,
    ``"CircuitHalfOpen"``, ``"NotUpdating"``, ``"LoadFailed"``, ``"InitFailed"``,
    ``"DisabledAfterFailures"``, ``"StateError"``, ``"Degraded"``); None when the state alone says
    it (a dot, and no ALL OK). ``failures`` is how many failures the source counted (0: unknown).
    ``since`` is when the source says the condition began (epoch seconds, None: unknown): a later
    one for the same condition is a new occurrence (a circuit that opened again).
    """

    state: HealthState
    reason: str = ""
    condition: str | None = None
    failures: int = 0
    since: float | None = None


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
    (by plugin id). ``muted`` counts active alerts that are not shown (below ``min_severity``,
    acknowledged or snoozed); ``snoozed`` is true while the owner snoozed the whole board (only
    critical alerts show). ``alerts_version`` is the board's count of changes to ``alerts``
    (not to ``health``); the renderer keys its cache on the snapshot object itself.
    """

    alerts: tuple[Alert, ...] = ()
    health: tuple[PluginHealth, ...] = ()
    alerts_version: int = 0
    muted: int = 0
    snoozed: bool = False

    @property
    def worst(self) -> Severity | None:
        """The worst severity among the alerts, or None when nothing is wrong."""
        return self.alerts[0].severity if self.alerts else None

    @property
    def all_clear(self) -> bool:
        """True only when every source agrees nothing is wrong: no alert shown or muted, and no
        plugin in a state that is not OK."""
        return not self.alerts and not self.muted and all(h.state.ok for h in self.health)

    @property
    def unhealthy(self) -> tuple[PluginHealth, ...]:
        """Plugins whose state is not OK, worst first."""
        return tuple(sorted((h for h in self.health if not h.state.ok),
                            key=lambda h: (-h.state.rank, h.plugin_id)))
