"""The driver: the one thread that runs the pipeline inside LEDMatrix (the host's records in, our
patterns aged, plugin health read, the board moved, the state saved), shared by every instance of
the plugin in a process. ``display()`` only reads the latest snapshot it published."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ..clock import SYSTEM_CLOCK, Clock
from ..fleet import FleetService
from ..fleet.settings import FleetSettings
from ..model import BoardSnapshot, HealthReport, Severity
from ..pipeline import Pipeline
from ..version import __version__
from .attribution import DisplayFailures
from .config import AggregatorSettings, PluginSettings
from .config_migration import migrate_saved_config
from .health import read_host_health, worst
from .host import HostLink, import_host_aggregator
from .logs import ErrorLogHandler, attach_log_handler, detach_log_handler
from .persistence import StatePersistence
from .schedule import display_active
from .staleness import UpdateWatch
from .takeover import TakeoverLedger
from .web import WebLink

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.25
HEALTH_INTERVAL = 1.0
STATE_KEY = "error-status:state"
SELF_ID = "error-status"

SnapshotListener = Callable[[BoardSnapshot], object]


@dataclass(frozen=True)
class DriverKey:
    """Settings that make a different driver (everything else is per plugin instance)."""

    aggregator: AggregatorSettings
    min_severity: int
    alert_ttl_minutes: float
    fleet: FleetSettings = field(default_factory=FleetSettings)

    @classmethod
    def of(cls, settings: PluginSettings) -> DriverKey:
        """The key for a plugin's settings."""
        return cls(settings.aggregator, int(settings.min_severity), settings.alert_ttl_minutes,
                   settings.fleet)


