"""error-status inside the real LEDMatrix host: frame cost, alert latency and mirror-poll cost.

Usage:
    <host venv>/bin/python benchmarks/bench_host.py --host /path/to/LEDMatrix [--frames N] [--runs R]
                                                   [--rounds K] [--polls P]
    (without --host, the LEDMATRIX environment variable names the host checkout)

Runs in one process against the host's own code (nothing of the host is copied here): the host root
and this repo's ``plugin/`` go on ``sys.path``, ``EMULATOR=true`` is set, and the process works in
a private temporary directory holding a raw-adapter ``emulator_config.json`` and a symlink to
``<host>/assets`` (RGBMatrixEmulator and the host's fonts are CWD-relative), so nothing is written
to the caller's CWD. ``sys.path``, the CWD and ``EMULATOR`` are restored at the end.

1. Steady-state frame cost on one real ``DisplayManager`` (emulator, raw adapter, constructed once:
   it is a singleton that re-initialises on every construction). 128x32 is the panel; 64x32 is
   obtained on the same manager through the host's own ``render_size()`` (Vegas uses it), which
   narrows ``matrix.width`` and the image; the emulator then still renders its full 128-wide
   canvas per push, so at 64x32 the push part is that of 128x32 for both sides.
   - ours: ``ErrorStatusPlugin.display(force_clear=False)`` with three active alerts restored from
     the saved-state cache key (``test/mock_data.json``), scroll_speed 500 px/s;
   - host: ``ScrollHelper`` with a strip as long as ours, per frame ``update_scroll_position()``,
     ``get_visible_portion()``, then ``dm.image.paste(visible)`` (or ``dm.image = visible``, the
     host's own callers' way) and ``dm.update_display()``.
   Each frame's scroll position is moved on by one pixel (1/500 s taken off each side's time
   origin) so every frame differs and is really pushed; the pushes are counted at the raw adapter.
   A second table shows the same paths when the frame does not change (dirty-tracking skip).
2. Latency with the plugin on screen (``display()`` then ``sleep(0.008)`` in the main thread, as
   the host's high-FPS loop does) while a thread plays the host's PluginExecutor and calls
   ``src.error_aggregator.record_error(exc, plugin_id="weather", operation="execute")`` with a real
   ``requests`` ConnectionError (captured once, raised and caught again for every record):
   (a) record completing a new pattern (pattern_threshold 3) -> first frame whose header band
   shows the warning colour; (b) record making it an error (7th) -> first frame with the error
   colour; (c) record making it critical (10th) -> ``has_live_content()`` first True;
   (a') as (a) with pattern_threshold 5 and a new exception type per round, so that the host's
   own detection fires ``on_pattern_detected`` on the trigger record;
   (d) frame intervals of that loop while bursts of 10 failures are recorded, with the plugin
   mirroring the host and with ``host_aggregator: off`` (the host's own cost only).
   Each round uses a fresh plugin instance (so a fresh feeder) and an empty cache; the trigger
   record comes at a random moment relative to the feeder's 0.25 s poll.
3. Cost of one mirror poll (``HostMirror.poll()``) and one feeder cycle (``driver.cycle()``)
   against a host aggregator holding 1,000 records and 100,000 cumulative counts (30 plugins x
   5 types), idle and with 10 new records (short stack traces, or the requests one), next to a
   nearly empty host aggregator.

The host's DisplayManager also writes led_matrix_hw_status.json and led_matrix_preview.png in the
system temp directory, as it does in service.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MOCK_DATA = REPO / "test" / "mock_data.json"
STATE_KEY = "error-status:state"
SPEED = 500.0  # px/s, the plugin's maximum; ScrollHelper is set to the same
STEP = 1.0 / SPEED  # seconds taken off each side's time origin per frame: one pixel
FRAME_INTERVAL = 0.008  # the host's high-FPS loop sleeps this long after each display()
PLUGIN_CONFIG: dict[str, Any] = {
    "enabled": True,
    "display_duration": 15,
    "scroll_speed": SPEED,
    "pattern_threshold": 3,
    "live_priority": True,
    "takeover_severity": "critical",
}
EMULATOR_CONFIG: dict[str, Any] = {
    "pixel_outline": 0, "pixel_size": 1, "pixel_style": "square", "pixel_glow": 0,
    "display_adapter": "raw", "allow_adapter_fallback": False, "icon_path": None,
    "emulator_title": None, "log_level": "error",
    "browser": {"port": 8888, "target_fps": 60, "fps_display": False, "quality": 70,
                "image_border": True, "debug_text": False, "image_format": "JPEG",
                "open_immediately": False},
}
HOST_PLUGINS = [f"plugin-{i:02d}" for i in range(30)]
HOST_TYPES = ("TimeoutError", "ConnectionError", "KeyError", "ValueError", "RuntimeError")
WEATHER_PATH = "/data/2.5/weather?q=London,uk&units=metric&appid=0123456789abcdef0123456789abcdef"


# ---------------------------------------------------------------------------------- environment

def parse_args() -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("LEDMATRIX"),
                        help="LEDMatrix checkout (default: $LEDMATRIX)")
    parser.add_argument("--frames", type=int, default=2000, help="frames per timed run")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per method (median)")
    parser.add_argument("--rounds", type=int, default=10, help="latency rounds")
    parser.add_argument("--polls", type=int, default=300, help="timed polls per case (median)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the trigger moments")
    return parser.parse_args()


def check_host(path: str | None) -> Path:
    """The host root, or exit with a message saying what is missing."""
    if not path:
        sys.exit("bench_host: no LEDMatrix host given: pass --host /path/to/LEDMatrix or set LEDMATRIX")
    host = Path(path).expanduser().resolve()
    for needed in ("src/display_manager.py", "src/error_aggregator.py", "src/common/scroll_helper.py",
                   "assets/fonts"):
        if not (host / needed).exists():
            sys.exit(f"bench_host: {host} does not look like an LEDMatrix checkout: {needed} is missing")
    return host


@contextlib.contextmanager
def host_environment(host: Path) -> Iterator[Path]:
    """sys.path, EMULATOR and a private CWD for the host; all restored on exit."""
    saved_path, saved_cwd = list(sys.path), os.getcwd()
    saved_env, saved_bytecode = os.environ.get("EMULATOR"), sys.dont_write_bytecode
    work = Path(tempfile.mkdtemp(prefix="error-status-bench-"))
    try:
        (work / "emulator_config.json").write_text(json.dumps(EMULATOR_CONFIG))
        (work / "assets").symlink_to(host / "assets", target_is_directory=True)
        sys.path[:0] = [str(REPO / "plugin"), str(host)]
        os.environ["EMULATOR"] = "true"
        sys.dont_write_bytecode = True  # keep __pycache__ out of the host and of plugin/
        os.chdir(work)
        yield work
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        sys.dont_write_bytecode = saved_bytecode
        if saved_env is None:
            os.environ.pop("EMULATOR", None)
        else:
            os.environ["EMULATOR"] = saved_env
        shutil.rmtree(work, ignore_errors=True)


def make_display_manager() -> Any:
    """The host's DisplayManager, 128x32, emulator with the raw adapter (construct once only)."""
    from src.display_manager import DisplayManager

    config = {"display": {"hardware": {"rows": 32, "cols": 64, "chain_length": 2, "parallel": 1}}}
    manager = DisplayManager(config, suppress_test_pattern=True)
    adapter = type(manager.offscreen_canvas.display_adapter).__name__
    if adapter != "RawAdapter" or type(manager.matrix).__module__.split(".")[0] != "RGBMatrixEmulator":
        sys.exit(f"bench_host: expected the emulator's raw adapter, got {adapter} on {type(manager.matrix)}")
    return manager


