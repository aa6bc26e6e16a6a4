"""The data flow every runner shares (the LEDMatrix driver, the demo, the fleet viewer): an
aggregator whose lifecycle events feed an alert board, which hands out immutable snapshots.

One thread calls ``cycle()``; any thread may read ``snapshot``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .aggregator import ErrorAggregator
from .board import AlertBoard, alert_from_pattern
from .clock import SYSTEM_CLOCK, Clock
from .model import BoardSnapshot, HealthReport, HealthState, Severity


class Pipeline:
    """An aggregator and the board that follows it."""

    def __init__(self, aggregator: ErrorAggregator, board: AlertBoard,
                 on_ready: Callable[[], object] | None = None) -> None:
        self.aggregator = aggregator
        self.board = board
        self.subscription = aggregator.subscribe(name="alert-board", on_ready=on_ready)
        board.follow(self.subscription)
        self._dropped_seen = 0

    @classmethod
    def build(cls, *, pattern_threshold: int = 5, pattern_window_minutes: float = 60.0,
              quiet_period_minutes: float = 5.0, min_severity: Severity = Severity.WARNING,
              alert_ttl: float | None = None, self_id: str | None = None,
              clock: Clock = SYSTEM_CLOCK, on_ready: Callable[[], object] | None = None) -> Pipeline:
        """A new aggregator and board with these settings (``on_ready``: see ``subscribe``)."""
        aggregator = ErrorAggregator(pattern_threshold=pattern_threshold,
                                     pattern_window_minutes=pattern_window_minutes,
                                     quiet_period_minutes=quiet_period_minutes, clock=clock)
        board = AlertBoard(clock=clock, min_severity=min_severity, alert_ttl=alert_ttl,
                           quiet_period=quiet_period_minutes * 60.0, threshold=pattern_threshold,
                           self_id=self_id)
        return cls(aggregator, board, on_ready)

    @property
    def snapshot(self) -> BoardSnapshot:
        """What the panel should show now."""
        return self.board.snapshot()

    def cycle(self, health: Mapping[str, HealthReport | tuple[HealthState, str]] | None = None) -> bool:
        """Let patterns age, move their events onto the board in order, give it the aggregator's
        error counts per plugin (and the plugins' health, if given); True when the snapshot
        changed. After dropped events the board is rebuilt from the aggregator's active patterns."""
        self.aggregator.tick()
        changed = self.board.refresh()
        if health is not None:
            changed = self.board.set_health(health) or changed
        changed = self.board.set_error_counts(self.aggregator.recent_counts()) or changed
        if self.subscription.dropped != self._dropped_seen:
            self._dropped_seen = self.subscription.dropped
            patterns, as_of = self.aggregator.active_patterns_as_of()
            changed = self.board.resync((alert_from_pattern(p) for p in patterns), as_of) or changed
        return changed

    def close(self) -> None:
        """Stop following the aggregator and close it."""
        self.board.close()
        self.aggregator.close()
