"""What the owner asked not to be shown: an acknowledged alert stays hidden until it gets worse
(or its problem ends and comes back); a snoozed one for a while; while the whole board is
snoozed only critical alerts show."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Alert, Severity


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
        self.mutes[alert.key] = Mute(alert.severity)

    def snooze(self, alert: Alert, until: float) -> None:
        """Hide ``alert`` until ``until``, or until it gets worse."""
        self.mutes[alert.key] = Mute(alert.severity, until)

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

    def keep_only(self, keys: set[str]) -> None:
        """Forget mutes of alerts that are gone."""
        for key in self.mutes.keys() - keys:
            del self.mutes[key]