def pushes(manager: Any) -> int:
    """Frames the raw adapter has received so far (one per real push)."""
    return int(manager.offscreen_canvas.display_adapter.frame)


def sized(manager: Any, width: int, height: int) -> contextlib.AbstractContextManager[Any]:
    """Present a ``width`` x ``height`` panel on the one manager (host's render_size)."""
    if (manager.width, manager.height) == (width, height):
        return contextlib.nullcontext()
    return manager.render_size(width, height)  # type: ignore[no-any-return]


def reset_image(manager: Any) -> None:
    """A fresh black image of the current logical size (after the assignment variant)."""
    from PIL import Image, ImageDraw

    manager.image = Image.new("RGB", (manager.width, manager.height))
    manager.draw = ImageDraw.Draw(manager.image)


# ---------------------------------------------------------------------------------- the plugin

def new_cache(state: dict[str, Any] | None = None) -> Any:
    """The host's MockCacheManager, optionally holding a saved error-status state."""
    from src.plugin_system.testing.mocks import MockCacheManager

    cache = MockCacheManager()
    if state is not None:
        cache.set(STATE_KEY, state)
    return cache


def new_plugin(manager: Any, cache: Any, **overrides: Any) -> Any:
    """An ErrorStatusPlugin built the way the host's loader builds it (five keyword arguments)."""
    from src.plugin_system.testing.mocks import MockPluginManager

    from error_status import ErrorStatusPlugin

    return ErrorStatusPlugin(plugin_id="error-status", config={**PLUGIN_CONFIG, **overrides},
                             display_manager=manager, cache_manager=cache, plugin_manager=MockPluginManager())


