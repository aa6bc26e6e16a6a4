"""JSON-safe, bounded, redacted copies of caller-supplied context."""

from __future__ import annotations

import math
from typing import Any

from .redact import REDACTED, is_secret_name, redact_text
from .stack import safe_str

JsonValue = Any

_MAX_DEPTH = 4


def json_safe_context(context: object, max_items: int, max_text: int) -> dict[str, JsonValue]:
    """A new dict, safe to store, export and show, from whatever the caller passed as context.

    The caller's object is never mutated. Keys become strings; values become JSON types; cycles,
    depth, item counts and string lengths are bounded; secrets are redacted.
    """
    if context is None:
        return {}
    if not isinstance(context, dict):
        return {"context": _value(context, 1, max_items, max_text, set())}
    return _mapping(context, 0, max_items, max_text, set())


def _mapping(mapping: dict[Any, Any], depth: int, max_items: int, max_text: int,
             active: set[int]) -> dict[str, JsonValue]:
    """Copy of a dict one level down."""
    active.add(id(mapping))
    result: dict[str, JsonValue] = {}
    try:
        items = list(mapping.items())
    except Exception:
        items = []
    for index, (key, value) in enumerate(items):
        if index >= max_items:
            result["…"] = f"{len(items) - max_items} more items"
            break
        name = _text(key, max_text)
        result[name] = REDACTED if is_secret_name(name) else _value(
            value, depth + 1, max_items, max_text, active)
    active.discard(id(mapping))
    return result


def _value(value: object, depth: int, max_items: int, max_text: int, active: set[int]) -> JsonValue:
    """A JSON-safe copy of one value."""
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
                 for item in list(value)[:max_items]]
        active.discard(id(value))
        return items
    return _text(value, max_text)


def _text(value: object, max_text: int) -> str:
    """Bounded, redacted text of any value."""
    text = str.__str__(value) if isinstance(value, str) else safe_str(value)
    text = redact_text(text[: 4 * max_text])
    return text if len(text) <= max_text else text[: max_text - 1] + "…"
