"""A background thread that polls now and then and keeps only the latest result (overwrite, not queue).

The network wait happens here, never on the display or driver thread: the driver takes the latest
result when it likes (``take``), without waiting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..model import Alert
from .settings import check_number

logger = logging.getLogger(__name__)


class Poller:
    """Calls ``poll`` every ``interval`` seconds on a daemon thread (the first call at once)."""

    def __init__(self, poll: Callable[[], tuple[Alert, ...]], interval: float, *,
                 name: str = "error-status:alertmanager", join_timeout: float = 10.0) -> None:
        self._poll = poll
        self._interval = check_number("interval", interval, 0.01, 86_400.0)
        self._name = name
        self._join_timeout = join_timeout
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._first = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._latest: tuple[Alert, ...] = ()
        self._version = 0
        self._taken = 0
        self.polls = 0
        self.internal_errors = 0

    def start(self) -> None:
        """Start the thread (again after ``stop``)."""
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread; waits for a poll in progress (bounded by its own timeout)."""
        with self._lock:
            thread, self._thread = self._thread, None
        self._stop.set()
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self._join_timeout)

    def poll_now(self) -> None:
        """Ask for a poll without waiting for the interval (returns at once)."""
        self._wake.set()

    def wait_first(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the first poll to finish; True when it has."""
        return self._first.wait(timeout)

    def take(self) -> tuple[Alert, ...] | None:
        """The latest result if it is new since the last ``take``, else None."""
        with self._lock:
            if self._taken == self._version:
                return None
            self._taken = self._version
            return self._latest

    def latest(self) -> tuple[Alert, ...]:
        """The latest result (empty before the first poll)."""
        with self._lock:
            return self._latest

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self._once()
            self._wake.wait(self._interval)

    def _once(self) -> None:
        """One poll; a poll that raises is counted, logged once, and the previous result kept."""
        try:
            result = self._poll()
        except Exception:
            self.internal_errors += 1
            if self.internal_errors == 1:
                logger.exception("%s: a poll failed unexpectedly (counted; later ones are not logged)",
                                 self._name)
        else:
            with self._lock:
                self.polls += 1
                if result != self._latest or self._version == 0:
                    self._latest = result
                    self._version += 1
        self._first.set()  # after the result is stored: a waiter then finds it with take()
