"""Validation of numeric settings, and the named bounds on every collection the aggregator keeps."""

from __future__ import annotations

import math
import reprlib
from dataclasses import dataclass, fields

MAX_INT = 10**9  # beyond any sane bound, and still a size every container accepts


def positive_int(name: str, value: object, *, minimum: int = 1, maximum: int = MAX_INT) -> int:
    """``value`` as an int in [``minimum``, ``maximum``]; TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {_short(value)}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be between {minimum} and {maximum}, got {_short(value)}")
    return int(value)


def positive_number(name: str, value: object, *, allow_zero: bool = False, minimum: float = 0.0,
                    maximum: float = 1e9) -> float:
    """``value`` as a finite float > 0 (or >= 0), within [``minimum``, ``maximum``];
    TypeError/ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {_short(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {_short(value)}")
    if number and not minimum <= number <= maximum:
        raise ValueError(f"{name} must be between {minimum:g} and {maximum:g}, got {_short(value)}")
    return number


def _short(value: object) -> str:
    """A bounded repr for messages (a setting can be a 10 MB string)."""
    return reprlib.repr(value)


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what the aggregator keeps; memory stays flat whatever is recorded."""

    max_patterns: int = 256
    max_samples: int = 3
    max_plugins_per_pattern: int = 16
    max_message_length: int = 500
    max_id_length: int = 64
    max_plugins: int = 256
    max_error_types: int = 256
    max_context_items: int = 32
    max_context_text: int = 200
    max_stack_frames: int = 30
    max_pending_events: int = 1024

    def __post_init__(self) -> None:
        for spec in fields(self):
            positive_int(f"limits.{spec.name}", getattr(self, spec.name))
        if self.max_message_length < 8:
            raise ValueError("limits.max_message_length must be >= 8")
