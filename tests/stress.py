"""Runs shared by the reliability tests and ``benchmarks/reliability.py``: processes killed while
writing, recording load beside the renderer, memory over time. A helper module (no tests here)."""

from __future__ import annotations

import gc
import json
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from error_status.aggregator import ErrorAggregator, export
from error_status.aggregator.limits import Limits
from error_status.board import AlertBoard
from error_status.clock import ManualClock
from error_status.ledmatrix.logs import is_own_logger
from error_status.render import Renderer

FPS = 125.0  # LEDMatrix's high-FPS cadence (8 ms a frame)

# ---------------------------------------------------------------------- killed while writing

# The two versions a killed writer alternates between; the file must always be one of them.
_PAYLOADS = '''
def _payload(generation, size):
    return {"generation": generation, "records": [{"n": n, "text": generation * 40} for n in range(size)]}
PAYLOADS = [_payload("old", 1500), _payload("new", 2500)]
'''

# The writer loads export.py by path (stdlib only), so it starts in ~20 ms.
_WRITER = '''
import importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("export_alone", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
exec(sys.argv[3])
target = Path(sys.argv[2])
n = 0
while True:
    module.write_json_atomic(target, PAYLOADS[n % 2])
    n += 1
    if n == 2:
        print("ready", flush=True)
'''


def payloads() -> list[Any]:
    """The old and the new version of the file."""
    namespace: dict[str, Any] = {}
    exec(_PAYLOADS, namespace)
    return list(namespace["PAYLOADS"])


@dataclass
class KillReport:
    """What SIGKILL at random points of ``write_json_atomic`` left behind."""

    trials: int = 0
    intact: int = 0
    broken: list[str] = field(default_factory=list)
    temp_files_left: int = 0


def kill_during_writes(directory: Path, trials: int, seed: int = 1, max_delay: float = 0.015) -> KillReport:
    """Start a writer that rewrites one file in a loop, SIGKILL it after a random delay, check the
    file; ``trials`` times. A file that is neither the old nor the new version is reported broken."""
    rng = random.Random(seed)
    expected = [json.dumps(p, sort_keys=True) for p in payloads()]
    target = directory / f"errors_killed{export.EXPORT_SUFFIX}"  # named as our exports are
    report = KillReport()
    for trial in range(trials):
        child = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _WRITER, export.__file__, str(target), _PAYLOADS],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert child.stdout is not None
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("the writer did not start")
            time.sleep(rng.uniform(0.0, max_delay))
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
            if child.stdout is not None:
                child.stdout.close()
        report.trials += 1
        try:
            found = json.dumps(json.loads(target.read_text("utf-8")), sort_keys=True)
        except (OSError, ValueError) as error:
            report.broken.append(f"trial {trial}: {type(error).__name__}: {error}")
            continue
        if found in expected:
            report.intact += 1
        else:
            report.broken.append(f"trial {trial}: a third version ({len(found)} characters)")
    report.temp_files_left = sum(1 for p in directory.iterdir() if p.name.endswith(".tmp"))
    return report


# ---------------------------------------------------------------------- load beside the renderer


@dataclass
class LoadReport:
    """Frame times with and without the recording load, and what was counted."""

    windows_off: list[list[float]]
    windows_on: list[list[float]]
    redraws: list[float]
    recorded: int
    counted: int
    by_plugin_expected: dict[str, int]
    by_plugin_counted: dict[str, int]
    on_seconds: float
    frames: int
    events_dropped: int
    summaries: int
    alerts_shown: set[str]
    record_seconds: list[float]

    @property
    def p99_off(self) -> list[float]:
        """p99 frame time of each window without the load."""
        return [_p99(times) for times in self.windows_off]

    @property
    def p99_on(self) -> list[float]:
        """p99 frame time of each window with the load."""
        return [_p99(times) for times in self.windows_on]

    @property
    def lost(self) -> int:
        """Occurrences recorded but not counted."""
        return self.recorded - self.counted

    @property
    def ratio(self) -> float:
        """p99 frame time with the load over p99 without it: the median over the pairs of windows
        (each pair ran back to back, so a change of the machine's other load affects both)."""
        return statistics.median(on / off for on, off in zip(self.p99_on, self.p99_off, strict=True))

    @property
    def record_p99(self) -> float:
        """p99 of the time one ``record_error`` call took (GIL waits included)."""
        return _p99(self.record_seconds) if self.record_seconds else 0.0

    @property
    def rate(self) -> float:
        """Records per second sustained while the load was on."""
        return self.recorded / self.on_seconds if self.on_seconds else 0.0


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.99 * (len(ordered) - 1))]


