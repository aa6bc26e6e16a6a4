"""The schema of the board's saved state (what survives a restart): strict validation of what is
read back, and fitting of what is about to be written."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from ..hygiene.traces import safe_str
from ..model import HealthState, Severity

STATE_VERSION = 1
MAX_SAVED_PATTERNS = 64
MAX_SAVED_PLUGINS = 128
MAX_SAVED_MUTES = 128
MAX_SAVED_REQUESTS = 256
MAX_SAVED_SERVED = 128
_MAX_NUMBER = 2**53


class InvalidState(ValueError):
    """A state that does not match the saved-state schema."""


def validate_state(raw: object) -> dict[str, Any]:
    """A saved state checked strictly (InvalidState otherwise); returns a clean copy.

    ``{"version": 1, "patterns": [...at most 64], "plugins": {id: {...}, at most 128},
    "saved_at": number (optional)}``; a pattern needs ``key``, ``severity`` (warning, error,
    critical) and ``error_type``, and may have ``message``, ``plugin_id``, ``operation``, ``count``,
    ``total_count``, ``first_seen``, ``last_seen`` (numbers) and ``acknowledged``; a plugin needs
    ``state`` (a HealthState value) and may have ``reason`` and ``errors``. Optional too:
    ``muted`` (at most 128 ``{key, up_to: severity, until: time or null}``: acknowledged and snoozed
    alerts), ``snoozed_until`` (a time: the whole board) and ``requests`` (at most 256 ids of web
    requests already applied), ``takeover`` (``{served: at most 128 {key, severity, first_seen},
    served_wall}``: what the takeovers showed, and when). Times are wall-clock seconds. Unknown keys
    are dropped.
    """
    return _clean_state(raw, strict=True)


def normalise_state(state: object) -> dict[str, Any]:
    """A state made to fit the schema for saving: version stamped, lists and texts truncated,
    enums turned into their labels, entries that do not fit left out. InvalidState when the
    state itself is not one (not an object, another version, patterns not a list...)."""
    return _clean_state(state, strict=False)


def dump_state(state: Mapping[str, Any]) -> str:
    """A stable JSON text of ``state`` (for change detection and as the copy that is stored)."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _clean_state(raw: object, strict: bool) -> dict[str, Any]:
    """The state checked (strict) or fitted (not strict) to the schema."""
    if not isinstance(raw, Mapping):
        raise InvalidState(f"expected an object, got {type(raw).__name__}")
    version = raw.get("version", None if strict else STATE_VERSION)
    if type(version) is not int or version != STATE_VERSION:
        raise InvalidState(f"unsupported version {safe_str(version)[:20]!r}")
    patterns = raw.get("patterns", None if strict else [])
    plugins = raw.get("plugins", None if strict else {})
    if not isinstance(patterns, list | tuple) or not isinstance(plugins, Mapping):
        raise InvalidState("patterns must be a list and plugins an object")
    if strict and len(plugins) > MAX_SAVED_PLUGINS:
        raise InvalidState(f"too many plugins ({len(plugins)})")
    kept = _entries(patterns, "patterns", _PATTERN_FIELDS, MAX_SAVED_PATTERNS, strict)
    known: dict[str, Any] = {}
    for pid, raw_plugin in itertools.islice(plugins.items(), 4 * MAX_SAVED_PLUGINS):
        with _skip_invalid(strict):
            if len(known) < MAX_SAVED_PLUGINS:
                known[_checked("id", pid, strict)] = _entry(raw_plugin, _PLUGIN_FIELDS, strict)
    state: dict[str, Any] = {"version": STATE_VERSION, "patterns": kept, "plugins": known}
    for name in ("saved_at", "snoozed_until"):
        if raw.get(name) is not None:
            with _skip_invalid(strict):
                state[name] = _checked("time", raw[name], strict)
    if raw.get("muted") is not None:
        state["muted"] = _entries(raw["muted"], "muted", _MUTE_FIELDS, MAX_SAVED_MUTES, strict)
    takeover = raw.get("takeover")
    if takeover is not None:
        if not isinstance(takeover, Mapping):
            raise InvalidState("takeover must be an object")
        state["takeover"] = {"served": _entries(takeover.get("served", []), "takeover.served", _SERVED_FIELDS,
                                                MAX_SAVED_SERVED, strict)}
        if takeover.get("served_wall") is not None:
            with _skip_invalid(strict):
                state["takeover"]["served_wall"] = _checked("time", takeover["served_wall"], strict)
    requests = raw.get("requests")
    if requests is not None:
        if not isinstance(requests, list | tuple) or (strict and len(requests) > MAX_SAVED_REQUESTS):
            raise InvalidState("requests must be a list of at most 256 ids")
        state["requests"] = []
        for raw_id in itertools.islice(requests, 4 * MAX_SAVED_REQUESTS):
            with _skip_invalid(strict):
                state["requests"].append(_checked("id", raw_id, strict))
        state["requests"] = state["requests"][-MAX_SAVED_REQUESTS:]
    return state


