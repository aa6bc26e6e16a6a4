"""One pattern's state and its lifecycle rules: detection, severity with hysteresis, resolution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..model import Severity
from .records import ErrorPattern
from .window import WindowCounter


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Window counts at which a pattern is detected and changes severity.

    The seed's levels: warning at ``threshold``, error above ``2 * threshold``, critical above
    ``3 * threshold``. A level is left only when the count falls below ``(1 - hysteresis)`` of
    the count that entered it, so a pattern on a boundary does not flap.
    """

    threshold: int
    hysteresis: float

    def enter(self, level: Severity) -> int:
        """The window count that enters ``level``."""
        return self.threshold if level is Severity.WARNING else self.threshold * int(level) + 1

    def severity(self, count: int, current: Severity | None) -> Severity:
        """The severity for ``count``, given the severity the pattern has now."""
        target = Severity.WARNING
        for level in (Severity.ERROR, Severity.CRITICAL):
            if count >= self.enter(level):
                target = level
        if current is None or target >= current:
            return target
        level = current
        while level > target and count < self.enter(level) * (1.0 - self.hysteresis):
            level = Severity(level - 1)
        return level

    def band(self, severity: Severity) -> tuple[float, float]:
        """The window counts within which ``severity`` stays as it is."""
        high = float(self.enter(Severity(severity + 1))) if severity < Severity.CRITICAL else float("inf")
        low = self.enter(severity) * (1.0 - self.hysteresis) if severity > Severity.WARNING else -1.0
        return low, high


class PatternState:
    """Mutable state of one fingerprinted pattern; guarded by the aggregator's lock."""

    __slots__ = (
        "error_type",
        "fingerprint",
        "first_mono",
        "first_wall",
        "high",
        "interval",
        "key",
        "last_mono",
        "last_update",
        "last_wall",
        "low",
        "operation",
        "plugin_id",
        "plugins",
        "resolutions",
        "samples",
        "severity",
        "total",
        "window",
    )

    def __init__(self, key: str, plugin_id: str | None, error_type: str, operation: str | None,
                 fingerprint: str, window: float) -> None:
        self.key = key
        self.plugin_id = plugin_id
        self.error_type = error_type
        self.operation = operation
        self.fingerprint = fingerprint
        self.window = WindowCounter(window)
        self.severity: Severity | None = None
        self.low = self.high = 0.0
        self.first_mono = self.last_mono = self.last_update = 0.0
        self.first_wall = self.last_wall = 0.0
        self.interval: float | None = None
        self.total = 0
        self.resolutions = 0
        self.samples: list[str] = []
        self.plugins: list[str] = [plugin_id] if plugin_id else []

    @property
    def active(self) -> bool:
        """True between detection and resolution."""
        return self.severity is not None

    def observe(self, mono: float, wall: float, message: str, plugin_id: str | None,
                max_samples: int, max_plugins: int) -> int:
        """Count one occurrence; returns the window count."""
        if self.severity is None and self.total and not self.window.count(mono):
            self.resolve_quietly()
        if not self.total:
            self.first_mono, self.first_wall = mono, wall
        elif mono > self.last_mono:
            gap = mono - self.last_mono
            self.interval = gap if self.interval is None else 0.7 * self.interval + 0.3 * gap
        self.total += 1
        self.last_mono, self.last_wall = mono, wall
        if len(self.samples) < max_samples and message not in self.samples:
            self.samples.append(message)
        if plugin_id and plugin_id not in self.plugins and len(self.plugins) < max_plugins:
            self.plugins.append(plugin_id)
        return self.window.add(mono)

    def set_severity(self, severity: Severity, thresholds: Thresholds) -> None:
        """Change severity and the count band that keeps it."""
        self.severity = severity
        self.low, self.high = thresholds.band(severity)

    def quiet_period(self, minimum: float, maximum: float) -> float:
        """How long without an occurrence before the pattern resolves.

        Three typical gaps between occurrences, within [minimum, maximum]: a plugin failing every
        minute resolves after a few quiet minutes, one failing every ten minutes is not declared
        fixed between two failures.
        """
        typical = 3.0 * self.interval if self.interval is not None else 0.0
        return min(maximum, max(minimum, typical))

    def resolve(self) -> None:
        """End the episode: the next one needs a full threshold of new occurrences."""
        self.resolutions += 1
        self.resolve_quietly()

    def resolve_quietly(self) -> None:
        """Forget the current episode (an undetected one that has left the window, or a resolved one)."""
        self.severity = None
        self.window.clear()
        self.total = 0
        self.samples.clear()
        self.interval = None

    def snapshot(self, count: int) -> ErrorPattern:
        """An immutable-by-convention copy for events, summaries and callbacks."""
        severity = self.severity or Severity.WARNING
        return ErrorPattern(
            error_type=self.error_type,
            count=count,
            first_seen=datetime.fromtimestamp(self.first_wall),
            last_seen=datetime.fromtimestamp(self.last_wall),
            affected_plugins=list(self.plugins),
            sample_messages=list(self.samples),
            severity=severity.label,
            key=self.key,
            plugin_id=self.plugin_id,
            operation=self.operation,
            fingerprint=self.fingerprint,
            state="active" if self.active else "resolved",
            total_count=self.total,
        )