def saved_state() -> dict[str, Any]:
    """The three-alert state of the harness fixture (critical, error, warning)."""
    state: dict[str, Any] = json.loads(MOCK_DATA.read_text())[STATE_KEY]
    return state


def header_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The header band of our layout, where the worst alert's colour shows."""
    from error_status.render.layout import plan

    layout = plan(width, height)
    if layout.header is None:
        raise SystemExit(f"bench_host: no header band at {width}x{height}")
    band = layout.header
    return (0, band.y, layout.content_width, band.y + band.height)


def shows(image: Any, box: tuple[int, int, int, int], colour: tuple[int, int, int]) -> bool:
    """True when ``colour`` is among the pixels of ``box``."""
    region = image.crop(box)
    colours = region.getcolors(region.width * region.height) or []
    return any(c == colour for _, c in colours)


# ---------------------------------------------------------------------------------- failures

@dataclass(frozen=True)
class Failure:
    """An exception and its original traceback, raised again (and caught) for every record."""

    error: BaseException
    traceback: Any

    def record(self, record_error: Callable[..., Any], plugin_id: str, operation: str) -> float:
        """Raise, catch and record it as the host's PluginExecutor does; the time it returned."""
        try:
            raise self.error.with_traceback(self.traceback)
        except BaseException as error:
            record_error(error, plugin_id=plugin_id, operation=operation)
        return time.monotonic()


def requests_failure() -> Failure:
    """A real ``requests`` ConnectionError (connection refused on a closed local port): the stack
    trace and message a weather plugin's failed API call leaves in the host's record (~4 KB)."""
    import socket

    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment
    try:
        session.get(f"http://127.0.0.1:{port}{WEATHER_PATH}", timeout=2)
    except requests.RequestException as error:
        return Failure(error, error.__traceback__)
    raise SystemExit(f"bench_host: expected connection refused on 127.0.0.1:{port}")


def short_failure(error_type: str, message: str) -> Failure:
    """An exception of a class named ``error_type`` raised one frame deep (a short stack trace)."""
    kind = type(error_type, (Exception,), {})
    try:
        raise kind(message)
    except Exception as error:
        return Failure(error, error.__traceback__)


def stack_text(failure: Failure) -> str:
    """The stack trace text the host stores for ``failure`` (``traceback.format_exc()``)."""
    import traceback

    return "".join(traceback.format_exception(type(failure.error), failure.error, failure.traceback))


# ---------------------------------------------------------------------------------- 1. frame cost

@dataclass
class Timing:
    """µs per frame of one run and how many of its frames were pushed to the panel."""

    micros: float
    pushed: int


def run_ours(plugin: Any, manager: Any, frames: int, move: bool) -> Timing:
    """``plugin.display(force_clear=False)`` per frame; ``move`` advances the scroll by 1 px."""
    before = pushes(manager)
    display = plugin.display
    started = time.perf_counter()
    for _ in range(frames):
        if move:
            plugin._t0 -= STEP
        else:
            plugin._t0 = time.monotonic()
        display(force_clear=False)
    elapsed = time.perf_counter() - started
    return Timing(elapsed / frames * 1e6, pushes(manager) - before)


