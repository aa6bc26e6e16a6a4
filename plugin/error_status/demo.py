"""A synthetic but realistic error storm, through the real aggregator, board, renderer and a panel.

Several plugins fail at different rates: patterns are detected, escalate, de-escalate, resolve
and recur. Time is compressed (a 30 s window; 20 s of quiet resolves) so ninety seconds show
every transition. The schedule is deterministic: the same seconds give the same frames.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from .aggregator import ErrorAggregator
from .board import AlertBoard
from .clock import SYSTEM_CLOCK, Clock, ManualClock
from .ledmatrix.logs import ErrorLogHandler
from .model import HealthState
from .panels import Panel
from .pipeline import Pipeline
from .render import Renderer
from .render.style import Style

CYCLE = 90.0  # seconds after which the storm repeats
WINDOW_MINUTES = 0.5  # compressed time: a 30 s window ...
QUIET_MINUTES = 1 / 3  # ... and 20 s of quiet resolve a pattern
REFRESH = 0.25  # seconds between board refreshes, as the plugin's feeder does


@dataclass(frozen=True)
class Failure:
    """One plugin failing every ``every`` seconds between ``start`` and ``stop`` (within a cycle)."""

    plugin: str
    start: float
    stop: float
    every: float
    make: Callable[[int], BaseException]
    operation: str = "update"
    logged: bool = False


def _timeout(n: int) -> BaseException:
    return TimeoutError(f"HTTPSConnectionPool(host='api.openweathermap.org', port=443): Read timed out. "
                        f"(read timeout={10 + n % 3})")


def _key_error(n: int) -> BaseException:
    return KeyError(f"'homeTeam' missing in game {2025020000 + n % 40}")


def _rate_limit(n: int) -> BaseException:
    return ConnectionError(f"429 Too Many Requests for https://query1.finance.yahoo.com/v8/finance/chart/"
                           f"AAPL?apikey=sk_live_{'x' * 24}, retry after {30 + n % 30}s")


def _auth(n: int) -> BaseException:
    return PermissionError("Google Calendar token expired: Authorization: Bearer ya29.a0AfH6SMBx9example")


def _disk(n: int) -> BaseException:
    return OSError(28, "No space left on device", f"/var/cache/ledmatrix/news_{n % 5}.json")


STORM: tuple[Failure, ...] = (
    Failure("weather", 2.0, 40.0, 4.0, _timeout),            # warning, escalates to error, resolves
    Failure("weather", 62.0, 80.0, 3.0, _timeout),           # ... and recurs
    Failure("nhl-scoreboard", 10.0, 32.0, 0.9, _key_error, "display"),  # escalates to critical
    Failure("nhl-scoreboard", 32.0, 60.0, 6.0, _key_error, "display"),  # slows down: de-escalates
    Failure("stocks", 5.0, 85.0, 12.0, _rate_limit),         # a steady warning
    Failure("calendar", 20.0, 50.0, 4.0, _auth, logged=True),  # logged, not raised
    Failure("news", 70.0, 88.0, 1.5, _disk),                 # late, and critical
)
PLUGINS = ("calendar", "clock", "news", "nhl-scoreboard", "spotify", "stocks", "weather")


def _fail(failure: Failure, n: int) -> BaseException:
    """Raise and catch the failure, so it carries a real traceback like a plugin's would."""
    try:
        raise failure.make(n)
    except BaseException as error:
        return error


class Storm:
    """Feeds the aggregator the failures due up to a time, and the board the plugins' health."""

    def __init__(self, aggregator: ErrorAggregator) -> None:
        self.aggregator = aggregator
        self.recorded = 0
        self._due = [f.start for f in STORM]
        self._counts = [0] * len(STORM)
        self._log = logging.getLogger("plugin.calendar.demo")
        self._log.propagate = False
        self._handler = ErrorLogHandler(aggregator)
        self._log.addHandler(self._handler)

    def advance(self, t: float) -> None:
        """Record every failure scheduled up to ``t`` seconds (the schedule repeats every CYCLE)."""
        for index, failure in enumerate(STORM):
            while self._due[index] <= t:
                cycle_time = self._due[index] % CYCLE
                if failure.start <= cycle_time < failure.stop:
                    self._record(failure, self._counts[index])
                    self._counts[index] += 1
                    self._due[index] += failure.every
                else:
                    cycles = int(self._due[index] // CYCLE) + (cycle_time >= failure.start)
                    self._due[index] = cycles * CYCLE + failure.start

    def health(self) -> dict[str, tuple[HealthState, str]]:
        """What the host would report: one disabled plugin, the others loaded."""
        return {pid: (HealthState.DISABLED if pid == "spotify" else HealthState.HEALTHY, "")
                for pid in PLUGINS}

    def close(self) -> None:
        """Detach the demo's log handler."""
        self._log.removeHandler(self._handler)

    def _record(self, failure: Failure, n: int) -> None:
        """One failure, as the host would see it: raised and recorded, or only logged."""
        error = _fail(failure, n)
        if failure.logged:
            self._log.error("calendar update failed: %s", error)
        else:
            self.aggregator.record_error(error, plugin_id=failure.plugin, operation=failure.operation)
        self.recorded += 1


def run(panel: Panel, seconds: float | None, fps: float = 25.0, style: Style | None = None,
        clock: Clock | None = None,
        observer: Callable[[ErrorAggregator, AlertBoard], object] | None = None) -> int:
    """Play the storm on ``panel`` for ``seconds`` (None: until interrupted); returns frames shown.

    With a ``ManualClock`` the frames are computed as fast as possible (recording to a file);
    otherwise the loop is paced by the monotonic clock, one frame every ``1 / fps`` seconds.
    ``observer`` is called after each board refresh (the metrics endpoint reads the storm there).
    """
    manual = isinstance(clock, ManualClock)
    clock = clock or SYSTEM_CLOCK
    pipeline = Pipeline.build(pattern_threshold=3, pattern_window_minutes=WINDOW_MINUTES,
                              quiet_period_minutes=QUIET_MINUTES, clock=clock)
    pipeline.aggregator.logger = logging.getLogger("error_status.demo")
    storm = Storm(pipeline.aggregator)
    renderer = Renderer(style)
    width, height = panel.size
    start = clock.monotonic()
    next_refresh = 0.0
    frames = 0
    try:
        while seconds is None or frames < seconds * fps:
            t = frames / fps
            if manual:
                assert isinstance(clock, ManualClock)
                clock.advance(max(0.0, start + t - clock.monotonic()))
            else:
                _sleep_until(start + t)
            storm.advance(t)
            if t >= next_refresh:
                next_refresh = t + REFRESH
                pipeline.cycle(storm.health())
                if observer is not None:
                    observer(pipeline.aggregator, pipeline.board)
            panel.show(renderer.render(pipeline.snapshot, width, height, t))
            frames += 1
    finally:
        storm.close()
        pipeline.close()
    return frames


def _sleep_until(deadline: float) -> None:
    """Sleep until the monotonic ``deadline`` (no drift: deadlines are absolute)."""
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)