def run_load(rate: float, *, recorders: int = 8, readers: int = 2, pairs: int = 20,
             window: int = 30, size: tuple[int, int] = (128, 32), warmup: float = 0.5) -> LoadReport:
    """The plugin draws at 125 frames/s (``display()`` into the host's display manager, its feeder
    service cycling every 0.25 s) while ``recorders`` threads record ``rate`` errors/s in total into
    its aggregator (paced; raised and caught, as real callers do) and ``readers`` threads read
    summaries and plugin health every 100 ms.

    The load is switched on and off in windows of ``window`` frames, interleaved (off-on, on-off,
    ...) for ``pairs`` pairs, so that both see the same machine; each window gives one p99 of the
    frame time (``display()``, start to end). Frames that redraw the scene because the board changed
    (at most one per feeder cycle, only while errors arrive) are set apart in ``redraws``: the
    comparison is between like frames.
    """
    from hostdoubles import FakeCacheManager, FakeDisplayManager, FakePluginManager

    from error_status import ErrorStatusPlugin

    display = FakeDisplayManager(*size)
    display.pushed = deque(maxlen=2)  # type: ignore[assignment]
    plugin = ErrorStatusPlugin("error-status", {"pattern_threshold": 5}, display, FakeCacheManager(),
                               FakePluginManager(), service_options={"host_module": lambda: None})
    service = plugin._driver
    assert service is not None
    aggregator = service.aggregator
    on, stop = threading.Event(), threading.Event()
    made: list[Counter[str]] = [Counter() for _ in range(recorders)]
    took: list[list[float]] = [[] for _ in range(recorders)]
    summaries = [0]

    def record(index: int) -> None:
        interval, plugin_id = recorders / rate, f"plugin-{index % 8}"
        due = time.perf_counter()
        while not stop.is_set():
            if on.is_set():  # (off: the same wake-ups, no work, so the CPU idles the same way)
                try:
                    raise TimeoutError(f"read timed out after {made[index][plugin_id] % 10}s on "
                                       f"https://api.x/{index}")
                except TimeoutError as error:
                    began = time.perf_counter()
                    aggregator.record_error(error, plugin_id=plugin_id, operation="update")
                    took[index].append(time.perf_counter() - began)
                made[index][plugin_id] += 1
            due += interval
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.1:  # fell behind (the machine is saturated): do not burst to catch up
                due = time.perf_counter()

    def read() -> None:
        while not stop.wait(0.1):
            if on.is_set():
                aggregator.get_error_summary()
                aggregator.get_plugin_health("plugin-1")
                summaries[0] += 1

    threads = [threading.Thread(target=record, args=(i,), daemon=True) for i in range(recorders)]
    threads += [threading.Thread(target=read, daemon=True) for _ in range(readers)]
    for thread in threads:
        thread.start()
    windows: dict[bool, list[list[float]]] = {False: [], True: []}
    redraws: list[float] = []
    on_seconds, frames, period = 0.0, 0, 1.0 / FPS
    try:
        on.set()  # warm up: every plugin fails, the board shows them all
        time.sleep(warmup)
        on_seconds += warmup
        plugin.display(force_clear=True)
        shown = service.snapshot
        due = time.perf_counter()
        for pair in range(pairs):
            for loaded in (False, True) if pair % 2 == 0 else (True, False):
                (on.set if loaded else on.clear)()
                window_start, times = time.perf_counter(), []
                for frame in range(window + 3):  # the first frames of a window settle the switch
                    snapshot = service.snapshot
                    began = time.perf_counter()
                    plugin.display()
                    elapsed = time.perf_counter() - began
                    if snapshot is not shown:
                        shown = snapshot
                        redraws.append(elapsed)
                    elif frame >= 3:
                        times.append(elapsed)
                    frames += 1
                    due += period
                    delay = due - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    else:
                        due = time.perf_counter()
                if loaded:
                    on_seconds += time.perf_counter() - window_start
                windows[loaded].append(times)
    finally:
        on.clear()
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    expected: Counter[str] = sum(made, Counter())
    summary = aggregator.get_error_summary()
    service.cycle()
    report = LoadReport(
        windows_off=windows[False], windows_on=windows[True], redraws=redraws,
        recorded=sum(expected.values()),
        counted=sum(summary["error_counts_by_type"].values()), by_plugin_expected=dict(expected),
        by_plugin_counted={p: sum(t.values()) for p, t in summary["plugin_error_counts"].items()},
        on_seconds=on_seconds, frames=frames, events_dropped=aggregator.stats()["events_dropped"],
        summaries=summaries[0],
        alerts_shown={a.plugin_id for a in service.snapshot.alerts if a.plugin_id is not None},
        record_seconds=[t for times in took for t in times])
    plugin.cleanup()
    return report


