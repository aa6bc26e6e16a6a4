"""The board's state kept across a restart of the display service, in the host's cache (written
only on change and at most every few seconds: the real cache writes to an SD card)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..board.saved_state import InvalidState, dump_state, normalise_state, validate_state
from ..clock import SYSTEM_CLOCK, Clock
from ..hygiene.traces import safe_str

logger = logging.getLogger(__name__)


class StatePersistence:
    """Keeps a value in the host's cache: the plugin's state across a restart of the display
    service (the default), or what the web process may read (``ledmatrix.status``).

    The real ``CacheManager`` writes to disk (an SD card): ``save`` writes only when the value
    changed and at most every ``min_interval`` seconds; a change held back is written by a later
    ``save`` or by ``flush``. Works with the real cache and with the harness's mock (only
    arguments both accept are passed). The cache is called outside this object's lock.
    ``normalise`` fits a value to its schema before it is compared and written (default: the
    saved-state schema, ``board.saved_state``).
    """

    def __init__(self, cache_manager: object, key: str = "error-status:state", min_interval: float = 10.0,
                 clock: Clock = SYSTEM_CLOCK,
                 normalise: Callable[[Mapping[str, Any]], dict[str, Any]] = normalise_state) -> None:
        self.cache = cache_manager
        self.key = key
        self.min_interval = min_interval
        self.clock = clock
        self._normalise = normalise
        self.writes = 0
        self.failures = 0
        self._written: str | None = None
        self._pending: str | None = None
        self._last_write: float | None = None
        self._writing = False
        self._lock = threading.Lock()

    @property
    def pending(self) -> bool:
        """True when a change is waiting for the rate limit."""
        return self._pending is not None

    def save(self, state: Mapping[str, Any]) -> bool:
        """Stage ``state`` (normalised, bounded); True when it was written now."""
        try:
            dump = dump_state(self._normalise(state))
        except (TypeError, ValueError) as error:
            self.failures += 1
            logger.warning("error-status: state not saved: %s", error)
            return False
        with self._lock:
            if dump == self._written:
                self._pending = None
                return False
            self._pending = dump
            now = self.clock.monotonic()
            if self._last_write is not None and now - self._last_write < self.min_interval:
                return False
            claimed = self._claim(now)
        return claimed is not None and self._write(claimed)

    def flush(self) -> bool:
        """Write a held-back change now (at cleanup); True when something was written."""
        with self._lock:
            claimed = self._claim(self.clock.monotonic()) if self._pending is not None else None
        return claimed is not None and self._write(claimed)

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None (nothing saved, or unreadable: then a warning is logged)."""
        try:
            raw = self.cache.get(self.key, max_age=None)  # type: ignore[attr-defined]
        except Exception as error:
            self.failures += 1
            logger.warning("error-status: cannot read saved state %r: %s", self.key, safe_str(error))
            return None
        if raw is None:
            return None
        try:
            state = validate_state(raw)
        except InvalidState as error:
            logger.warning("error-status: ignoring saved state %r: %s", self.key, error)
            return None
        except Exception as error:  # a mapping from the cache whose own methods raise
            self.failures += 1
            logger.warning("error-status: cannot read saved state %r: %s", self.key, safe_str(error))
            return None
        with self._lock:
            if self._written is None:
                self._written = dump_state(state)
        return state

    def _claim(self, now: float) -> str | None:
        """The pending dump, if no other thread is writing (called with the lock held)."""
        if self._writing:
            return None  # it stays pending: the next save or flush writes it
        self._writing = True
        self._last_write = now
        return self._pending

    def _write(self, dump: str) -> bool:
        """Hand ``dump`` to the cache (outside the lock: the cache is the host's code)."""
        try:
            self.cache.set(self.key, json.loads(dump))  # type: ignore[attr-defined]
            written = True
        except Exception as error:
            self.failures += 1
            logger.warning("error-status: cannot save state %r: %s", self.key, safe_str(error))
            written = False
        with self._lock:
            self._writing = False
            if written:
                self.writes += 1
                self._written = dump
                if self._pending == dump:
                    self._pending = None
        return written
