"""JSON-safe, bounded, redacted copies of caller-supplied context."""

from __future__ import annotations

import bisect
import itertools
import math
import operator
from collections.abc import Iterable
from typing import Any

from ..bounded import BoundedCache
from .budget import bounded_head
from .hints import hint_starts, is_plain
from .redact import REDACTED, is_secret_name, redact_bounded
from .traces import safe_str

JsonValue = Any

_MAX_DEPTH = 4
_MAX_INT = 2**63
UNREADABLE = "<unreadable>"
_FLAT_TYPES = frozenset({str, type(None), bool, int, float})
_MAX_KEY = 64  # longer keys are not remembered as plain

# Redacted texts of context values: a plugin passes the same few values (urls, ids, settings) again
# and again, and redacting one costs far more than a lookup.
_TEXTS: BoundedCache[tuple[str, int], str] = BoundedCache(2048)
# Context keys known to need no redaction (at most _MAX_KEY long): a plugin passes the same keys every time.
_PLAIN_KEYS: BoundedCache[str, bool] = BoundedCache(1024)


def json_safe_context(context: object, max_items: int, max_text: int) -> dict[str, JsonValue]:
    """A new dict, safe to store, export and show, from whatever the caller passed as context.

    The caller's object is never mutated. Keys become strings; values become JSON types; cycles,
    depth, item counts and string lengths are bounded; secrets are redacted (keys too).
    """
    if context is None:
        return {}
    try:
        if type(context) is dict:
            flat = _flat_copy(context, max_items, max_text)
            if flat is not None:
                return flat
        if isinstance(context, dict):
            return _mapping(context, 0, max_items, max_text, set())
    except Exception:
        return {"context": UNREADABLE}
    return {"context": _value(context, 1, max_items, max_text, set())}


def _flat_copy(context: dict[Any, Any], max_items: int, max_text: int) -> dict[str, JsonValue] | None:
    """A copy of a flat context of short strings and numbers (the common case), or None when it needs
    the full treatment. One check over the text of all its values finds the few that need redacting;
    the others are copied as they are. Its keys are known plain, or checked the first time."""
    if len(context) > max_items:
        return None
    if max_text < _MAX_KEY or not context.keys() <= _PLAIN_KEYS.keys():
        return _first_flat_copy(context, max_text)  # (a known key is short enough for any such max_text)
    keys: list[str] = []
    texts: list[str] = []
    numbers: list[int | float] = []
    for key, value in context.items():  # (one loop: half the cost of a C-level pass for each question)
        kind = type(value)
        if kind is str:
            keys.append(key)
            texts.append(value)
        elif kind is int or kind is float:
            numbers.append(value)
        elif kind is not bool and value is not None:
            return None
    if (numbers and not _small_and_finite(numbers)) or (texts and max(map(len, texts)) > max_text):
        return None
    suspects = _suspects(texts)
    if suspects is None:
        return None
    copy = dict(context)
    for index in suspects:
        copy[keys[index]] = _text(texts[index], max_text)
    return copy


def _small_and_finite(numbers: Iterable[int | float]) -> bool:
    """True when ``numbers`` are finite and within 64 bits (checked at C speed)."""
    try:
        return math.fsum(map(abs, numbers)) < _MAX_INT  # (NaN is not <)
    except OverflowError:  # an int too large for a float
        return False


def _first_flat_copy(context: dict[Any, Any], max_text: int) -> dict[str, JsonValue] | None:
    """``_flat_copy`` for a context with keys not seen before: they are checked too, and remembered
    when plain."""
    texts: list[str] = []
    owners: list[tuple[str, bool]] = []  # (key, whether the text is the key itself)
    for key, value in context.items():
        if type(key) is not str or len(key) > max_text:
            return None
        if _PLAIN_KEYS.get(key) is None:
            texts.append(key)
            owners.append((key, True))
        kind = type(value)
        if kind is str:
            if len(value) > max_text:
                return None
            texts.append(value)
            owners.append((key, False))
        elif kind not in _FLAT_TYPES or (kind is int and not -_MAX_INT < value < _MAX_INT) or (
                kind is float and not math.isfinite(value)):
            return None
    suspects = _suspects(texts)
    if suspects is None:
        return None
    for index, (key, is_key) in enumerate(owners):
        if is_key and index not in suspects and len(key) <= _MAX_KEY:
            _PLAIN_KEYS.put(key, True)
    if not suspects:
        return dict(context)
    keys = {owners[index][0] for index in suspects if owners[index][1]}
    values = {owners[index][0] for index in suspects if not owners[index][1]}
    copy: dict[str, JsonValue] = {}
    for key, value in context.items():
        if key in keys:
            key = _text(key, max_text)
            if is_secret_name(key):
                copy[key] = REDACTED
                continue
        copy[key] = _text(value, max_text) if key in values else value
    return copy


def _suspects(texts: list[str]) -> set[int] | None:
    """Which of ``texts`` redaction could change (None: cannot be told cheaply)."""
    found = hint_starts(" ".join(texts))  # (no hint holds a blank: none spans two texts)
    if not found:
        return None if found is None else set()
    starts = list(map(operator.add, itertools.accumulate(map(len, texts), initial=0), range(len(texts))))
    return {bisect.bisect_right(starts, at) - 1 for at in found}


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
        return value if not isinstance(value, int) or abs(value) < _MAX_INT else _text(value, max_text)
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
        raw = list(itertools.islice(value, max_items))
        active.add(id(value))
        items = [_value(item, depth + 1, max_items, max_text, active) for item in raw]
        active.discard(id(value))
        return _joined(raw, items, max_text)
    return _text(value, max_text)


def _joined(raw: list[object], items: list[JsonValue], max_text: int) -> JsonValue:
    """``items``, or the text of the sequence redacted as a whole when that hides more: a secret
    can be split across items (``("--password", "x")``, ``[b"token", b"x"]``) where no item shows it."""
    budget = 4 * max_text + 64
    parts = [bounded_head(item, budget) if type(item) is str else item[:budget]
             for item in raw if type(item) is str or type(item) is bytes]
    if len(parts) < 2:
        return items
    whole = repr(tuple(parts))
    if is_plain(whole):
        return items
    redacted = redact_bounded(whole, max_text)
    hidden = sum(item.count(REDACTED) for item in items if isinstance(item, str))
    return redacted if redacted.count(REDACTED) > hidden else items


def _text(value: object, max_text: int) -> str:
    """Bounded, redacted text of any value (redacted first, then cut)."""
    text = str.__str__(value) if issubclass(type(value), str) else safe_str(value)
    if len(text) > 4 * max_text + 64:
        return redact_bounded(text, max_text)
    key = (text, max_text)
    hit = _TEXTS.get(key)
    return hit if hit is not None else _TEXTS.put(key, redact_bounded(text, max_text))


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