# ---------------------------------------------------------------------- memory over time


def memory_checkpoints(checkpoints: int = 3, per_checkpoint: int = 3000, warmup: int = 5000) -> list[int]:
    """Bytes traced (tracemalloc) at checkpoints ``per_checkpoint`` records apart, after a warm-up.

    Every bounded collection is filled and turned over before the first checkpoint: more distinct
    messages than the message cache holds (4096), more plugins, error types and patterns than the
    limits allow (small limits here, so that they fill within the warm-up; the excess folds into
    "(other)" or evicts), a full pattern window of buckets (the clock moves 0.05 s a record through
    a 1-minute window), the board and the renderer following along. The monotonic clock starts high
    so that window bucket indices are never small cached ints.
    """
    clock = ManualClock(monotonic=5_000_000.0)
    limits = Limits(max_patterns=48, max_plugins=16, max_error_types=8)
    aggregator = ErrorAggregator(max_records=500, pattern_threshold=5, pattern_window_minutes=1,
                                 limits=limits, clock=clock)
    board = AlertBoard(clock=clock)
    board.follow(aggregator.subscribe(name="board"))
    renderer = Renderer()
    kinds = [type(f"Error{n}", (Exception,), {}) for n in range(12)]
    count = 0

    def run(records: int) -> None:
        nonlocal count
        for _ in range(records):
            n = count
            count += 1
            try:
                raise kinds[n % 12](f"failure {n} at https://api.example.com/v1/{n % 977}?q={n}")
            except Exception as error:
                aggregator.record_error(error, plugin_id=f"plugin-{n % 23}", operation="update",
                                        context={"attempt": n, "url": f"https://u:p{n}@h/x"})
            clock.advance(0.05)
            if n % 250 == 0:
                aggregator.get_error_summary()
                aggregator.get_plugin_health(f"plugin-{n % 23}")
                board.refresh()
                renderer.render(board.snapshot(), 128, 32, n / FPS)

    run(warmup)
    tracemalloc.start()
    try:
        run(warmup)  # what was allocated before tracing started is replaced once more
        marks = []
        for _ in range(checkpoints):
            run(per_checkpoint)
            gc.collect()
            marks.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
        aggregator.close()
    return marks


def environment() -> str:
    """One line about the machine, for reports."""
    return f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"


# ---------------------------------------------------------------------- where a credential could go