def run_scroll_helper(helper: Any, manager: Any, frames: int, move: bool, assign: bool) -> Timing:
    """The host's ScrollHelper path; paste into ``dm.image`` or assign it (``assign``)."""
    before = pushes(manager)
    started = time.perf_counter()
    for _ in range(frames):
        if move:
            helper.last_update_time -= STEP
        else:
            helper.last_update_time = time.time()
        helper.update_scroll_position()
        if helper.scroll_complete:
            helper.reset_scroll()
        visible = helper.get_visible_portion()
        if assign:
            manager.image = visible
        else:
            manager.image.paste(visible, (0, 0))
        manager.update_display()
    elapsed = time.perf_counter() - started
    if assign:
        reset_image(manager)
    return Timing(elapsed / frames * 1e6, pushes(manager) - before)


def host_strip(plugin: Any, width: int, height: int) -> Any:
    """Our ticker strip (alerts + wrap), on a full-height canvas as ScrollHelper expects."""
    from PIL import Image

    scene = plugin._renderer.scene(plugin._driver.snapshot, width, height)
    if scene.strip is None or not scene.period:
        raise SystemExit("bench_host: the restored alerts do not make a scrolling ticker")
    strip = Image.new("RGB", (scene.strip.width, height))
    strip.paste(scene.strip, (0, scene.layout.ticker.y))
    return strip


def new_scroll_helper(strip: Any, width: int, height: int) -> Any:
    """A ScrollHelper holding ``strip``, at our speed."""
    from src.common.scroll_helper import ScrollHelper

    helper = ScrollHelper(width, height, logger=logging.getLogger("bench.scroll_helper"))
    helper.set_scrolling_image(strip)
    helper.set_scroll_speed(SPEED)
    helper.update_scroll_position()
    return helper


def frame_costs(plugin: Any, manager: Any, frames: int, runs: int, move: bool) -> dict[str, list[Timing]]:
    """Interleaved runs of the three methods at the current size."""
    width, height = manager.width, manager.height
    helper = new_scroll_helper(host_strip(plugin, width, height), width, height)
    methods: dict[str, Callable[[], Timing]] = {
        "ours: plugin.display()": lambda: run_ours(plugin, manager, frames, move),
        "host: ScrollHelper + paste": lambda: run_scroll_helper(helper, manager, frames, move, False),
        "host: ScrollHelper + assign": lambda: run_scroll_helper(helper, manager, frames, move, True),
    }
    results: dict[str, list[Timing]] = {name: [] for name in methods}
    for method in methods.values():  # warm-up: scene drawn, caches filled
        method()
    for _ in range(runs):
        for name, method in methods.items():
            results[name].append(method())
    return results


def print_frame_table(title: str, size: str, results: dict[str, list[Timing]], frames: int) -> None:
    """One block of the frame-cost table."""
    medians = {name: statistics.median(t.micros for t in runs) for name, runs in results.items()}
    ours = medians["ours: plugin.display()"]
    print(f"  {size} {title}")
    for name, runs in results.items():
        spread = f"{min(t.micros for t in runs):.1f}-{max(t.micros for t in runs):.1f}"
        pushed = statistics.median(t.pushed for t in runs)
        ratio = "" if name.startswith("ours") else f"ours/host {ours / medians[name]:.2f}"
        print(f"    {name:<30} {medians[name]:>7.1f} µs/frame  (runs {spread:>11})  "
              f"pushed {pushed:>5.0f}/{frames}  {ratio}")


def bench_frames(manager: Any, args: argparse.Namespace) -> None:
    """Section 1: steady-state frame cost at 128x32 and 64x32."""
    cache = new_cache(saved_state())
    plugin = new_plugin(manager, cache)
    try:
        alerts = ", ".join(f"{a.severity.tag} {a.source}" for a in plugin._driver.snapshot.alerts)
        print(f"1. Steady-state frame cost, {args.frames} frames x {args.runs} runs, median ({alerts})")
        for width, height in ((128, 32), (64, 32)):
            with sized(manager, width, height):
                plugin.display(force_clear=True)
                strip = host_strip(plugin, width, height)
                print(f"  {width}x{height}: strip {strip.width}x{strip.height} px; "
                      f"scroll {SPEED:.0f} px/s, each frame moved on 1 px")
                moving = frame_costs(plugin, manager, args.frames, args.runs, move=True)
                print_frame_table("every frame different (pushed)", f"{width}x{height}", moving, args.frames)
                still = frame_costs(plugin, manager, args.frames, args.runs, move=False)
                print_frame_table("frame unchanged (dirty-tracking skip)", f"{width}x{height}", still,
                                  args.frames)
                short = sum(t.pushed < args.frames for runs in moving.values() for t in runs)
                if short:
                    print(f"    ({short} moving runs pushed fewer frames than they drew: the host's dirty "
                          "check (adler32 of the image) took a changed frame for the previous one)")
            reset_image(manager)
    finally:
        plugin.cleanup()
        cache.cleanup()


