"""Alertmanager's v2 alert list (``GET /api/v2/alerts``) as board alerts.

The input is foreign and may be anything: every field is checked, each text redacted and shortened,
and an entry that cannot be read is left out and counted (the rest still show).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ..hygiene.redact import redact_text
from ..model import Alert, Severity
from .view import ALERTMANAGER

KEY_PREFIX = "alertmanager:"
MAX_NAME = 48
MAX_SUMMARY = 120
_MAX_RAW = 2000  # characters of one field looked at (redaction is linear, but a 1 MB label is silly)
_SEVERITIES = {"critical": Severity.CRITICAL, "error": Severity.ERROR, "warning": Severity.WARNING}
_FINGERPRINT = re.compile(r"[0-9A-Za-z]{1,64}")
_PORT = re.compile(r":\d{1,5}$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class ParsedAlerts:
    """The alerts of one response, worst first, and what was left out of it."""

    alerts: tuple[Alert, ...]
    malformed: int = 0
    dropped: int = 0


class BadResponse(ValueError):
    """The response is not an alert list at all."""


def parse_alerts(data: object, now_wall: float, *, max_alerts: int = 64) -> ParsedAlerts:
    """The active, unsilenced, uninhibited alerts in ``data`` (decoded JSON); BadResponse if it is
    not a list. ``now_wall`` stands in for missing or unreadable timestamps."""
    if not isinstance(data, list):
        raise BadResponse(f"expected a JSON list of alerts, got {type(data).__name__}")
    alerts: dict[str, Alert] = {}
    malformed = 0
    for item in data:
        try:
            alert = _alert(item, now_wall)
        except (TypeError, ValueError, KeyError):
            malformed += 1
            continue
        if alert is not None:
            alerts[alert.key] = alert
    ordered = sorted(alerts.values(), key=lambda a: (-a.severity, -a.first_seen, a.key))
    return ParsedAlerts(tuple(ordered[:max_alerts]), malformed, max(0, len(ordered) - max_alerts))


def severity_of(labels: Mapping[str, str]) -> Severity:
    """The ``severity`` label: critical, error or warning (any case); anything else is a warning."""
    value = labels.get("severity")
    return _SEVERITIES.get(value.strip().lower(), Severity.WARNING) if isinstance(value, str) else \
        Severity.WARNING


def _alert(item: object, now_wall: float) -> Alert | None:
    """One entry as an Alert; None when it is silenced, inhibited or not active; raises when malformed."""
    if not isinstance(item, Mapping):
        raise TypeError("an alert must be an object")
    fingerprint = item["fingerprint"]
    if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
        raise ValueError("bad fingerprint")
    labels = _strings(item["labels"])
    if not _active(item.get("status")):
        return None
    annotations = _strings(item.get("annotations") or {})
    name = _text(labels.get("alertname"), MAX_NAME) or "alert"
    where = _where(labels)
    summary = _text(annotations.get("summary") or annotations.get("description"), MAX_SUMMARY)
    first = _time(item.get("startsAt"), now_wall)
    message = (f"{name}: {summary}" if summary else name) if where else summary  # "WARN where: message"
    return Alert(key=KEY_PREFIX + fingerprint, severity=severity_of(labels), plugin_id=where,
                 error_type=name, message=message,
                 count=1, first_seen=first, last_seen=max(first, _time(item.get("updatedAt"), now_wall)),
                 origin=ALERTMANAGER)


def _strings(value: object) -> dict[str, str]:
    """A label or annotation set: an object of strings (other values are dropped)."""
    if not isinstance(value, Mapping):
        raise TypeError("labels and annotations must be objects")
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _active(status: object) -> bool:
    """Active and neither silenced nor inhibited (checked here too: a proxy may ignore the filters)."""
    if not isinstance(status, Mapping):
        return True
    if status.get("state") not in (None, "active", "unprocessed"):
        return False
    return not status.get("silencedBy") and not status.get("inhibitedBy")


def _where(labels: Mapping[str, str]) -> str | None:
    """The ``instance`` without its port (``pi-kitchen:9100`` -> ``pi-kitchen``), else the ``job``."""
    instance = _text(labels.get("instance"), 200)
    if instance.count(":") == 1 or instance.startswith("["):  # host:port, [v6]:port; not a bare v6
        instance = _PORT.sub("", instance)
    if instance:
        return _text(instance, MAX_NAME) or None
    return _text(labels.get("job"), MAX_NAME) or None


def _text(value: object, limit: int) -> str:
    """One redacted line of at most ``limit`` characters (``...`` when cut)."""
    if not isinstance(value, str):
        return ""
    text = _SPACE.sub(" ", redact_text(value[:_MAX_RAW])).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _time(value: object, fallback: float) -> float:
    """An RFC 3339 time as epoch seconds; ``fallback`` when missing, unreadable or absurd."""
    if not isinstance(value, str) or len(value) > 64:
        return fallback
    try:
        stamp = datetime.fromisoformat(value).timestamp()
    except (ValueError, OverflowError, OSError):
        return fallback
    return stamp if math.isfinite(stamp) and stamp > 0 else fallback
