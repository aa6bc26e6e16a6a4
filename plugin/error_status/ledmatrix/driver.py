"""The driver: one aggregator, one board and the one thread that feeds them (host intake, pattern
ageing, plugin health, saved state), shared by every instance of the plugin in a process."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..clock import SYSTEM_CLOCK, Clock
from ..model import BoardSnapshot, Severity
from ..pipeline import Pipeline
from .config import AggregatorSettings, PluginSettings
from .health import read_host_health
from .install import install_as_host_aggregator
from .logs import ErrorLogHandler, attach_log_handler, detach_log_handler
from .mirror import HostMirror
from .persistence import StatePersistence

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.25
INLINE_INTAKE = 16  # at most this many new host records are taken in by the render thread itself
HEALTH_INTERVAL = 1.0
STATE_KEY = "error-status:state"


@dataclass(frozen=True)
class DriverKey:
    """Settings that make a different driver (everything else is per plugin instance)."""

    aggregator: AggregatorSettings
    min_severity: int
    alert_ttl_minutes: float
    show_all_clear: bool

    @classmethod
    def of(cls, settings: PluginSettings) -> DriverKey:
        """The key for a plugin's settings."""
        return cls(settings.aggregator, int(settings.min_severity), settings.alert_ttl_minutes,
                   settings.show_all_clear)


