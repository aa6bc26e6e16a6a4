"""Guarded reads of the LEDMatrix host's objects: every attribute may be missing (the harness's
mocks have few) or raise, and every value may be of the wrong type. Nothing here raises."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..hygiene.budget import bounded_head
from ..hygiene.redact import redact_bounded

MAX_REASON = 80


def count(value: object) -> int:
    """A non-negative int from the host, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def attribute(obj: object, name: str) -> Any:
    """``getattr(obj, name, None)``, None when the attribute raises too."""
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


def method(obj: object, holder: str, name: str) -> Callable[[str], Any] | None:
    """``obj.<holder>.<name>`` if it is callable, else None."""
    found = attribute(attribute(obj, holder), name)
    return found if callable(found) else None


def call(method: Callable[[str], Any], pid: str) -> Any:
    """``method(pid)``, None when it raises."""
    try:
        return method(pid)
    except Exception:
        return None


def ids(container: object) -> list[str] | None:
    """Valid plugin ids among a container's keys (None when there is no such container)."""
    if container is None:
        return None
    try:
        return [pid for pid in list(container) if valid_id(pid)]  # type: ignore[call-overload]
    except Exception:
        return None


def valid_id(pid: object) -> bool:
    """A plausible plugin id: a short printable string."""
    return isinstance(pid, str) and 0 < len(pid) <= 64 and pid.isprintable()


def label(value: object) -> str:
    """An enum's value or a string, lower-cased ("" for anything else, or when reading it raises)."""
    value = attribute(value, "value") if not isinstance(value, str) else value
    return str.__str__(value).lower() if isinstance(value, str) else ""


def error_text(error_info: object) -> str:
    """The error text of a state manager's ``error_info``."""
    if not isinstance(error_info, Mapping):
        return ""
    return clean_reason(error_info.get("error")) or clean_reason(error_info.get("error_type"))


def clean_reason(value: object) -> str:
    """One printable, redacted line of at most ``MAX_REASON`` characters ("" for non-strings);
    redacted before it is cut (a reason can hold a URL with its API key: it is shown and saved)."""
    if not isinstance(value, str):
        return ""
    text = " ".join(bounded_head(str.__str__(value), 4 * MAX_REASON).split())
    return redact_bounded("".join(ch for ch in text if ch.isprintable()), MAX_REASON, ellipsis="")
