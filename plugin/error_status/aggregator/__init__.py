"""Error aggregation service: a drop-in for LEDMatrix's ``src/error_aggregator.py``, made right.

This module is the facade: the seed's names (``ErrorAggregator``, ``ErrorRecord``, ``ErrorPattern``,
``get_error_aggregator``, ``record_error``) with the same signatures and dict shapes, so it can be
installed where ``src.error_aggregator`` was. Differences that matter: a pattern per fingerprint
with a lifecycle (detected, escalated, de-escalated, resolved, recurred) delivered to subscribers
outside the lock; O(1) work per record; every collection bounded; windows on a monotonic clock;
stack traces from the exception itself; secrets redacted; atomic, rate-limited export;
``record_error`` never raises.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from .core import ErrorAggregator, unknown_record
from .counts import OTHER
from .delivery import Subscription
from .events import EventKind, PatternEvent
from .limits import Limits
from .records import ErrorPattern, ErrorRecord

__all__ = [
    "OTHER",
    "ErrorAggregator",
    "ErrorPattern",
    "ErrorRecord",
    "EventKind",
    "Limits",
    "PatternEvent",
    "Subscription",
    "get_error_aggregator",
    "record_error",
]

# ---------------------------------------------------------------------- process-wide instance

_error_aggregator: ErrorAggregator | None = None
_aggregator_lock = threading.Lock()


def get_error_aggregator(
    max_records: int = 1000,
    pattern_threshold: int = 5,
    pattern_window_minutes: float = 60,
    export_path: Path | None = None,
) -> ErrorAggregator:
    """The process-wide aggregator, created on the first call (later arguments are ignored)."""
    global _error_aggregator
    with _aggregator_lock:
        if _error_aggregator is None:
            _error_aggregator = ErrorAggregator(
                max_records=max_records,
                pattern_threshold=pattern_threshold,
                pattern_window_minutes=pattern_window_minutes,
                export_path=export_path,
            )
        return _error_aggregator


def record_error(
    error: BaseException | object,
    context: dict[str, Any] | None = None,
    plugin_id: str | None = None,
    operation: str | None = None,
) -> ErrorRecord:
    """Record an error to the process-wide aggregator. Never raises."""
    try:
        aggregator = get_error_aggregator()
    except Exception:
        return unknown_record()
    return aggregator.record_error(error=error, context=context, plugin_id=plugin_id,
                                   operation=operation)