def _raised_with_cause(text: str) -> BaseException:
    """A raised exception carrying ``text``, caused by another that carries it too."""
    try:
        try:
            raise ConnectionError(f"underlying: {text}")
        except ConnectionError as cause:
            raise RuntimeError(text) from cause
    except RuntimeError as error:
        return error


class _Collect(logging.Handler):
    """Keeps the formatted records of this package's own loggers."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if is_own_logger(record.name):
            self.lines.append(self.format(record))


@dataclass
class Exposure:
    """Every place a credential could end up, as text, after it went in every way it can."""

    places: dict[str, str]
    recorded: int
    alerts: int

    def of(self, secret: str) -> list[str]:
        """The places where ``secret`` can be read."""
        return [name for name, text in self.places.items() if secret in text]


def exposure(text: str, context: dict[str, Any], directory: Path) -> Exposure:
    """Put ``text`` (and ``context``) through every entry point: ``record_error`` with a raised,
    chained exception and with a plain string and a fingerprint, ``ingest`` with a stack trace, a
    plugin's ERROR log with and without an exception (through the log handler); a subscriber that
    fails with the pattern's text. Then read back every record (message, context, stack trace),
    the summary, the active patterns, an export file, this package's log output, the board
    snapshot and the ticker and header text at every panel size."""
    from error_status.board import AlertBoard
    from error_status.ledmatrix.logs import attach_log_handler, detach_log_handler
    from error_status.render.examples import GOLDEN_SIZES
    from error_status.render.fonts import load_font
    from error_status.render.layout import plan
    from error_status.render.text import panel_safe
    from error_status.render.ticker import ticker_text

    clock = ManualClock()
    aggregator = ErrorAggregator(pattern_threshold=1, clock=clock)
    board = AlertBoard(clock=clock)
    board.follow(aggregator.subscribe(name="board"))
    aggregator.subscribe(lambda event: (_ for _ in ()).throw(RuntimeError(event.pattern.sample_messages)))
    collect, root = _Collect(), logging.getLogger()
    level, root.level = root.level, logging.DEBUG
    root.addHandler(collect)
    handler = attach_log_handler(aggregator, logging.getLogger("plugin"))
    try:
        records = [
            aggregator.record_error(_raised_with_cause(text), context={"detail": text, **context},
                                    plugin_id="weather", operation="update"),
            aggregator.record_error(text, plugin_id="news", fingerprint=text),
            aggregator.ingest("HostError", text, plugin_id="host", context={"url": text},
                              stack_trace=f"Traceback (most recent call last):\nValueError: {text}\n"),
        ]
        log = logging.getLogger("plugin.stocks")  # (its own log line is the plugin's business, not ours)
        log.error("fetch failed: %s", text)
        try:
            raise OSError(text)
        except OSError:
            log.exception("fetch failed again: %s", text)
        records += [r for r in aggregator._records if r.plugin_id == "stocks"]  # by the log handler
        deadline = time.monotonic() + 2
        while sum("subscriber" in line for line in collect.lines) < 4 and time.monotonic() < deadline:
            time.sleep(0.005)  # the failing subscriber runs on its own thread
        target = directory / "export.json"
        aggregator.export_to_file(target)
        places: dict[str, str] = {}
        for n, record in enumerate(records):
            places[f"record {n} message"] = record.message
            places[f"record {n} context"] = json.dumps(record.context, ensure_ascii=False)
            places[f"record {n} stack trace"] = record.stack_trace or ""
            places[f"record {n} to_dict"] = json.dumps(record.to_dict(), ensure_ascii=False)
        places["summary"] = json.dumps(aggregator.get_error_summary(), ensure_ascii=False, default=str)
        places["active patterns"] = repr(aggregator.active_patterns())
        places["export file"] = target.read_text("utf-8")
        board.refresh()
        snapshot = board.snapshot()
        places["board snapshot"] = repr(snapshot)
        for width, height in GOLDEN_SIZES:
            font = load_font(plan(width, height).ticker.font)
            for alert in snapshot.alerts:
                places[f"ticker {width}x{height} {alert.key}"] = ticker_text(alert, font)
                places[f"header {width}x{height} {alert.key}"] = panel_safe(alert.source, font, 40)
        places["the aggregator's log output"] = "\n".join(collect.lines)
        return Exposure(places, len(records), len(snapshot.alerts))
    finally:
        detach_log_handler(handler)
        root.removeHandler(collect)
        root.level = level
        aggregator.close()


# ---------------------------------------------------------------------- the wall clock stepped

YEAR = 365 * 24 * 3600.0


def wall_clock_trial(steps: tuple[float, ...] = (YEAR, -2 * YEAR, YEAR, -YEAR)) -> list[str]:
    """Step the wall clock by each of ``steps`` (a second of monotonic time apart) while a pattern
    is active, another is one occurrence short of its threshold, the board shows both an alert and
    one restored from a saved state, and the saved state is rate-limited. Returns what went wrong:
    anything that fired, resolved, expired, was cleared or written because of a step."""
    from hostdoubles import FakeCacheManager

    from error_status.aggregator.events import EventKind
    from error_status.ledmatrix.persistence import StatePersistence

    problems: list[str] = []
    clock = ManualClock()
    aggregator = ErrorAggregator(pattern_threshold=3, quiet_period_minutes=5, clock=clock)
    events = aggregator.subscribe(name="audit")
    board = AlertBoard(clock=clock, alert_ttl=60.0)
    board.follow(aggregator.subscribe(name="board"))
    saved = {"key": "restored", "severity": "error", "error_type": "HTTPError", "plugin_id": "stocks",
             "count": 3, "first_seen": 0.0, "last_seen": 0.0}
    board.restore({"patterns": [saved]}, expire_after=120.0)
    persistence = StatePersistence(FakeCacheManager(now=clock.wall), min_interval=10.0, clock=clock)
    persistence.save({"version": 1, "patterns": [], "plugins": {}})
    for _ in range(3):
        aggregator.record_error(TimeoutError("t"), plugin_id="active")
    for _ in range(2):
        aggregator.record_error(KeyError("k"), plugin_id="pending")
    if [(e.kind, e.pattern.plugin_id) for e in events.drain()] != [(EventKind.DETECTED, "active")]:
        problems.append("the set-up did not detect exactly one pattern")
    board.refresh()
    for step in steps:
        clock.step_wall(step)
        clock.advance(1.0)
        aggregator.tick()
        aggregator.get_error_summary()
        where = f"after a step of {step / YEAR:+g} year"
        if aggregator.get_plugin_health("active")["status"] != "unhealthy":
            problems.append(f"{where}: the active plugin's health changed")
        if aggregator.clear_old_records(24):
            problems.append(f"{where}: records were cleared as old")
        problems += [f"{where}: {e.kind.value} {e.pattern.plugin_id}" for e in events.drain()]
        board.refresh()
        shown = {a.key for a in board.snapshot().alerts}
        if shown != {"restored", *(p.key for p in aggregator.active_patterns())}:
            problems.append(f"{where}: the board changed")
        if persistence.save({"version": 1, "patterns": [saved], "plugins": {}}):
            problems.append(f"{where}: the saved state was written before its interval")
        if persistence.load() is None:
            problems.append(f"{where}: the saved state could not be read back")
    aggregator.record_error(KeyError("k"), plugin_id="pending")  # the third occurrence, as counted
    if [(e.kind, e.pattern.plugin_id) for e in events.drain()] != [(EventKind.DETECTED, "pending")]:
        problems.append("the third occurrence did not detect its pattern")
    clock.advance(60.0 * len(steps))  # monotonic time still ends what it should
    board.refresh()
    if "restored" in {a.key for a in board.snapshot().alerts}:
        problems.append("the restored alert did not expire on monotonic time")
    if not persistence.save({"version": 1, "patterns": [saved], "plugins": {}}):
        problems.append("the held-back state was not written after its interval")
    aggregator.close()
    return problems