# ---------------------------------------------------------------------------------- 2. latency

@dataclass
class Round:
    """Trigger times (executor thread) and first observations (display loop), monotonic seconds."""

    triggers: dict[str, float] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)
    unpushed: int = 0  # first-seen frames the display manager did not push (dirty-tracking skip)
    frames: int = 0
    seconds: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Step:
    """Records before a trigger, the trigger, and what shows its effect (a colour, or None: live)."""

    name: str
    lead: int
    colour: tuple[int, int, int] | None
    label: str
    target: str


WARN, ERR = (255, 176, 0), (255, 96, 0)  # error_status.style.DEFAULT_SEVERITY_COLOURS (checked in main)
ESCALATION = (
    Step("new pattern", 2, WARN, "(a) 3rd record (new pattern) -> first frame with WARN in header",
         "next frame"),
    Step("escalation", 3, ERR, "(b) 7th record (error) -> first frame with ERR in header", "<= 1 s"),
    Step("takeover", 2, None, "(c) 10th record (critical) -> has_live_content() True", "<= 1 s"),
    # (the host asks before a dwell; the frame after shows the alert and the takeover is served)
)
HOST_SIGNALLED = (
    Step("host-signalled", 4, WARN, "(a') 5th record, pattern new to the host too -> WARN frame",
         "next frame"),
)


def executor(state: Round, steps: tuple[Step, ...], record_error: Callable[..., Any], failure: Failure,
             rng: random.Random) -> None:
    """For each step: its lead records, a pause, the trigger record; then wait until it shows."""
    try:
        for step in steps:
            for _ in range(step.lead):
                failure.record(record_error, "weather", "execute")
                time.sleep(0.05)
            if state.stop.wait(0.4 + rng.uniform(0.0, 0.25)):  # let the feeder see them; random phase
                return
            state.triggers[step.name] = failure.record(record_error, "weather", "execute")
            deadline = time.monotonic() + 3.0
            while step.name not in state.seen and time.monotonic() < deadline and not state.stop.is_set():
                time.sleep(0.002)
    finally:
        state.done.set()


def observe(state: Round, steps: tuple[Step, ...], plugin: Any, image: Any, box: tuple[int, int, int, int],
            now: float, pushed: bool) -> None:
    """Note the first frame showing each trigger's effect (after the trigger was recorded)."""
    for step in steps:
        if step.name not in state.triggers or step.name in state.seen or step.colour is None:
            continue
        if shows(image, box, step.colour):
            state.seen[step.name] = now
            state.unpushed += not pushed


def latency_round(manager: Any, steps: tuple[Step, ...], record_error: Callable[..., Any], failure: Failure,
                  rng: random.Random, **overrides: Any) -> Round:
    """One round with a fresh plugin (fresh feeder) and an empty cache."""
    cache = new_cache()
    plugin = new_plugin(manager, cache, **overrides)
    state = Round()
    box = header_box(manager.width, manager.height)
    thread = threading.Thread(target=executor, args=(state, steps, record_error, failure, rng),
                              name="bench:executor")
    try:
        plugin.display(force_clear=True)
        if plugin.has_live_content() or shows(manager.image, box, WARN):
            raise SystemExit("bench_host: a fresh plugin already shows an alert")
        thread.start()
        started = time.monotonic()
        while not state.done.is_set():
            for step in steps:  # the takeover: asked before the frame, as the host asks before a dwell
                if step.colour is None and step.name in state.triggers and step.name not in state.seen \
                        and plugin.has_live_content():
                    state.seen[step.name] = time.monotonic()
            before = pushes(manager)
            plugin.display(force_clear=False)
            observe(state, steps, plugin, manager.image, box, time.monotonic(), pushes(manager) > before)
            state.frames += 1
            time.sleep(FRAME_INTERVAL)
        state.seconds = time.monotonic() - started
    finally:
        state.stop.set()
        thread.join(timeout=5.0)
        plugin.cleanup()
        cache.cleanup()
    return state