class Driver:
    """Feeds the board: mirrors the host, records ERROR logs, resolves patterns, reads health.

    All of it runs on one daemon thread (started by ``start``), so the plugin's ``display()`` and
    ``has_live_content()`` only read the latest immutable snapshot.
    """

    def __init__(self, key: DriverKey, *, clock: Clock = SYSTEM_CLOCK,
                 host_module: Callable[[], ModuleType | None] | None = None,
                 poll_interval: float = POLL_INTERVAL) -> None:
        settings = key.aggregator
        self.key = key
        self.clock = clock
        self.pipeline = Pipeline.build(
            pattern_threshold=settings.pattern_threshold,
            pattern_window_minutes=settings.pattern_window_minutes,
            quiet_period_minutes=settings.quiet_period_minutes, min_severity=Severity(key.min_severity),
            alert_ttl=key.alert_ttl_minutes * 60.0 if key.alert_ttl_minutes else None,
            show_all_clear=key.show_all_clear, clock=clock)
        self.aggregator = self.pipeline.aggregator
        self.board = self.pipeline.board
        self._host_module = host_module or _import_host_aggregator
        self._poll_interval = poll_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._starting = False
        self._started = threading.Event()
        self._mirror: HostMirror | None = None
        self._uninstall: Callable[[], None] | None = None
        self._log_handler: ErrorLogHandler | None = None
        self._persistence: StatePersistence | None = None
        self._plugin_manager: object = None
        self._next_health = 0.0
        self._cycle_lock = threading.Lock()
        self.last_cycle = -float("inf")
        self._saved_snapshot: BoardSnapshot | None = None
        self.cycles = 0
        self.failures = 0
        self.registry_key: Any = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, plugin_manager: object, cache_manager: object) -> None:
        """Attach to the host (once) and start the feeder thread.

        Only the decision to start is taken under the lock: attaching calls the host (its
        aggregator, its cache), which must not run under a lock of ours.
        """
        with self._lock:
            if self._starting:
                self._plugin_manager = plugin_manager or self._plugin_manager
                return
            self._starting = True
            self._plugin_manager = plugin_manager
        try:
            self._attach_host()
            if self.key.aggregator.capture_error_logs:
                self._log_handler = attach_log_handler(self.aggregator)
            if cache_manager is not None:
                self._persistence = StatePersistence(cache_manager, STATE_KEY, clock=self.clock)
                self._restore()
            self.cycle()
            thread = threading.Thread(target=self._run, name="error-status:feeder", daemon=True)
            with self._lock:
                if not self._stop.is_set():
                    self._thread = thread
                    thread.start()
        finally:
            self._started.set()

    def stop(self) -> None:
        """Stop the thread and detach everything that was attached; save the state once more."""
        self._started.wait(timeout=5.0)  # a start in another thread finishes attaching first
        with self._lock:
            self._stop.set()
            self._wake.set()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        if self._mirror is not None:
            self._mirror.detach()
        if self._uninstall is not None:
            self._uninstall()
        if self._log_handler is not None:
            detach_log_handler(self._log_handler)
        if self._persistence is not None:
            self._persistence.save(self.board.state())
            self._persistence.flush()
        self.pipeline.close()

    def wake(self) -> None:
        """Ask the feeder for a cycle now (the host saw a new pattern)."""
        self._wake.set()

    @property
    def snapshot(self) -> BoardSnapshot:
        """What the panel should show now."""
        return self.board.snapshot()

    # ------------------------------------------------------------------ the feeder

    def cycle(self) -> bool:
        """One round: host records in, patterns resolved, health read, board refreshed, state saved.

        Returns True when the snapshot changed. Never raises: a failure is counted and logged.
        A cycle already running in another thread makes this one a no-op.
        """
        return bool(self._exclusively(self._cycle, "feeder cycle"))

    def refresh_for_frame(self, max_age: float) -> None:
        """Called by ``display()`` before each frame; never waits for a lock.

        When the host has recorded a few new failures (a lock-free look at its counts) or signalled
        a new pattern, take them in here, so this very frame shows them; when it recorded many, or
        its lock is busy, wake the feeder instead. Events of our own aggregator (ERROR logs, or all
        failures when it replaced the host's) reach the board here too. When the feeder has not
        cycled for ``max_age`` seconds (stuck, or not started yet), cycle here: the panel never
        depends on it alone.
        """
        mirror = self._mirror
        if mirror is not None:
            news = mirror.news()
            if news or mirror.pending:
                if news > INLINE_INTAKE or not self._intake_now():
                    self._wake.set()
                return
        if self.clock.monotonic() - self.last_cycle >= max_age:
            self.cycle()
        elif self.pipeline.subscription.pending:  # recorded straight into ours (logs, "replace" mode)
            self.board.refresh()

    def _intake_now(self) -> bool:
        """Take in the host's new records without waiting for any lock; False when it could not."""
        return self._exclusively(lambda: self._intake(0.0), "intake") is not None

    def _exclusively(self, work: Callable[[], bool], what: str) -> bool | None:
        """``work()`` under the cycle lock if it is free; None when busy or failed (counted, logged)."""
        if not self._cycle_lock.acquire(blocking=False):
            return None
        try:
            return work()
        except Exception:
            self.failures += 1
            logger.exception("error-status: %s failed", what)
            return None
        finally:
            self._cycle_lock.release()

    def _cycle(self) -> bool:
        """The work of ``cycle`` (called with the cycle lock held)."""
        self.last_cycle = self.clock.monotonic()
        changed = self._intake(None)
        now = self.clock.monotonic()
        if now >= self._next_health:
            self._next_health = now + HEALTH_INTERVAL
            changed = self.board.set_health(read_host_health(self._plugin_manager)) or changed
        self._save()
        self.cycles += 1
        return changed

    def _save(self) -> None:
        """Stage the board's state for the cache when what it shows changed (or a write is due).

        Building and comparing the state four times a second would be work done for nothing: the
        board hands out a new snapshot object exactly when something visible changed.
        """
        persistence = self._persistence
        snapshot = self.board.snapshot()
        if persistence is None or (snapshot is self._saved_snapshot and not persistence.pending):
            return
        self._saved_snapshot = snapshot
        persistence.save(self.board.state())

    def _intake(self, lock_timeout: float | None) -> bool:
        """Mirror the host, let patterns age, refresh the board (called with the cycle lock held)."""
        if self._mirror is not None:
            self._mirror.poll(lock_timeout)
        return self.pipeline.cycle()

    def _run(self) -> None:
        """Cycle every poll interval, or at once when woken, until stopped."""
        while not self._stop.is_set():
            self._wake.wait(self._poll_interval)
            self._wake.clear()
            if not self._stop.is_set():
                self.cycle()

    # ------------------------------------------------------------------ host wiring

    def _attach_host(self) -> None:
        """Mirror the host's aggregator, or replace it (opt-in), as configured."""
        mode = self.key.aggregator.host_aggregator
        module = self._host_module() if mode != "off" else None
        host = getattr(module, "get_error_aggregator", None)
        if module is None or host is None:
            return
        try:
            instance = host()
        except Exception:
            logger.warning("error-status: the host's error aggregator is not available", exc_info=True)
            return
        if instance is self.aggregator:
            return
        self._mirror = HostMirror(instance, self.aggregator)
        self._mirror.attach(self.wake)
        if mode == "replace":
            self._uninstall = install_as_host_aggregator(module, self.aggregator, mirror=self._mirror)
            if self._uninstall is not None:
                self._mirror = None  # the host now records into ours

    def _restore(self) -> None:
        """Show what was active before the display service restarted."""
        assert self._persistence is not None
        state = self._persistence.load()
        if state:
            quiet = self.key.aggregator.quiet_period_minutes * 60.0
            self.board.restore(state, expire_after=quiet)


def _import_host_aggregator() -> ModuleType | None:
    """LEDMatrix's ``src.error_aggregator`` when running inside the host, else None."""
    try:
        return importlib.import_module("src.error_aggregator")
    except Exception:
        return None