class Driver:
    """Runs the pipeline on one daemon thread, every ``poll_interval`` seconds and at once when
    woken: by the host's pattern callback, or when our own aggregator queues events (ERROR logs,
    or everything in "replace" mode). Woken that way, a new pattern reaches the next frame.
    """

    def __init__(self, key: DriverKey, *, clock: Clock = SYSTEM_CLOCK,
                 host_module: Callable[[], ModuleType | None] | None = None,
                 poll_interval: float = POLL_INTERVAL, self_id: str = SELF_ID) -> None:
        settings = key.aggregator
        self.key = key
        self.clock = clock
        self._wake = threading.Event()
        self.pipeline = Pipeline.build(
            pattern_threshold=settings.pattern_threshold,
            pattern_window_minutes=settings.pattern_window_minutes,
            quiet_period_minutes=settings.quiet_period_minutes, min_severity=Severity(key.min_severity),
            alert_ttl=key.alert_ttl_minutes * 60.0 if key.alert_ttl_minutes else None,
            self_id=self_id, clock=clock, on_ready=self._wake.set)
        self.aggregator = self.pipeline.aggregator
        self.board = self.pipeline.board
        self._host = HostLink(settings.host_aggregator, self.aggregator,
                              host_module or import_host_aggregator)
        self._self_id = self_id
        self._fleet = FleetService(key.fleet, version=__version__, clock=clock, limits=self.aggregator.limits)
        self._web: WebLink | None = None
        self._poll_interval = poll_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._starting = False
        self._started = threading.Event()
        self._log_handler: ErrorLogHandler | None = None
        self._persistence: StatePersistence | None = None
        self._plugin_manager: object = None
        self._next_health = -float("inf")
        self._updates = UpdateWatch()
        self._cycle_lock = threading.Lock()
        self._listeners: tuple[SnapshotListener, ...] = ()
        self._published: BoardSnapshot | None = None
        self._saved_snapshot: BoardSnapshot | None = None
        self.takeover = TakeoverLedger()  # what the panel's own turns showed (shared: one panel)
        self._saved_takeover = self.takeover.version
        self._cache_manager: object = None
        self.display_active = True  # False while the host's schedule has the display off
        self.cycles = 0
        self.failures = 0
        self.registry_key: Any = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, plugin_manager: object, cache_manager: object) -> None:
        """Attach to the host (once) and start the driver thread.

        Only the decision to start is taken under the lock: attaching calls the host (its
        aggregator, its cache), which must not run under a lock of ours.
        """
        with self._lock:
            if self._starting:
                self._plugin_manager = plugin_manager or self._plugin_manager
                return
            self._starting = True
            self._plugin_manager = plugin_manager
            self._cache_manager = cache_manager
        try:
            self._host.attach(self.wake)
            if self.key.aggregator.capture_error_logs:
                self._log_handler = attach_log_handler(self.aggregator,
                                                       attribute=DisplayFailures(plugin_manager))
            migrate_saved_config(plugin_manager, self._self_id)
            applied: list[str] = []
            if cache_manager is not None:
                self._persistence = StatePersistence(cache_manager, STATE_KEY, clock=self.clock)
                applied = self._restore()
                self._web = WebLink(cache_manager, self.board, self.aggregator, self.clock, self._self_id,
                                    applied)
            self._fleet.start()
            self.cycle()
            thread = threading.Thread(target=self._run, name="error-status:driver", daemon=True)
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
        self._host.detach()
        self._fleet.stop()
        if self._log_handler is not None:
            detach_log_handler(self._log_handler)
        if self._persistence is not None:
            self._persistence.save(self._state())
            self._persistence.flush()
        self.pipeline.close()

    def wake(self) -> None:
        """Ask for a cycle now (only sets a flag: called from the host's and our recording threads)."""
        self._wake.set()

    def add_listener(self, listener: SnapshotListener) -> Callable[[], None]:
        """Call ``listener(snapshot)`` on the driver thread whenever a new snapshot is published
        (e.g. to draw it ahead of the display thread); returns a function that removes it."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

        def remove() -> None:
            with self._lock:
                self._listeners = tuple(item for item in self._listeners if item is not listener)
        return remove

    @property
    def snapshot(self) -> BoardSnapshot:
        """What the panel should show now (an immutable object; reading it takes no lock)."""
        return self.board.snapshot()

    # ------------------------------------------------------------------ the cycle

    def cycle(self, *, block: bool = False) -> bool:
        """One round: host records in, patterns aged, health read, board moved, state saved.

        Returns True when the snapshot changed. Never raises: a failure is counted and logged.
        A cycle already running in another thread makes this one a no-op, unless ``block``: then
        it waits for that one (at most a second) and runs its own.
        """
        lock = self._cycle_lock
        if not (lock.acquire(timeout=1.0) if block else lock.acquire(blocking=False)):
            return False
        try:
            return self._cycle()
        except Exception:
            self.failures += 1
            logger.exception("error-status: driver cycle failed")
            return False
        finally:
            self._cycle_lock.release()

    def _cycle(self) -> bool:
        """The work of ``cycle`` (called with the cycle lock held)."""
        self._host.poll()
        now = self.clock.monotonic()
        health, requests = None, False
        if now >= self._next_health:
            self._next_health = now + HEALTH_INTERVAL
            health = self._read_health(now)
            active = display_active(self._cache_manager)
            if active != self.display_active:
                self.display_active = active
                self._published = None  # the listeners hear of it (the status mark goes or comes)
            requests = self._web.take_requests() if self._web is not None else False
        changed = self.pipeline.cycle(health)
        self._fleet.cycle(self.board, self.aggregator)
        self.cycles += 1
        snapshot = self.board.snapshot()
        if snapshot is not self._published:
            self._published = snapshot
            self._notify(snapshot)
        if self._web is not None and (health is not None or requests):
            self._web.publish(snapshot, now_too=requests)
        self._save(snapshot, force=requests)
        return changed

    def _read_health(self, now: float) -> dict[str, HealthReport]:
        """The host's report per plugin, with the plugins that stopped updating."""
        health = read_host_health(self._plugin_manager)
        for pid, stale in self._updates.check(self._plugin_manager, now).items():
            health[pid] = worst([health[pid], stale]) if pid in health else stale
        return health

    def _notify(self, snapshot: BoardSnapshot) -> None:
        """Tell the listeners about a new snapshot (their failures are counted, never raised)."""
        for listener in self._listeners:
            try:
                listener(snapshot)
            except Exception:
                self.failures += 1
                logger.exception("error-status: a snapshot listener failed")

    def _save(self, snapshot: BoardSnapshot, force: bool = False) -> None:
        """Stage the state for the cache when what the board shows changed (or a write is due, or
        a web request was applied)."""
        persistence = self._persistence
        if persistence is None:
            return
        served = self.takeover.version
        unchanged = snapshot is self._saved_snapshot and served == self._saved_takeover
        if unchanged and not persistence.pending and not force:
            return
        self._saved_snapshot, self._saved_takeover = snapshot, served
        persistence.save(self._state())

    def _state(self) -> dict[str, object]:
        """What is saved: the board's state, what the takeovers showed, the web requests applied."""
        state: dict[str, object] = self.board.state()
        state["takeover"] = self.takeover.state(self.clock.monotonic(), self.clock.wall())
        if self._web is not None:
            state["requests"] = self._web.inbox.applied
        return state

    def _run(self) -> None:
        """Cycle every poll interval, or at once when woken, until stopped."""
        while not self._stop.is_set():
            self._wake.wait(self._poll_interval)
            self._wake.clear()
            if not self._stop.is_set():
                self.cycle()

    def _restore(self) -> list[str]:
        """Show what was active before the display service restarted; the web requests it had
        applied already."""
        assert self._persistence is not None
        state = self._persistence.load()
        if not state:
            return []
        self.board.restore(state, expire_after=self.key.aggregator.quiet_period_minutes * 60.0)
        self.takeover.restore(state.get("takeover"), self.clock.monotonic(), self.clock.wall())
        return list(state.get("requests") or ())