def print_latency(steps: tuple[Step, ...], rounds: list[Round]) -> None:
    """min/median/max per step, against the issue's targets."""
    for step in steps:
        values = [(r.seen[step.name] - r.triggers[step.name]) * 1e3 for r in rounds if step.name in r.seen]
        missed = sum(1 for r in rounds if step.name in r.triggers and step.name not in r.seen)
        if not values:
            print(f"  {step.label:<62} never seen ({missed} missed)")
            continue
        print(f"  {step.label:<62} min {min(values):6.1f}  median {statistics.median(values):6.1f}  "
              f"max {max(values):6.1f} ms  (n={len(values)}, missed {missed}; target {step.target})")


def frame_intervals(plugin: Any, seconds: float, during: Callable[[], None] | None = None) -> list[float]:
    """The host's high-FPS loop for ``seconds``; ms between successive display() returns.
    ``during`` runs on another thread (the executor) once the loop has started."""
    thread = threading.Thread(target=during, name="bench:burst") if during is not None else None
    intervals: list[float] = []
    last = started = time.monotonic()
    if thread is not None:
        thread.start()
    while last - started < seconds:
        plugin.display(force_clear=False)
        now = time.monotonic()
        intervals.append((now - last) * 1e3)
        last = now
        time.sleep(FRAME_INTERVAL)
    if thread is not None:
        thread.join()
    return intervals[1:]


@dataclass
class Jitter:
    """Frame intervals (ms) without and with bursts, and the feeder cycles (ms) run meanwhile."""

    quiet: list[float] = field(default_factory=list)
    loaded: list[float] = field(default_factory=list)
    cycles: list[float] = field(default_factory=list)


def timed_cycles(service: Any, into: list[float]) -> None:
    """Make ``service.cycle`` (the feeder's and display()'s) append its duration in ms to ``into``."""
    cycle = service.cycle

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return cycle(*args, **kwargs)
        finally:
            into.append((time.perf_counter() - started) * 1e3)

    service.cycle = timed


def burst_jitter(manager: Any, record_error: Callable[..., Any], failure: Failure, bursts: int,
                 **overrides: Any) -> Jitter:
    """Frame intervals without and with bursts of 10 failures (10 plugins) recorded meanwhile."""
    cache = new_cache()
    plugin = new_plugin(manager, cache, **overrides)
    result = Jitter()

    def burst() -> None:
        time.sleep(0.05)
        for i in range(10):
            failure.record(record_error, f"burst-{i:02d}", "update")

    try:
        plugin.display(force_clear=True)
        for _ in range(bursts):
            result.quiet += frame_intervals(plugin, 0.5)
            cycles: list[float] = []
            timed_cycles(plugin._driver, cycles)
            result.loaded += frame_intervals(plugin, 0.5, burst)
            del plugin._driver.cycle  # back to the class's method
            result.cycles += cycles
    finally:
        plugin.cleanup()
        cache.cleanup()
    return result


def print_jitter(label: str, intervals: list[float], cycles: list[float] | None = None) -> None:
    """Median, 99th percentile and max of frame intervals (and of feeder cycles)."""
    ordered = sorted(intervals)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    line = (f"    {label:<46} frames: median {statistics.median(ordered):5.2f} p99 {p99:5.2f} "
            f"max {ordered[-1]:5.2f} ms")
    if cycles:
        line += (f" | cycles: median {statistics.median(cycles):5.2f} max {max(cycles):5.2f} ms "
                 f"(n={len(cycles)})")
    print(line)


