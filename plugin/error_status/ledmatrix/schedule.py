"""Whether the host's display is on: its controller publishes ``display_current_state`` in the
shared cache (``is_display_active`` false while the schedule has the display off)."""

from __future__ import annotations

from collections.abc import Mapping

from .host_access import attribute

STATE_KEY = "display_current_state"


def display_active(cache_manager: object) -> bool:
    """False only when the host says the display is scheduled off; True when it says nothing
    (no cache, no state yet, a state we cannot read). Never raises.

    The host re-publishes the state on every pass while the display is off, but when it comes back
    on only at the next change of mode: "off" can outlast the schedule by one dwell.
    """
    get = attribute(cache_manager, "get")
    if not callable(get):
        return True
    try:
        state = get(STATE_KEY, max_age=None)
        return not (isinstance(state, Mapping) and state.get("is_display_active") is False)
    except Exception:
        return True
