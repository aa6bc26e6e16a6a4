"""What callers hand the aggregator, made safe to keep: error descriptions, identifiers,
fingerprints and subscription kinds. Nothing here raises on odd input, except where a caller
asked for something that cannot work (a subscription to unknown kinds)."""

from __future__ import annotations

from .events import EventKind
from .redact import redact_text, visible_text
from .stack import safe_str


def describe(error: object) -> tuple[str, str, BaseException | None]:
    """``(error_type, message, exception)`` for anything passed as an error; never raises.

    Types are read with ``type()``: ``isinstance`` may ask a foreign object for its ``__class__``.
    """
    cls = type(error)
    try:
        if issubclass(cls, BaseException):
            return type_name(cls), safe_str(error), error  # type: ignore[return-value]
        if issubclass(cls, type) and issubclass(error, BaseException):  # type: ignore[arg-type]
            return type_name(error), "", None  # type: ignore[arg-type]
    except Exception:
        return "Unknown", "", None
    return type_name(cls), safe_str(error), None


def type_name(cls: type) -> str:
    """A class's name as a plain string."""
    try:
        name = getattr(cls, "__name__", None)
    except Exception:  # a metaclass property that raises
        return "Unknown"
    return (identifier(str.__str__(name), 100) if isinstance(name, str) else None) or "Unknown"


def identifier(value: object, max_length: int) -> str | None:
    """A plugin id, operation or fingerprint as a bounded, printable plain string (None stays None)."""
    if value is None:
        return None
    text = str.__str__(value) if issubclass(type(value), str) else safe_str(value)
    if len(text) > max_length or not text.isprintable():  # escape sequences go whole, then the rest
        text = "".join(ch for ch in visible_text(text[: 4 * max_length]) if ch.isprintable())[:max_length]
    return text or None


def callback_name(callback: object) -> str:
    """A readable name for a subscriber's thread."""
    try:
        name = getattr(callback, "__qualname__", None)
    except Exception:
        name = None
    return (identifier(name, 64) if isinstance(name, str) else None) or type_name(type(callback))


def fingerprint_text(value: object) -> str | None:
    """A caller's fingerprint as a bounded, printable, redacted string (it is exported and shown)."""
    if value is None:
        return None
    text = str.__str__(value) if issubclass(type(value), str) else safe_str(value)
    return identifier(redact_text(text[:800]), 200)


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
