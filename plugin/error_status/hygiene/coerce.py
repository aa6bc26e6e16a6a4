"""What callers hand the aggregator, made safe to keep: error descriptions, identifiers,
and fingerprints. Nothing here raises on odd input."""

from __future__ import annotations

from ..bounded import BoundedCache
from .budget import bounded_head
from .redact import redact_bounded, visible_text
from .traces import safe_str

# Identifiers already found plain (printable, nothing to redact): plugin ids and operations repeat,
# so the check runs once per distinct id.
_PLAIN_IDS: BoundedCache[str, bool] = BoundedCache(1024)


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
    if type(name) is str and 0 < len(name) <= 100 and _PLAIN_IDS.get(name) is not None:
        return name  # the common case, first: this runs for every record
    return (identifier(str.__str__(name), 100) if isinstance(name, str) else None) or "Unknown"


def identifier(value: object, max_length: int) -> str | None:
    """A plugin id, operation or fingerprint as a bounded, printable, redacted plain string (None
    stays None; so does a value with nothing printable left)."""
    if value is None:
        return None
    if type(value) is str:
        if len(value) <= max_length and _PLAIN_IDS.get(value) is not None:
            return value
        return _cleaned_identifier(value, max_length)
    text = str.__str__(value) if issubclass(type(value), str) else safe_str(value)
    return _cleaned_identifier(text, max_length)


def _cleaned_identifier(text: str, max_length: int) -> str | None:
    """``identifier`` for a text not known to be plain: escape sequences go whole, then what cannot
    be printed, then credentials, and only then is it cut."""
    budget = 4 * max_length + 64
    visible = visible_text(bounded_head(text, budget))
    if not visible.isprintable():
        visible = "".join(ch for ch in visible if ch.isprintable())
    cleaned = redact_bounded(visible, max_length, ellipsis="")
    if cleaned == text and 0 < len(text) <= max_length:
        _PLAIN_IDS.put(text, True)
    return cleaned or None


def fingerprint_text(value: object) -> str | None:
    """A caller's fingerprint as a bounded, printable, redacted string (it is exported and shown)."""
    return identifier(value, 200)
