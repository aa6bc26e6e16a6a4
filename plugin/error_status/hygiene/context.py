"""JSON-safe, bounded, redacted copies of caller-supplied context."""

from __future__ import annotations

import itertools
import math
from typing import Any

from .redact import REDACTED, is_secret_name, redact_text
from .traces import safe_str

JsonValue = Any

_MAX_DEPTH = 4
UNREADABLE = "<unreadable>"


def json_safe_context(context: object, max_items: int, max_text: int) -> dict[str, JsonValue]:
    """A new dict, safe to store, export and show, from whatever the caller passed as context.

    The caller's object is never mutated. Keys become strings; values become JSON types; cycles,
    depth, item counts and string lengths are bounded; secrets are redacted.
    """
    if context is None:
        return {}
    try:
        if isinstance(context, dict):
            return _mapping(context, 0, max_items, max_text, set())
    except Exception:
        return {"context": UNREADABLE}
    return {"context": _value(context, 1, max_items, max_text, set())}


def _mapping(mapping: dict[Any, Any], depth: int, max_items: int, max_text: int,
             active: set[int]) -> dict[str, JsonValue]:
    """Copy of a dict one level down."""
    active.add(id(mapping))
    result: dict[str, JsonValue] = {}
    try:
        items = list(itertools.islice(mapping.items(), max_items))
    except Exception:
        items = []
    try:
        size = len(mapping)
    except Exception:
        size = len(items)
    for key, value in items:
        name = _text(key, max_text)
        result[name] = REDACTED if is_secret_name(name) else _value(
            value, depth + 1, max_items, max_text, active)
    if size > max_items:
        result["…"] = f"{size - max_items} more items"
    active.discard(id(mapping))
    return result


def _value(value: object, depth: int, max_items: int, max_text: int, active: set[int]) -> JsonValue:
    """A JSON-safe copy of one value; a value that cannot be read (its ``__class__``, ``__iter__``...
    raise) becomes a placeholder instead of failing the whole record."""
    try:
        return _convert(value, depth, max_items, max_text, active)
    except Exception:
        return UNREADABLE


def _convert(value: object, depth: int, max_items: int, max_text: int, active: set[int]) -> JsonValue:
    """A JSON-safe copy of one value (may raise for hostile objects)."""
    if value is None or isinstance(value, bool | int):
        return value if not isinstance(value, int) or abs(value) < 2**63 else _text(value, max_text)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _text(value, max_text)
    if id(value) in active:
        return "<cycle>"
    if depth >= _MAX_DEPTH:
        return _text(value, max_text)
    if isinstance(value, dict):
        return _mapping(value, depth, max_items, max_text, active)
    if isinstance(value, list | tuple | set | frozenset):
        active.add(id(value))
        items = [_value(item, depth + 1, max_items, max_text, active)
                 for item in itertools.islice(value, max_items)]
        active.discard(id(value))
        return items
    return _text(value, max_text)


def _text(value: object, max_text: int) -> str:
    """Bounded, redacted text of any value."""
    text = str.__str__(value) if issubclass(type(value), str) else safe_str(value)
    text = redact_text(text[: 4 * max_text])
    return text if len(text) <= max_text else text[: max_text - 1] + "…"


def merged_context(context: object, exception: BaseException | None, max_items: int,
                   max_text: int) -> dict[str, JsonValue] | None:
    """The caller's context plus ``exception.context`` (LEDMatrix's errors carry one), as a safe copy."""
    try:
        extra = getattr(exception, "context", None) if exception is not None else None
        extra = extra if isinstance(extra, dict) else None
    except Exception:
        extra = None
    if context is None and not extra:
        return None
    merged = json_safe_context(context, max_items, max_text)
    if extra:
        merged.update(json_safe_context(extra, max_items, max_text))
    return merged
