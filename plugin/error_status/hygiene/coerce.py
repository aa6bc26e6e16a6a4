"""What callers hand the aggregator, made safe to keep: error descriptions, identifiers,
and fingerprints. Nothing here raises on odd input."""

from __future__ import annotations

from .redact import redact_text, visible_text
from .traces import safe_str


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
    if type(name) is str and 0 < len(name) <= 100 and name.isprintable():
        return name  # the common case, first: this runs for every record
    return (identifier(str.__str__(name), 100) if isinstance(name, str) else None) or "Unknown"


def identifier(value: object, max_length: int) -> str | None:
    """A plugin id, operation or fingerprint as a bounded, printable plain string (None stays None)."""
    if type(value) is str and 0 < len(value) <= max_length and value.isprintable():
        return value  # the common case, first: this runs for every record
    if value is None:
        return None
    text = str.__str__(value) if issubclass(type(value), str) else safe_str(value)
    if len(text) > max_length or not text.isprintable():  # escape sequences go whole, then the rest
        text = "".join(ch for ch in visible_text(text[: 4 * max_length]) if ch.isprintable())[:max_length]
    return text or None


def fingerprint_text(value: object) -> str | None:
    """A caller's fingerprint as a bounded, printable, redacted string (it is exported and shown)."""
    if value is None:
        return None
    text = str.__str__(value) if issubclass(type(value), str) else safe_str(value)
    return identifier(redact_text(text[:800]), 200)
