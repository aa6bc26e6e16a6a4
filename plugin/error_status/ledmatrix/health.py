"""Plugin health as the LEDMatrix host reports it (health tracker, state manager), duck-typed:
the harness's mocks have neither, and every attribute may be missing or raise."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..hygiene.redact import redact_text
from ..model import HealthReport, HealthState

MAX_HEALTH_PLUGINS = 256
_MAX_REASON = 80
H = HealthState


def read_host_health(plugin_manager: object) -> dict[str, HealthReport]:
    """A report per plugin id from the host's health tracker and state manager; never raises.

    Ids: ``plugin_manifests`` (every discovered plugin) then ``plugins`` (loaded ones). Per id the
    worst (``HealthState.rank``) of: the tracker's summary (asked for loaded plugins only, so
    disabled ones are not added to its table): circuit open -> FAILING ``CircuitOpen``, half-open
    -> DEGRADED ``CircuitHalfOpen``, the degraded flag -> DEGRADED ``Degraded``, failures in a row
    below the breaker's threshold -> DEGRADED; and the state manager's state: error -> FAILING
    ``StateError`` with its error text, disabled or never loaded -> DISABLED, a recoverable
    update error -> DEGRADED. With no information: HEALTHY if loaded, else UNKNOWN. Reasons are
    redacted, then cut.
    """
    manifests = _ids(_attribute(plugin_manager, "plugin_manifests"))
    loaded = _ids(_attribute(plugin_manager, "plugins"))
    ids = list(dict.fromkeys([*(manifests or ()), *(loaded or ())]))[:MAX_HEALTH_PLUGINS]
    if not ids:
        return {}
    tracker = _method(plugin_manager, "health_tracker", "get_health_summary")
    states = _method(plugin_manager, "state_manager", "get_state_info")
    loaded_set = set(loaded) if loaded is not None else None
    result: dict[str, HealthReport] = {}
    for pid in ids:
        is_loaded = None if loaded_set is None else pid in loaded_set
        found: list[HealthReport] = []
        if tracker is not None and is_loaded is not False:
            found.extend(_from_tracker(_call(tracker, pid)))
        if states is not None:
            found.extend(_from_state(_call(states, pid), is_loaded))
        default = HealthReport(H.HEALTHY) if is_loaded else HealthReport(H.UNKNOWN)
        result[pid] = _worst(found) if found else default
    return result


def _worst(found: list[HealthReport]) -> HealthReport:
    """The worst report; among equals, one that names a condition."""
    return max(found, key=lambda report: (report.state.rank, report.condition is not None))


def _from_tracker(summary: object) -> list[HealthReport]:
    """What a health-tracker summary says (circuit, failures in a row, degraded flag)."""
    if not isinstance(summary, Mapping):
        return []
    found = [HealthReport(H.HEALTHY)]
    failures = _count(summary.get("consecutive_failures"))
    error = _clean_reason(summary.get("last_error"))
    circuit = _label(summary.get("circuit_state"))
    if circuit == "open":
        found.append(HealthReport(H.FAILING, error or "circuit open", "CircuitOpen",
                                  failures or _count(summary.get("total_failures"))))
    elif circuit == "half_open":
        found.append(HealthReport(H.DEGRADED, "recovering", "CircuitHalfOpen", failures))
    elif failures:
        reason = "1 failure" if failures == 1 else f"{failures} failures in a row"
        found.append(HealthReport(H.DEGRADED, reason, None, failures))
    if summary.get("degraded") is True:
        found.append(HealthReport(H.DEGRADED, _clean_reason(summary.get("degraded_reason")) or "degraded",
                                  "Degraded"))
    return found


def _from_state(info: object, is_loaded: bool | None) -> list[HealthReport]:
    """What a state-manager record says (error, disabled, recoverable error)."""
    if not isinstance(info, Mapping):
        return []
    state = _label(info.get("state"))
    error = _error_text(info.get("error_info"))
    if state == "error":
        return [HealthReport(H.FAILING, error or "error", "StateError")]
    if state == "disabled" or (state == "unloaded" and is_loaded is False):
        return [HealthReport(H.DISABLED, "disabled" if state == "disabled" else "not loaded")]
    if state in ("loaded", "enabled", "running"):
        return [HealthReport(H.DEGRADED, error)] if error else [HealthReport(H.HEALTHY)]
    return []


def _count(value: object) -> int:
    """A non-negative int from the host, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _attribute(obj: object, name: str) -> Any:
    """``getattr(obj, name, None)``, None when the attribute raises too."""
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


def _method(obj: object, holder: str, name: str) -> Callable[[str], Any] | None:
    """``obj.<holder>.<name>`` if it is callable, else None."""
    method = _attribute(_attribute(obj, holder), name)
    return method if callable(method) else None


def _call(method: Callable[[str], Any], pid: str) -> Any:
    """``method(pid)``, None when it raises."""
    try:
        return method(pid)
    except Exception:
        return None


def _ids(container: object) -> list[str] | None:
    """Valid plugin ids among a container's keys (None when there is no such container)."""
    if container is None:
        return None
    try:
        return [pid for pid in list(container) if _valid_id(pid)]  # type: ignore[call-overload]
    except Exception:
        return None


def _valid_id(pid: object) -> bool:
    """A plausible plugin id: a short printable string."""
    return isinstance(pid, str) and 0 < len(pid) <= 64 and pid.isprintable()


def _label(value: object) -> str:
    """An enum's value or a string, lower-cased ("" for anything else)."""
    value = getattr(value, "value", value)
    return value.lower() if isinstance(value, str) else ""


def _error_text(error_info: object) -> str:
    """The error text of a state manager's ``error_info``."""
    if not isinstance(error_info, Mapping):
        return ""
    return _clean_reason(error_info.get("error")) or _clean_reason(error_info.get("error_type"))


def _clean_reason(value: object) -> str:
    """One printable, redacted line of at most ``_MAX_REASON`` characters ("" for non-strings)."""
    if not isinstance(value, str):
        return ""
    text = " ".join(redact_text(value[:2000]).split())
    return "".join(ch for ch in text if ch.isprintable())[:_MAX_REASON]
