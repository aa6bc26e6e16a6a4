"""What the owner asked not to be shown: an acknowledged alert stays hidden until it gets worse
(or its problem ends and comes back); a snoozed one for a while; while the whole board is
snoozed only critical alerts show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model import Alert, Severity

MAX_MUTES = 128


@dataclass(frozen=True, slots=True)
class Mute:
    """One alert hidden while its severity is at most ``up_to`` (and, if set, until ``until``)."""

    up_to: Severity
    until: float | None = None


class Attention:
    """Per-alert mutes and the board-wide snooze (guarded by the board's lock; times monotonic)."""

    def __init__(self) -> None:
        self.mutes: dict[str, Mute] = {}
        self.snoozed_until: float | None = None

    def acknowledge(self, alert: Alert) -> None:
        """Hide ``alert`` until it gets worse than it is now."""
        self._mute(alert.key, Mute(alert.severity))

    def snooze(self, alert: Alert, until: float) -> None:
        """Hide ``alert`` until ``until``, or until it gets worse."""
        self._mute(alert.key, Mute(alert.severity, until))

    def _mute(self, key: str, mute: Mute) -> None:
        self.mutes.pop(key, None)
        self.mutes[key] = mute
        while len(self.mutes) > MAX_MUTES:  # the oldest mutes are of problems long gone
            del self.mutes[next(iter(self.mutes))]

    def snooze_all(self, until: float | None) -> None:
        """Show only critical alerts until ``until`` (None: end the snooze)."""
        self.snoozed_until = until

    def forget(self, key: str) -> None:
        """The alert's problem ended: a new episode is shown again."""
        self.mutes.pop(key, None)

    def shown(self, alert: Alert, now: float) -> bool:
        """Whether ``alert`` may be shown now (before the ``min_severity`` filter)."""
        if self.snoozed_until is not None and now < self.snoozed_until and alert.severity < Severity.CRITICAL:
            return False
        mute = self.mutes.get(alert.key)
        return mute is None or alert.severity > mute.up_to or (mute.until is not None and now >= mute.until)

    def expire(self, now: float) -> bool:
        """End snoozes that ran out; True when something ended."""
        ended = [key for key, mute in self.mutes.items() if mute.until is not None and now >= mute.until]
        for key in ended:
            del self.mutes[key]
        if self.snoozed_until is not None and now >= self.snoozed_until:
            self.snoozed_until = None
            return True
        return bool(ended)

    def export(self, mono: float, wall: float) -> dict[str, Any]:
        """The mutes and the snooze as JSON-safe data, times on the wall clock (they outlive the
        process; monotonic times do not)."""
        def to_wall(t: float | None) -> float | None:
            return None if t is None else wall + (t - mono)
        muted = [{"key": key, "up_to": mute.up_to.label, "until": to_wall(mute.until)}
                 for key, mute in self.mutes.items()]
        return {"muted": muted, "snoozed_until": to_wall(self.snoozed_until)}

    def restore(self, data: Mapping[str, Any], mono: float, wall: float) -> None:
        """Mutes and a snooze from ``export`` data (checked already: ``board.saved_state``)."""
        def to_mono(t: object) -> float | None:
            number = isinstance(t, int | float) and not isinstance(t, bool)
            return mono + (float(t) - wall) if number else None  # type: ignore[arg-type]
        for entry in data.get("muted") or ():
            if isinstance(entry, Mapping) and isinstance(entry.get("key"), str):
                try:
                    mute = Mute(Severity.parse(entry.get("up_to")), to_mono(entry.get("until")))
                except ValueError:
                    continue
                self._mute(entry["key"], mute)
        until = to_mono(data.get("snoozed_until"))
        if until is not None and until > mono:
            self.snoozed_until = until

    def snoozed(self, now: float) -> bool:
        """True while the whole board is snoozed."""
        return self.snoozed_until is not None and now < self.snoozed_until
