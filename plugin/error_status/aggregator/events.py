"""Pattern lifecycle events: what happened to a pattern, as immutable values."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..hygiene.traces import safe_str
from ..model import Severity
from .records import ErrorPattern


class EventKind(enum.Enum):
    """What happened to a pattern."""

    DETECTED = "detected"
    ESCALATED = "escalated"
    DEESCALATED = "de-escalated"
    RESOLVED = "resolved"
    RECURRED = "recurred"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class PatternEvent:
    """One lifecycle step of one pattern; ``pattern`` is a copy taken when it happened."""

    kind: EventKind
    pattern: ErrorPattern
    severity: Severity
    previous_severity: Severity | None
    sequence: int
    monotonic: float

    @property
    def key(self) -> str:
        """The pattern's key."""
        return self.pattern.key



def event_kinds(kinds: object) -> frozenset[EventKind] | None:
    """The event kinds a subscriber asked for (None: all); TypeError naming ``kinds`` otherwise."""
    if kinds is None:
        return None
    if isinstance(kinds, EventKind):
        return frozenset((kinds,))
    try:
        chosen: frozenset[object] = frozenset(kinds)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"kinds must be EventKind values, got {type(kinds).__name__}") from None
    wanted = frozenset(kind for kind in chosen if isinstance(kind, EventKind))
    if len(wanted) != len(chosen):
        raise TypeError(f"kinds must be EventKind values, got {sorted(map(safe_str, chosen))[:5]}")
    return wanted
