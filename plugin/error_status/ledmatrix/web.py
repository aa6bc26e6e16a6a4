"""The display side of the web UI's actions: requests taken from the shared cache and applied
(acknowledge all, snooze an hour, a test alert, clear the history), and the board's status
published there for the web process to read."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ..aggregator import ErrorAggregator
from ..board import AlertBoard
from ..clock import Clock
from ..model import Alert, BoardSnapshot, Severity
from .persistence import StatePersistence
from .requests import STATUS_KEY, Request, RequestInbox
from .status import STATUS_INTERVAL, as_written, status

logger = logging.getLogger(__name__)

SNOOZE_SECONDS = 3600.0
TEST_ALERT_SECONDS = 60.0
TEST_SOURCE = "test"


def test_alert(plugin_id: str, now: float) -> Alert:
    """The alert "Send a test alert" shows: a warning from error-status itself."""
    return Alert(key=f"test/{plugin_id}", severity=Severity.WARNING, plugin_id=plugin_id,
                 error_type="TestAlert", message="a test alert from the web UI (it clears within a minute)",
                 count=1, first_seen=now, last_seen=now, origin="test")


class WebLink:
    """Applies the web UI's requests to the board and the aggregator, once each, and publishes
    what the board shows. Called on the driver thread."""

    def __init__(self, cache_manager: object, board: AlertBoard, aggregator: ErrorAggregator, clock: Clock,
                 self_id: str, applied: Iterable[str] = ()) -> None:
        self._board = board
        self._aggregator = aggregator
        self._clock = clock
        self._self_id = self_id
        self.inbox = RequestInbox(cache_manager, applied)
        self._status = StatePersistence(cache_manager, STATUS_KEY, STATUS_INTERVAL, clock, as_written)
        self._test_until: float | None = None
        self.applied = 0

    def take_requests(self) -> bool:
        """Apply the requests not applied yet; True when one was (the state must be saved)."""
        requests = self.inbox.take(self._clock.wall())
        for request in requests:
            self._apply(request)
        now = self._clock.monotonic()
        if self._test_until is not None and now >= self._test_until:
            self._test_until = None
            self._board.set_external(TEST_SOURCE, ())
        return bool(requests)

    def publish(self, snapshot: BoardSnapshot, now_too: bool = False) -> None:
        """Publish the board's status (on change, at most every few seconds; ``now_too``: at once,
        so a waiting action script sees its request applied)."""
        document = status(snapshot, snoozed_until=self._board.snoozed_until(), applied=self.inbox.applied)
        self._status.save(document)
        if now_too:
            self._status.flush()

    def _apply(self, request: Request) -> None:
        """One request (never raises: a request must not stop the driver)."""
        try:
            if request.action == "acknowledge":
                count = self._board.acknowledge_all()
                logger.info("error-status: acknowledged %d alerts (web request %s)", count, request.id)
            elif request.action == "snooze":
                self._board.snooze_all(SNOOZE_SECONDS)
                logger.info("error-status: snoozed for an hour (web request %s)", request.id)
            elif request.action == "test-alert":
                self._board.set_external(TEST_SOURCE, (test_alert(self._self_id, self._clock.wall()),))
                self._test_until = self._clock.monotonic() + TEST_ALERT_SECONDS
            elif request.action == "clear-history":
                self._aggregator.clear_history()
            self.applied += 1
        except Exception:
            logger.exception("error-status: web request %s (%s) failed", request.id, request.action)