def _entries(raw: object, name: str, fields: Mapping[str, tuple[str, bool]], limit: int,
             strict: bool) -> list[dict[str, Any]]:
    """A list of at most ``limit`` entries with ``fields`` (too many, or an invalid one, rejects
    the state when strict; otherwise the rest is left out)."""
    if not isinstance(raw, list | tuple) or (strict and len(raw) > limit):
        raise InvalidState(f"{name} must be a list of at most {limit} entries")
    kept: list[dict[str, Any]] = []
    for raw_entry in itertools.islice(raw, 4 * limit):
        with _skip_invalid(strict):
            if len(kept) < limit:
                kept.append(_entry(raw_entry, fields, strict))
    return kept


def _skip_invalid(strict: bool) -> contextlib.AbstractContextManager[None]:
    """Strict: an invalid entry rejects the whole state. Otherwise it is left out."""
    return contextlib.nullcontext() if strict else contextlib.suppress(InvalidState)


def _entry(raw: object, fields: Mapping[str, tuple[str, bool]], strict: bool) -> dict[str, Any]:
    """One pattern or plugin entry with its known fields checked."""
    if not isinstance(raw, Mapping):
        raise InvalidState(f"expected an object entry, got {type(raw).__name__}")
    entry: dict[str, Any] = {}
    for name, (kind, required) in fields.items():
        if name in raw:
            entry[name] = _checked(kind, raw[name], strict)
        elif required:
            raise InvalidState(f"entry without {name!r}")
    return entry


def _checked(kind: str, value: object, strict: bool) -> Any:
    """``value`` checked against a field kind (truncated when not strict)."""
    if kind in _TEXT_LIMITS:
        if kind == "optional_id" and value is None:
            return None
        limit = _TEXT_LIMITS[kind]
        if not isinstance(value, str) or (kind != "text" and not value):
            raise InvalidState(f"expected text, got {type(value).__name__}")
        if len(value) > limit and strict:
            raise InvalidState(f"text longer than {limit}")
        return str(value[:limit])
    if kind == "severity":
        return _enum_label(value, strict, Severity.parse, lambda s: s.label, {s.label for s in Severity})
    if kind == "health":
        return _enum_label(value, strict, HealthState, lambda h: h.value, {h.value for h in HealthState})
    if kind == "flag" and isinstance(value, bool):
        return value
    if kind == "optional_time" and value is None:
        return None
    if kind in ("count", "time", "optional_time") and _is_number(value, integral=kind == "count"):
        return value
    raise InvalidState(f"bad {kind} value of type {type(value).__name__}")


def _is_number(value: object, integral: bool) -> bool:
    """A finite JSON number of sane size (a non-negative int when ``integral``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if integral:
        return isinstance(value, int) and 0 <= value < _MAX_NUMBER
    return math.isfinite(value) and abs(value) < _MAX_NUMBER


def _enum_label(value: object, strict: bool, parse: Callable[[Any], Any], label: Callable[[Any], str],
                labels: set[str]) -> str:
    """A severity or health label: exactly a known label when strict, parsed from enums otherwise."""
    if strict:
        if isinstance(value, str) and value in labels:
            return value
        raise InvalidState(f"unknown label {safe_str(value)[:20]!r}")
    try:
        return label(parse(value))
    except (ValueError, TypeError) as error:
        raise InvalidState(f"unknown label {safe_str(value)[:20]!r}") from error


_TEXT_LIMITS = {"id": 64, "optional_id": 64, "key": 200, "type": 100, "text": 500}
_PATTERN_FIELDS: dict[str, tuple[str, bool]] = {
    "key": ("key", True), "severity": ("severity", True), "error_type": ("type", True),
    "message": ("text", False), "plugin_id": ("optional_id", False), "operation": ("optional_id", False),
    "count": ("count", False), "total_count": ("count", False), "first_seen": ("time", False),
    "last_seen": ("time", False), "acknowledged": ("flag", False),
}
_MUTE_FIELDS: dict[str, tuple[str, bool]] = {
    "key": ("key", True), "up_to": ("severity", True), "until": ("optional_time", False),
}
_SERVED_FIELDS: dict[str, tuple[str, bool]] = {
    "key": ("key", True), "severity": ("severity", True), "first_seen": ("optional_time", False),
}
_PLUGIN_FIELDS: dict[str, tuple[str, bool]] = {
    "state": ("health", True), "reason": ("text", False), "errors": ("count", False),
}