def bench_latency(manager: Any, args: argparse.Namespace) -> None:
    """Section 2: trigger-to-screen latency at 128x32."""
    import src.error_aggregator as host_aggregator

    rng = random.Random(args.seed)
    failure = requests_failure()
    record_error = host_aggregator.record_error
    print(f"\n2. Latency at {manager.width}x{manager.height}: display() + sleep({FRAME_INTERVAL}) in the "
          f"main thread; record_error() from an executor thread; {args.rounds} rounds, fresh plugin each")
    print(f"  failure recorded: {type(failure.error).__name__} from requests, message "
          f"{len(str(failure.error))} chars, stack trace {len(stack_text(failure))} chars; "
          f"pattern_threshold 3")
    rounds = [latency_round(manager, ESCALATION, record_error, failure, rng) for _ in range(args.rounds)]
    print_latency(ESCALATION, rounds)
    frames = sum(r.frames for r in rounds)
    period = sum(r.seconds for r in rounds) / max(1, frames) * 1e3
    print(f"  display loop: {frames} frames, {period:.2f} ms per frame on average; "
          f"first-seen frames not pushed: {sum(r.unpushed for r in rounds)}")
    print("  with pattern_threshold 5 and a new exception type each round, so that the host's own "
          "(type-keyed,\n  threshold 5) detection calls on_pattern_detected on the same record:")
    signalled = [latency_round(manager, HOST_SIGNALLED, record_error,
                               short_failure(f"FeedError{i}", "feed down"), rng, pattern_threshold=5)
                 for i in range(args.rounds)]
    print_latency(HOST_SIGNALLED, signalled)
    print(f"  (d) {args.rounds} bursts of 10 failures (10 plugins, back to back): interval between display() "
          "returns (nominal 8 ms + draw),\n      and the duration of the feeder cycles run meanwhile:")
    mirrored = burst_jitter(manager, record_error, failure, args.rounds)
    print_jitter("no records", mirrored.quiet)
    print_jitter("burst, mirrored (host_aggregator mirror)", mirrored.loaded, mirrored.cycles)
    unmirrored = burst_jitter(manager, record_error, failure, args.rounds, host_aggregator="off")
    print_jitter("burst, not mirrored (host_aggregator off)", unmirrored.loaded, unmirrored.cycles)
    host = host_aggregator.get_error_aggregator()
    print(f"  host singleton: threshold {host.pattern_threshold}, {len(host._records)} records, "
          f"patterns {sorted(host._patterns)}, {len(host._pattern_callbacks)} pattern callback(s)")


# ---------------------------------------------------------------------------------- 3. poll cost

def big_host(records: int, cumulative: int) -> Any:
    """A host aggregator with ``records`` kept records and ``cumulative`` counted occurrences
    spread evenly over 30 plugins x 5 types (older history is counted, its records long dropped)."""
    from src.error_aggregator import ErrorAggregator

    host = ErrorAggregator()
    pairs = [(p, t) for p in HOST_PLUGINS for t in HOST_TYPES]
    failures = {t: short_failure(t, f"{t} in update") for t in HOST_TYPES}
    for i in range(records):
        plugin_id, error_type = pairs[i % len(pairs)]
        failures[error_type].record(host.record_error, plugin_id, "update")
    if cumulative > records:
        share, extra = divmod(cumulative, len(pairs))
        with host._lock:
            host._error_counts.clear()
            for i, (plugin_id, error_type) in enumerate(pairs):
                count = share + (1 if i < extra else 0)
                host._plugin_error_counts[plugin_id][error_type] = count
                host._error_counts[error_type] += count
    return host


def burst(host: Any, failures: list[Failure], count: int) -> None:
    """``count`` new failures from two plugins (weather and stocks), recorded on ``host``."""
    for i in range(count):
        failures[i % len(failures)].record(host.record_error, ("weather", "stocks")[i % 2], "update")


def time_calls(call: Callable[[], object], host: Any, polls: int, new: list[Failure]) -> float:
    """Median µs of ``call()``, with a burst of ``len(new)`` records (untimed) before each call."""
    samples = []
    for _ in range(polls):
        burst(host, new, len(new))
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


def new_service(host: Any) -> Any:
    """A driver mirroring ``host`` without its thread (only the cycle() calls made here run) and
    without wake-ups from the host's pattern callback."""
    from error_status.ledmatrix.config import parse_settings
    from error_status.ledmatrix.driver import Driver, DriverKey

    module = ModuleType("src.error_aggregator")  # what the driver imports, holding this host
    module.get_error_aggregator = lambda: host  # type: ignore[attr-defined]
    service = Driver(DriverKey.of(parse_settings(PLUGIN_CONFIG)), host_module=lambda: module,
                     poll_interval=3600.0)
    service._host.attach(service.wake)
    if service._host.mirror is not None:
        service._host.mirror.detach()
    return service


