"""What the board shows now, published in the host's cache for the web process (its pages, and the
web-UI action scripts that answer with what is active): bounded, redacted (the board's texts are
redacted already; this cuts them), written on change and at most every few seconds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import BoardSnapshot
from ..render.causes import cause
from ..render.text import panel_safe

STATUS_INTERVAL = 3.0  # seconds between two writes at most
MAX_ALERTS = 32
MAX_PLUGINS = 128
MAX_APPLIED = 16


def status(snapshot: BoardSnapshot, *, snoozed_until: float | None, applied: list[str]) -> dict[str, Any]:
    """The status document for ``snapshot`` (``snoozed_until``: wall-clock seconds or None)."""
    return {
        "version": 1,
        "all_clear": snapshot.all_clear,
        "alerts": [{"key": panel_safe(a.key, None, 200), "severity": a.severity.label,
                    "plugin": panel_safe(a.source, None, 64), "cause": cause(a),
                    "message": panel_safe(a.message, None, 160), "count": a.count, "origin": a.origin}
                   for a in snapshot.alerts[:MAX_ALERTS]],
        "muted": snapshot.muted,
        "plugins": {panel_safe(h.plugin_id, None, 64): {"state": h.state.value,
                                                        "reason": panel_safe(h.reason, None, 80)}
                    for h in snapshot.health[:MAX_PLUGINS]},
        "snoozed_until": snoozed_until,
        "applied": applied[-MAX_APPLIED:],
    }


def as_written(value: Mapping[str, Any]) -> dict[str, Any]:
    """A status document as it is compared and written (already bounded by ``status``)."""
    return dict(value)
