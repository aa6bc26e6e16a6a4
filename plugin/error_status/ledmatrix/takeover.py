"""A takeover that yields: with ``live_priority``, an alert at or above ``takeover_severity`` takes
the panel for one turn, then the rotation runs again; it takes over again when an alert is new,
recurs or escalates, or once ``takeover_repeat_minutes`` have passed since the owner last saw it.

The ledger remembers what error-status's turns have shown (each visible alert's key, the severity
it was shown at, the spell it belongs to) and when; it is saved with the driver's state, so a
restart does not take the panel again for what was already shown. ``due()`` is what
``has_live_content()`` answers: O(1) after the first call for a snapshot (Vegas asks every frame).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .. import forksafe
from ..board.health_alerts import HEALTH_KEY_PREFIX
from ..model import Alert, BoardSnapshot, Severity

MAX_SERVED = 128  # what is saved (the saved state's limit, board.saved_state): the newest
MAX_REMEMBERED = 1024  # what is remembered (more than any board shows at once)
RESAVE_AFTER = 60.0  # seconds on screen after which "when" is worth saving again (a crash loses less)

_Shown = tuple[Severity, float | None]  # the severity shown, the spell's first_seen (None: any)


class TakeoverLedger:
    """What the panel's own turns showed, and when (monotonic seconds)."""

    def __init__(self) -> None:
        self._lock = forksafe.Lock()
        self._served: dict[str, _Shown] = {}
        self._served_at: float | None = None
        self._saved_at = -float("inf")
        self._served_snapshot: BoardSnapshot | None = None
        self._version = 0
        self._cache: tuple[BoardSnapshot, int, Severity, bool, bool] | None = None

    @property
    def version(self) -> int:
        """Bumped whenever what was served changes (the driver saves the state then)."""
        return self._version

    def serve(self, snapshot: BoardSnapshot, now: float) -> None:
        """Error-status is on screen now, showing ``snapshot``: its alerts have been seen. What the
        panel does not show now (acknowledged, snoozed, below min_severity) stays seen."""
        with self._lock:
            self._served_at = now
            if now - self._saved_at >= RESAVE_AFTER:
                self._saved_at = now
                self._version += 1
            if snapshot is self._served_snapshot:
                return
            self._served_snapshot = snapshot
            changed = False
            for alert in snapshot.alerts:
                shown = self._served.get(alert.key)
                severity = alert.severity
                if shown is not None and _same_spell(shown, alert):
                    severity = max(severity, shown[0])
                if shown != (severity, alert.first_seen):
                    self._served.pop(alert.key, None)  # re-inserted last: the newest are kept
                    self._served[alert.key] = (severity, alert.first_seen)
                    changed = True
            while len(self._served) > MAX_REMEMBERED:
                del self._served[next(iter(self._served))]
            if changed:
                self._version += 1

    def due(self, snapshot: BoardSnapshot, threshold: Severity, repeat: float, now: float) -> bool:
        """True when an alert at or above ``threshold`` should take the panel: one that the panel's
        turns have not shown (new, recurred or escalated since), or any once ``repeat`` seconds
        passed since error-status was last on screen."""
        with self._lock:
            cache = self._cache
            if cache is not None and cache[:3] == (snapshot, self._version, threshold):
                unseen, qualifying = cache[3], cache[4]
            else:
                unseen, qualifying = self._scan(snapshot, threshold)
                self._cache = (snapshot, self._version, threshold, unseen, qualifying)
            served_at = self._served_at
        if unseen:
            return True
        return qualifying and (served_at is None or now - served_at >= repeat)

    def _scan(self, snapshot: BoardSnapshot, threshold: Severity) -> tuple[bool, bool]:
        """(an alert at or above ``threshold`` was not shown yet, one at or above it exists)."""
        qualifying = False
        for alert in snapshot.alerts:  # worst first: stop at the first below the threshold
            if alert.severity < threshold:
                break
            qualifying = True
            shown = self._served.get(alert.key)
            if shown is None or not _same_spell(shown, alert) or shown[0] < alert.severity:
                return True, True
        return False, qualifying

    # ------------------------------------------------------------------ saved state

    def state(self, mono: float, wall: float) -> dict[str, Any]:
        """JSON-safe: what was served, and when (wall seconds, for after a restart)."""
        with self._lock:
            served_at = self._served_at
            newest = list(self._served.items())[-MAX_SERVED:]
            return {"served": [{"key": key, "severity": severity.label, "first_seen": first}
                               for key, (severity, first) in newest],
                    "served_wall": None if served_at is None else wall - (mono - served_at)}

    def restore(self, state: object, mono: float, wall: float) -> None:
        """Take back a saved state (garbage is ignored). Health alerts are rebuilt from the host
        after a restart with a new first_seen: theirs match by key and severity only."""
        if not isinstance(state, Mapping):
            return
        served: dict[str, _Shown] = {}
        items = state.get("served")
        for item in items[:MAX_SERVED] if isinstance(items, list) else ():
            parsed = _parse_served(item)
            if parsed is not None:
                key, severity, first = parsed
                served[key] = (severity, None if key.startswith(HEALTH_KEY_PREFIX) else first)
        served_wall = _finite(state.get("served_wall"))
        served_at = None if served_wall is None else mono - max(0.0, wall - served_wall)
        with self._lock:
            self._served, self._served_at = served, served_at
            self._served_snapshot, self._cache = None, None
            self._version += 1


def _same_spell(shown: _Shown, alert: Alert) -> bool:
    """The alert is the one that was shown, not a new occurrence under the same key."""
    return shown[1] is None or shown[1] == alert.first_seen


def _parse_served(item: object) -> tuple[str, Severity, float | None] | None:
    """``{key, severity, first_seen}`` from a saved state, or None."""
    if not isinstance(item, Mapping):
        return None
    key, first = item.get("key"), item.get("first_seen")
    try:
        severity = Severity.parse(item.get("severity"))
    except ValueError:
        return None
    if not isinstance(key, str) or not 0 < len(key) <= 512 or (first is not None and _finite(first) is None):
        return None
    return key, severity, _finite(first)


def _finite(value: object) -> float | None:
    """A finite number as a float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int past a float's range
        return None
    return number if math.isfinite(number) else None