def poll_costs(records: int, cumulative: int, new: list[Failure], polls: int) -> tuple[float, float]:
    """(HostMirror.poll(), driver.cycle()) median µs against a host of this size."""
    from error_status.aggregator import ErrorAggregator
    from error_status.ledmatrix.mirror import HostMirror

    host = big_host(records, cumulative)
    mirror = HostMirror(host, ErrorAggregator(pattern_threshold=3))
    mirror.poll()  # baseline
    poll = time_calls(mirror.poll, host, polls, new)
    host = big_host(records, cumulative)
    service = new_service(host)
    try:
        cycle = time_calls(service.cycle, host, polls, new)
        fed = service._host.mirror.fed if service._host.mirror is not None else -1
        if fed != polls * len(new) or service.failures:
            raise SystemExit(f"bench_host: the feeder fed {fed} of {polls * len(new)} new records "
                             f"({service.failures} failed cycles)")
    finally:
        service._host.detach()
        service.pipeline.close()
    return poll, cycle


def bench_polls(args: argparse.Namespace) -> None:
    """Section 3: the feeder's poll against a small and a large host history."""
    real = requests_failure()
    short = [short_failure("TimeoutError", "weather timed out"), short_failure("KeyError", "'homeTeam'")]
    bursts: tuple[tuple[str, list[Failure]], ...] = (("none", []), ("10, short stacks", short),
              (f"10, requests stacks ({len(stack_text(real)) / 1000:.1f} KB)", [real]))
    print(f"\n3. Feeder poll cost, median of {args.polls} calls (new records recorded, untimed, before each)")
    print(f"  {'host aggregator':<40} {'new records':<30} {'HostMirror.poll()':>18} {'driver.cycle()':>16}")
    for records, cumulative, label in ((10, 10, "10 records, 10 counted"),
                                       (1000, 100_000, "1,000 records, 100,000 counted")):
        for name, new in bursts:
            poll, cycle = poll_costs(records, cumulative, new * 10 if len(new) == 1 else new * 5, args.polls)
            print(f"  {label:<40} {name:<30} {poll:>16.1f}µs {cycle:>14.1f}µs")
            label = ""
    print("  (cycle = poll + aggregator tick + health read (1/s) + board refresh + saved-state check)")


# ---------------------------------------------------------------------------------- main

def describe(manager: Any, host: Path) -> None:
    """What is being measured against."""
    import numpy
    import PIL

    import error_status
    from error_status.ledmatrix.plugin import BasePlugin
    from error_status.model import Severity
    from error_status.render.style import DEFAULT_SEVERITY_COLOURS

    if (DEFAULT_SEVERITY_COLOURS[Severity.WARNING], DEFAULT_SEVERITY_COLOURS[Severity.ERROR]) != (WARN, ERR):
        sys.exit("bench_host: the plugin's severity colours changed; update WARN/ERR")

    print(f"host {host} | python {sys.version.split()[0]} | Pillow {PIL.__version__} | "
          f"numpy {numpy.__version__}")
    print(f"plugin {Path(error_status.__file__).parent} | base class "
          f"{BasePlugin.__module__}.{BasePlugin.__name__}")
    print(f"display manager {type(manager).__module__}.{type(manager).__name__} "
          f"{manager.width}x{manager.height} | matrix {type(manager.matrix).__module__} | adapter "
          f"{type(manager.offscreen_canvas.display_adapter).__name__} | dirty tracking "
          f"{manager._dirty_tracking_enabled}\n")


def main() -> None:
    """Run the three sections inside the host."""
    args = parse_args()
    host = check_host(args.host)
    handler = logging.StreamHandler()
    handler.setLevel(logging.ERROR)  # the host's DisplayManager logger is set to INFO on its own
    logging.basicConfig(level=logging.ERROR, handlers=[handler], format="%(levelname)s %(name)s: %(message)s")
    with host_environment(host):
        manager = make_display_manager()
        try:
            describe(manager, host)
            gc.collect()
            bench_frames(manager, args)
            bench_latency(manager, args)
            bench_polls(args)
        finally:
            manager.cleanup()


if __name__ == "__main__":
    main()
