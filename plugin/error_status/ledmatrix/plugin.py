"""``ErrorStatusPlugin``: the LEDMatrix plugin that shows failing plugins on the panel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PIL import Image

from ..clock import SYSTEM_CLOCK, Clock
from ..model import BoardSnapshot
from ..panels.display_manager import DisplayManagerPanel
from ..render import Canvas, Renderer
from .base import host_base
from .config import ConfigError, PluginSettings, parse_settings
from .config_migration import migrate_saved_config
from .driver import Driver, DriverKey
from .failures import FailureLog
from .overlay import Mark, StatusOverlay, own_frame
from .overlay import attach as attach_overlay
from .overlay import detach as detach_overlay
from .registry import acquire, release

BasePlugin: Any = host_base()

TURN_GAP = 1.0  # seconds without a frame of ours: the next frame begins a new turn



class ErrorStatusPlugin(BasePlugin):  # type: ignore[misc]
    """A severity-coloured alert ticker and one health dot per plugin.

    The work (mirroring the host's aggregator, ERROR logs, pattern lifecycle, plugin health,
    saved state, drawing a new snapshot's scene) happens on one process-wide driver thread;
    ``display()`` only paints the latest snapshot, ``update()`` only nudges the driver,
    ``has_live_content()`` is O(1).
    """

    def __init__(self, plugin_id: str, config: dict[str, Any], display_manager: Any, cache_manager: Any,
                 plugin_manager: Any, *, service_options: dict[str, Any] | None = None) -> None:
        """The host's five keyword arguments; ``service_options`` (clock, host module, poll
        interval) are for tests and the demo, never passed by the host."""
        super().__init__(plugin_id=plugin_id, config=config, display_manager=display_manager,
                         cache_manager=cache_manager, plugin_manager=plugin_manager)
        self.settings, self._config_error = _settings(config)
        # The host picks the 8 ms cadence once per turn: ask for it even when the screen is still,
        # or an alert arriving mid-turn would scroll at one step per second until the turn ends.
        self.enable_scrolling = True
        self.needs_high_fps = True
        self._renderer = Renderer(self.settings.style)
        self._canvas: Canvas | None = None
        self._driver_options = dict(service_options or {})
        self._clock: Clock = self._driver_options.get("clock", SYSTEM_CLOCK)
        self._panel = DisplayManagerPanel(display_manager)
        self._driver: Driver | None = None
        self._overlay: StatusOverlay | None = None
        self._mark_token = object()  # who this instance is to the overlay
        self._unlisten: Callable[[], None] | None = None
        # LEDMatrix's web process loads plugins too (after an install, update or enable), with no
        # display manager: there is nothing to show there, so no driver, metrics or Alertmanager
        # poller runs in it; only the old setting names are renamed, before its form is saved.
        # A config that does not parse leaves it off too: the host refuses such an instance (its
        # validate_config() is False) and never cleans it up, so it must not have started anything.
        self.headless = display_manager is None
        self._mark_lock = threading.Lock()
        if self.headless:
            migrate_saved_config(plugin_manager, plugin_id)
        elif self._config_error:
            self.logger.error("error-status config: %s (nothing runs until it is fixed)", self._config_error)
        else:
            self._attach(acquire(self.settings, plugin_manager, cache_manager, **self._driver_options))
        self._t0: float | None = None
        self._cycle_start: float | None = None
        self._last_frame = -float("inf")
        self._failures = FailureLog(self.logger, "error-status could not draw")
        self._mark_overlay()

    # ------------------------------------------------------------------ host hooks

    def validate_config(self) -> bool:
        """The host's checks plus ours; a bad value is logged with the key it is under."""
        if self._config_error:
            return False  # (said in the log when the instance was made)
        return bool(super().validate_config())

    def update(self) -> None:
        """Nudge the feeder thread (the work is there, so this never holds the display lock long)."""
        if self._driver is not None:
            self._driver.wake()

    def display(self, force_clear: bool = False, display_mode: str | None = None) -> bool:
        """Draw the current frame; False when there is nothing to show. Never raises."""
        try:
            return self._display(force_clear)
        except Exception as error:
            self._failures.failed(error)
            driver = self._driver
            if driver is not None:  # our own failure is a failure like any other: on the board
                driver.aggregator.record_error(error, plugin_id=self.plugin_id, operation="display")
            return False

    @property
    def display_failures(self) -> int:
        """How many times ``display()`` failed."""
        return self._failures.count

    def has_live_content(self) -> bool:
        """True when an alert at or above the takeover severity should take the panel (with
        ``live_priority``): for one turn when it is new, recurs or escalates, and again after
        ``takeover_repeat_minutes``; the status mark shows it in between. O(1) per snapshot."""
        driver = self._driver
        if driver is None:
            return False
        settings = self.settings
        return driver.takeover.due(driver.snapshot, settings.takeover_severity,
                                   settings.takeover_repeat_minutes * 60.0, self._clock.monotonic())

    def supports_dynamic_duration(self) -> bool:
        """Stay on screen until every alert has scrolled past (configurable)."""
        return self.settings.dynamic_duration

    def get_dynamic_duration_cap(self) -> float | None:
        """The user's cap on one turn."""
        return self.settings.max_duration_seconds

    def is_cycle_complete(self) -> bool:
        """True once every active alert has scrolled past since the turn began."""
        driver = self._driver
        if driver is None or self._cycle_start is None:
            return True
        width, height = self._panel.size
        seconds = self._renderer.cycle_seconds(driver.snapshot, width, height)
        if self._clock.monotonic() - self._cycle_start < seconds:
            return False
        self._cycle_start = None
        return True

    def reset_cycle_state(self) -> None:
        """A new turn begins."""
        self._cycle_start = None

    def get_vegas_content(self) -> Image.Image | None:
        """The whole ticker as one image for LEDMatrix's Vegas scroll; None when nothing to show."""
        snapshot = self._snapshot()
        if snapshot is None or self._nothing_to_show(snapshot):
            return None
        width, height = self._panel.size
        return self._renderer.vegas_strip(snapshot, width, height)

    def get_vegas_content_type(self) -> str:
        """The ticker scrolls with Vegas."""
        return "multi"

    def on_config_change(self, new_config: dict[str, Any]) -> None:
        """Apply a new config (the host passes it without schema defaults; ours fill in)."""
        settings, error = _settings(new_config)
        if error:
            self.logger.error("error-status config change ignored: %s", error)
            return
        super().on_config_change(new_config)
        old_key = DriverKey.of(self.settings)
        self.settings = settings
        self._renderer = Renderer(settings.style)
        self._canvas = None
        self._config_error = ""
        driver = self._driver
        if not self.headless and (driver is None or DriverKey.of(settings) != old_key):
            if driver is not None:
                self._detach()
            self._attach(acquire(settings, self.plugin_manager, self.cache_manager, **self._driver_options))
        self._mark_overlay()

    def cleanup(self) -> None:
        """Detach from the shared driver (the last instance stops it and detaches from the host)
        and take the status mark off the frame path."""
        self._unmark_overlay()
        self._detach()
        cleanup = getattr(super(), "cleanup", None)
        if cleanup is not None:
            cleanup()

    # ------------------------------------------------------------------ drawing

    def _display(self, force_clear: bool) -> bool:
        """Render the snapshot and push it to the display manager."""
        snapshot = self._snapshot()
        if snapshot is None or self._nothing_to_show(snapshot):
            return False
        width, height = self._panel.size
        now = self._clock.monotonic()
        t0 = self._t0
        if t0 is None or force_clear or now - self._last_frame > TURN_GAP:
            t0 = self._t0 = now  # each turn starts with the worst alert at the left edge
        self._last_frame = now
        if self._cycle_start is None:
            self._cycle_start = now
        driver = self._driver
        if driver is not None:
            driver.takeover.serve(snapshot, now)  # on screen: what it shows has been seen
        if force_clear:
            self._panel.clear()
        target = self._panel.target()
        canvas = self._canvas
        if canvas is None or canvas.image is not target or canvas.size != (width, height):
            canvas = self._canvas = Canvas(target, (width, height))  # a new image: painted in full
        self._renderer.paint(canvas, snapshot, now - t0)
        with own_frame():
            self._panel.push()
        return True

    def _nothing_to_show(self, snapshot: BoardSnapshot) -> bool:
        """True when the turn is skipped: all is OK and the owner hid the ALL OK screen, or the
        board is snoozed and no critical alert shows."""
        return (snapshot.all_clear and not self.settings.show_all_clear) or (
            snapshot.snoozed and not snapshot.alerts)

    def prepare_scene(self, snapshot: BoardSnapshot) -> None:
        """Draw the scene of a new snapshot ahead, off the display thread (the driver calls this when
        the board hands out a new snapshot); frames show the newest prepared scene meanwhile."""
        width, height = self._panel.size
        self._renderer.prepare(snapshot, width, height)

    # ------------------------------------------------------------------ the status mark

    def _on_snapshot(self, snapshot: BoardSnapshot) -> None:
        """A new snapshot (or the display's schedule changed), on the driver thread: draw its
        scene ahead, and say which mark other plugins' frames carry now."""
        self.prepare_scene(snapshot)
        self._show_mark()

    def _show_mark(self) -> None:
        """The mark on other plugins' frames: the worst visible severity in its colour, in the
        chosen corner; none when nothing is shown or the display is scheduled off. Read from the
        latest snapshot under a lock, so a slower caller never publishes an older mark last."""
        with self._mark_lock:
            overlay, driver = self._overlay, self._driver
            if overlay is None:
                return
            mark = None
            severity = driver.snapshot.worst if driver is not None and driver.display_active else None
            if severity is not None:
                settings = self.settings
                mark = Mark(severity, settings.style.severity_colours[severity], settings.status_mark)
            overlay.show(self._mark_token, mark)

    def _mark_overlay(self) -> None:
        """Put the mark on the host's frame path (or take it off, when the setting says off, or
        nothing runs)."""
        if self.settings.status_mark == "off" or self._driver is None:
            self._unmark_overlay()
            return
        if self._overlay is None:
            self._overlay = attach_overlay(self.display_manager, self._mark_token, clock=self._clock)
        self._show_mark()

    def _unmark_overlay(self) -> None:
        overlay, self._overlay = self._overlay, None
        if overlay is not None:
            detach_overlay(overlay, self._mark_token)

    def _attach(self, driver: Driver) -> None:
        """Use ``driver``; it draws each new snapshot's scene ahead, on its own thread."""
        self._driver = driver
        self._unlisten = driver.add_listener(self._on_snapshot)

    def _detach(self) -> None:
        """Stop using the driver (the last user stops it)."""
        driver, self._driver = self._driver, None
        unlisten, self._unlisten = self._unlisten, None
        if unlisten is not None:
            unlisten()
        if driver is not None:
            release(driver)

    def _snapshot(self) -> BoardSnapshot | None:
        """The driver's current snapshot."""
        driver = self._driver
        return driver.snapshot if driver is not None else None


def _settings(config: Any) -> tuple[PluginSettings, str]:
    """Parsed settings and "" — or the defaults and the reason the config was refused."""
    try:
        return parse_settings(config), ""
    except ConfigError as error:
        return PluginSettings(), str(error)
