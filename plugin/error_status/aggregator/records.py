"""The seed's record and pattern types, with the same fields, constructors and ``to_dict()`` shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..hygiene.traces import CapturedStack
from ..model import Severity


class ErrorRecord:
    """One recorded error occurrence (the seed's dataclass fields, in the seed's order).

    A record's time is one instant read on two clocks: the wall clock for people and a monotonic
    clock for windows and ages. Assigning ``timestamp`` moves the instant, so both move together.
    """

    __slots__ = ("_context", "_mono", "_stack", "_wall", "error_type", "message", "operation",
                 "pattern_key", "plugin_id")

    def __init__(self, error_type: str, message: str, timestamp: datetime,
                 context: dict[str, Any] | None = None, plugin_id: str | None = None,
                 operation: str | None = None, stack_trace: str | CapturedStack | None = None,
                 *, monotonic: float | None = None, pattern_key: str | None = None) -> None:
        self.error_type = error_type
        self.message = message
        self._wall = timestamp.timestamp()
        self._mono = monotonic if monotonic is not None else self._wall
        self._context = context if context else None
        self.plugin_id = plugin_id
        self.operation = operation
        self._stack = stack_trace
        self.pattern_key = pattern_key

    @classmethod
    def _make(cls, error_type: str, message: str, wall: float, mono: float,
              context: dict[str, Any] | None, plugin_id: str | None, operation: str | None,
              stack: CapturedStack | str | None, pattern_key: str | None) -> ErrorRecord:
        """Fast constructor for the aggregator's hot path (no datetime round trip)."""
        record = cls.__new__(cls)
        record.error_type = error_type
        record.message = message
        record._wall = wall
        record._mono = mono
        record._context = context or None
        record.plugin_id = plugin_id
        record.operation = operation
        record._stack = stack
        record.pattern_key = pattern_key
        return record

    @property
    def timestamp(self) -> datetime:
        """When it happened, local wall-clock time (as the seed's ``datetime.now()``)."""
        return datetime.fromtimestamp(self._wall)

    @timestamp.setter
    def timestamp(self, value: datetime) -> None:
        delta = value.timestamp() - self._wall
        self._wall += delta
        self._mono += delta

    @property
    def monotonic(self) -> float:
        """When it happened on the aggregator's monotonic clock."""
        return self._mono

    @property
    def context(self) -> dict[str, Any]:
        """Context given by the caller (a JSON-safe copy) and by ``error.context``."""
        if self._context is None:
            self._context = {}
        return self._context

    @context.setter
    def context(self, value: dict[str, Any]) -> None:
        self._context = value

    @property
    def stack_trace(self) -> str | None:
        """The formatted stack trace, built from the captured frames when read."""
        stack = self._stack
        if isinstance(stack, CapturedStack):
            return stack.format(self.error_type, self.message)
        return stack

    @stack_trace.setter
    def stack_trace(self, value: str | None) -> None:
        self._stack = value

    def to_dict(self) -> dict[str, Any]:
        """Convert to dictionary for JSON serialization (the seed's keys)."""
        return {
            "error_type": self.error_type,
            "message": self.message,
            "timestamp": self.timestamp.isoformat(),
            "context": dict(self._context) if self._context else {},
            "plugin_id": self.plugin_id,
            "operation": self.operation,
            "stack_trace": self.stack_trace,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ErrorRecord):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"ErrorRecord(error_type={self.error_type!r}, message={self.message!r}, "
                f"timestamp={self.timestamp!r}, plugin_id={self.plugin_id!r}, "
                f"operation={self.operation!r})")


@dataclass
class ErrorPattern:
    """A recurring error (the seed's fields first; the rest describe our fingerprinted pattern).

    Instances handed out by the aggregator are copies: later occurrences never change them.
    """

    error_type: str
    count: int
    first_seen: datetime
    last_seen: datetime
    affected_plugins: list[str] = field(default_factory=list)
    sample_messages: list[str] = field(default_factory=list)
    severity: str = "warning"
    key: str = ""
    plugin_id: str | None = None
    operation: str | None = None
    fingerprint: str = ""
    state: str = "active"
    total_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Convert to dictionary for JSON serialization (the seed's keys, then ours)."""
        return {
            "error_type": self.error_type,
            "count": self.count,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "affected_plugins": list(dict.fromkeys(self.affected_plugins)),
            "sample_messages": self.sample_messages[:3],
            "severity": self.severity,
            "key": self.key,
            "plugin_id": self.plugin_id,
            "operation": self.operation,
            "fingerprint": self.fingerprint,
            "state": self.state,
            "total_count": self.total_count,
        }


def merge_by_type(patterns: list[ErrorPattern]) -> dict[str, ErrorPattern]:
    """Merge patterns per error type: the seed's one-pattern-per-type view."""
    merged: dict[str, ErrorPattern] = {}
    for p in patterns:
        m = merged.get(p.error_type)
        if m is None:
            merged[p.error_type] = ErrorPattern(
                p.error_type, p.count, p.first_seen, p.last_seen, list(p.affected_plugins),
                list(p.sample_messages), p.severity, key=p.error_type, state="active",
                total_count=p.total_count)
            continue
        m.count += p.count
        m.total_count += p.total_count
        m.first_seen = min(m.first_seen, p.first_seen)
        m.last_seen = max(m.last_seen, p.last_seen)
        m.affected_plugins.extend(x for x in p.affected_plugins if x not in m.affected_plugins)
        m.sample_messages.extend(x for x in p.sample_messages if x not in m.sample_messages)
        if Severity.parse(p.severity) > Severity.parse(m.severity):
            m.severity = p.severity
    return merged
