"""Plugin health as the LEDMatrix host reports it: its health tracker (the circuit breaker) and its
state manager (load and initialisation failures), duck-typed and guarded (``host_access``).

What the host knows, per `../shared/docs/host-contract.md` and the checks against it: only
``update()`` failures reach the tracker, which opens the circuit after three in a row and then
skips the plugin (its turns take no time, its updates stop); a plugin that failed to load or to
initialise is discovered (``plugin_manifests``) but not loaded (``plugins``) and its state is
``error``; a user-disabled plugin is unloaded, with no error.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..model import HealthReport, HealthState
from .host_access import attribute, call, clean_reason, count, error_text, ids, label, method

MAX_HEALTH_PLUGINS = 256
H = HealthState


def read_host_health(plugin_manager: object) -> dict[str, HealthReport]:
    """A report per plugin id from the host's health tracker and state manager; never raises.

    Ids: ``plugin_manifests`` (every discovered plugin) then ``plugins`` (loaded ones). Per id the
    worst (``HealthState.rank``, then one that names a condition) of:
    - the tracker's summary, for loaded plugins (asking for others would add them to its table):
      circuit open -> FAILING ``CircuitOpen`` (``since``: when it opened: a re-open is a new
      time), half-open -> DEGRADED ``CircuitHalfOpen``, the degraded flag (a config that fails
      the schema) -> DEGRADED ``Degraded``, failures in a row below the breaker -> DEGRADED;
    - the state manager's state: error -> FAILING, ``InitFailed`` when the constructor raised,
      ``LoadFailed`` for any other failure to load, ``StateError`` for a loaded plugin; disabled
      or unloaded and not loaded -> DISABLED; an update error while enabled -> DEGRADED.
    With no information: HEALTHY if loaded, else UNKNOWN. Reasons are redacted, then cut.
    """
    manifests = ids(attribute(plugin_manager, "plugin_manifests"))
    loaded = ids(attribute(plugin_manager, "plugins"))
    every = list(dict.fromkeys([*(manifests or ()), *(loaded or ())]))[:MAX_HEALTH_PLUGINS]
    if not every:
        return {}
    tracker = method(plugin_manager, "health_tracker", "get_health_summary")
    states = method(plugin_manager, "state_manager", "get_state_info")
    loaded_set = set(loaded) if loaded is not None else None
    result: dict[str, HealthReport] = {}
    for pid in every:
        is_loaded = None if loaded_set is None else pid in loaded_set
        found: list[HealthReport] = []
        try:  # a summary whose get() raises, a state whose .value raises: that source says nothing
            if tracker is not None and is_loaded is not False:
                found.extend(_from_tracker(call(tracker, pid)))
        except Exception:
            found = []
        try:
            if states is not None:
                found.extend(_from_state(call(states, pid), is_loaded))
        except Exception:
            pass
        default = HealthReport(H.HEALTHY) if is_loaded else HealthReport(H.UNKNOWN)
        result[pid] = worst(found) if found else default
    return result


def worst(found: list[HealthReport]) -> HealthReport:
    """The worst report; among equals, one that names a condition."""
    return max(found, key=lambda report: (report.state.rank, report.condition is not None))


def _from_tracker(summary: object) -> list[HealthReport]:
    """What a health-tracker summary says (circuit, failures in a row, degraded flag)."""
    if not isinstance(summary, Mapping):
        return []
    found = [HealthReport(H.HEALTHY)]
    failures = count(summary.get("consecutive_failures"))
    error = clean_reason(summary.get("last_error"))
    circuit = label(summary.get("circuit_state"))
    if circuit == "open":
        opened = summary.get("circuit_opened_time")
        found.append(HealthReport(H.FAILING, error or "circuit open", "CircuitOpen",
                                  failures or count(summary.get("total_failures")),
                                  opened if isinstance(opened, int | float) else None))
    elif circuit == "half_open":
        found.append(HealthReport(H.DEGRADED, "recovering", "CircuitHalfOpen", failures))
    elif failures:
        reason = "1 failure" if failures == 1 else f"{failures} failures in a row"
        found.append(HealthReport(H.DEGRADED, reason, None, failures))
    if summary.get("degraded") is True:
        found.append(HealthReport(H.DEGRADED, clean_reason(summary.get("degraded_reason")) or "degraded",
                                  "Degraded"))
    return found


def _from_state(info: object, is_loaded: bool | None) -> list[HealthReport]:
    """What a state-manager record says (load failure, error, disabled, recoverable error)."""
    if not isinstance(info, Mapping):
        return []
    state = label(info.get("state"))
    error = error_text(info.get("error_info"))
    if state == "error":
        if is_loaded is not False:
            return [HealthReport(H.FAILING, error or "error", "StateError")]
        raw = info.get("error_info")
        text = raw.get("error") if isinstance(raw, Mapping) else None
        condition = "InitFailed" if isinstance(text, str) and "instantiate" in text else "LoadFailed"
        return [HealthReport(H.FAILING, error or "failed to load", condition)]
    if state == "disabled" or (state == "unloaded" and is_loaded is False):
        return [HealthReport(H.DISABLED, "disabled" if state == "disabled" else "not loaded")]
    if state in ("loaded", "enabled", "running"):
        return [HealthReport(H.DEGRADED, error)] if error else [HealthReport(H.HEALTHY)]
    return []
