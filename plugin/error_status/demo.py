"""A synthetic but realistic error storm, through the real aggregator, board, renderer and a panel.

Several plugins fail at different rates: patterns are detected, escalate, de-escalate, resolve
and recur. Time is compressed (a 30 s window; 20 s of quiet resolves) so ninety seconds show
every transition, and it starts at once: amber within a second, orange by 5 s, red by 9 s. One
plugin fails the way the host's circuit breaker sees it (refused connections, then the circuit
opens and it is not called any more): its health says so. The schedule is deterministic: the same
seconds give the same frames.
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
THRESHOLD = 3  # failures in the window: 3 warn, 7 error, 10 critical
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


class HTTPError(OSError):
    """What requests raises for a 4xx/5xx response (its name is what the aggregator records)."""


def _key_rejected(n: int) -> BaseException:
    return HTTPError("401 Client Error: Unauthorized for url: https://api.openweathermap.org/data/2.5/"
                     f"weather?q=London&appid={'0d1e2f3a' * 4}")


def _key_error(n: int) -> BaseException:
    return KeyError(f"'homeTeam' missing in game {2025020000 + n % 40}")


def _rate_limit(n: int) -> BaseException:
    return HTTPError(f"429 Too Many Requests for https://query1.finance.yahoo.com/v8/finance/chart/"
                     f"AAPL?apikey=sk_live_{'x' * 24}, retry after {30 + n % 30}s")


def _refused(n: int) -> BaseException:
    return ConnectionError("HTTPSConnectionPool(host='statsapi.mlb.com', port=443): Max retries exceeded "
                           "with url: /api/v1/schedule?sportId=1 (Caused by NewConnectionError('<urllib3."
                           "connection.HTTPSConnection object at 0x7f9c8b2d10>: Failed to establish a new "
                           "connection: [Errno 111] Connection refused'))")


def _auth(n: int) -> BaseException:
    return PermissionError("Google Calendar token expired: Authorization: Bearer ya29.a0AfH6SMBx9example")


def _disk(n: int) -> BaseException:
    return OSError(28, "No space left on device", f"/var/cache/ledmatrix/news_{n % 5}.json")


STORM: tuple[Failure, ...] = (
    Failure("weather", 0.0, 1.0, 0.35, _key_rejected),        # amber at 0.7 s ...
    Failure("weather", 5.0, 40.0, 5.0, _key_rejected),       # ... orange at 20 s, back to amber, resolves
    Failure("weather", 62.0, 80.0, 3.0, _key_rejected),      # ... and recurs
    Failure("stocks", 1.0, 4.5, 0.5, _rate_limit),           # orange at 4 s ...
    Failure("stocks", 12.0, 85.0, 8.0, _rate_limit),         # ... and a steady trickle
    Failure("nhl-scoreboard", 3.0, 32.0, 0.6, _key_error, "display"),  # red at 8.4 s
    Failure("nhl-scoreboard", 32.0, 60.0, 6.0, _key_error, "display"),  # slows down: de-escalates
    Failure("mlb", 5.5, 8.0, 0.5, _refused),                 # refused five times: the circuit opens
    Failure("calendar", 20.0, 50.0, 4.0, _auth, logged=True),  # logged, not raised
    Failure("news", 70.0, 88.0, 1.5, _disk),                 # late, and critical
)
PLUGINS = ("calendar", "clock", "mlb", "news", "nhl-scoreboard", "spotify", "stocks", "weather")
CIRCUIT = {"mlb": ((8.0, 38.0, HealthState.FAILING, "circuit open"),
                   (38.0, 44.0, HealthState.DEGRADED, "recovering"))}


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
        self._t = 0.0

    def advance(self, t: float) -> None:
        """Record every failure scheduled up to ``t`` seconds (the schedule repeats every CYCLE)."""
        self._t = max(self._t, t)
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
        """What the host would report at the time last advanced to: spotify disabled, mlb's circuit
        breaker open after its refused connections (then half-open, then closed), the rest loaded."""
        at = self._t % CYCLE
        health = {pid: (HealthState.DISABLED if pid == "spotify" else HealthState.HEALTHY, "")
                  for pid in PLUGINS}
        for pid, spans in CIRCUIT.items():
            for start, stop, state, reason in spans:
                if start <= at < stop:
                    health[pid] = (state, reason)
        return health

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
    check_run(seconds, fps)
    manual = isinstance(clock, ManualClock)
    clock = clock or SYSTEM_CLOCK
    pipeline = Pipeline.build(pattern_threshold=THRESHOLD, pattern_window_minutes=WINDOW_MINUTES,
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


def check_run(seconds: float | None, fps: float) -> None:
    """ValueError unless ``seconds`` (when given) and ``fps`` are positive, finite numbers."""
    for name, value in (("seconds", seconds), ("fps", fps)):
        if value is None and name == "seconds":
            continue
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value < float("inf"):
            raise ValueError(f"{name} must be a positive number, got {value!r}")


def _sleep_until(deadline: float) -> None:
    """Sleep until the monotonic ``deadline`` (no drift: deadlines are absolute)."""
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)
