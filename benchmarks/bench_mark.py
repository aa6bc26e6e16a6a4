"""The status mark's cost on the host's frame path: LEDMatrix's own ``DisplayManager.update_display()``
per frame with and without the mark, side by side in one run.

Usage:
    <host venv>/bin/python benchmarks/bench_mark.py --host /path/to/LEDMatrix [--frames N] [--rounds R]
    (without --host, the LEDMATRIX environment variable names the host checkout)

In one process against the host's code (``bench_host.host_environment``: the host and ``plugin/``
on ``sys.path``, ``EMULATOR=true``, a private CWD with a raw-adapter ``emulator_config.json``),
one real ``DisplayManager`` per panel size. Per frame, another plugin's way: its own image (one of
16 different pictures, so dirty tracking never skips) is assigned to ``display_manager.image``, then
``update_display()`` is called. Cases, interleaved round by round (this machine is shared):

- host: no overlay at all (the host's own frame path);
- mark installed, no alert: the overlay is on the frame path and its source says nothing is wrong;
- mark installed, an error alert: every frame is marked (copy, paste, swap, push, swap back);
- mark installed, a critical alert: the blink (half the frames marked).

Also the same with a frame that does not change (dirty tracking skips the push), and the overlay's
own cost per frame (the difference of medians). The host's push is tens of µs and noisy here, so a
last table times the overlay alone, around a display manager whose push only takes its lock.
Pushes are counted at the raw adapter and checked (every frame of the changing cases is pushed).
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_host  # (the host environment and its display manager)

SIZES = ((64, 32), (128, 32), (128, 64), (256, 128))
PICTURES = 16


def parse_args() -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=bench_host.os.environ.get("LEDMATRIX"),
                        help="path of an LEDMatrix checkout (default: $LEDMATRIX)")
    parser.add_argument("--frames", type=int, default=2000, help="frames per timed run")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of every case (median)")
    args = parser.parse_args()
    if args.frames < 1 or args.rounds < 1:
        parser.error("--frames and --rounds must be positive")
    return args


def display_manager(width: int, height: int) -> Any:
    """The host's DisplayManager for a ``width`` x ``height`` panel of 64x32 or 64x64 modules
    (the emulator, raw adapter)."""
    from src.display_manager import DisplayManager

    rows = 64 if height >= 64 else 32
    config = {"display": {"hardware": {"rows": rows, "cols": 64, "chain_length": width // 64 or 1,
                                       "parallel": max(1, height // rows)}}}
    manager = DisplayManager(config, suppress_test_pattern=True)
    if (manager.width, manager.height) != (width, height):
        manager.cleanup()
        sys.exit(f"bench_mark: asked for {width}x{height}, the host made {manager.width}x{manager.height}")
    return manager


def pictures(width: int, height: int) -> list[Any]:
    """Other plugins' frames: bright, different everywhere (the corners included)."""
    from PIL import Image

    made = []
    for index in range(PICTURES):
        image = Image.new("RGB", (width, height))
        image.putdata([((x * 7 + index * 13) % 256, (y * 11 + index) % 256, 160)
                       for y in range(height) for x in range(width)])
        made.append(image)
    return made


def run(manager: Any, images: list[Any], frames: int, changing: bool) -> tuple[float, int]:
    """µs per frame of assign + update_display(), and frames pushed."""
    before = bench_host.pushes(manager)
    update = manager.update_display  # looked up once per run, as a tight caller would not; same for all
    count = len(images)
    started = time.perf_counter()
    for frame in range(frames):
        manager.image = images[frame % count] if changing else images[0]
        update()
    elapsed = time.perf_counter() - started
    return elapsed / frames * 1e6, bench_host.pushes(manager) - before


def bench_size(width: int, height: int, args: argparse.Namespace) -> None:
    """One panel size: every case, interleaved."""
    from error_status.ledmatrix import overlay
    from error_status.model import Severity
    from error_status.render.style import DEFAULT_SEVERITY_COLOURS

    manager = display_manager(width, height)
    images = pictures(width, height)
    source = object()  # who shows marks (the plugin instance's token)
    marks = {
        "error": overlay.Mark(Severity.ERROR, DEFAULT_SEVERITY_COLOURS[Severity.ERROR], "top-right"),
        "critical": overlay.Mark(Severity.CRITICAL, DEFAULT_SEVERITY_COLOURS[Severity.CRITICAL], "top-right"),
    }
    installed: list[Any] = []

    def host() -> None:
        if installed:
            overlay.detach(installed.pop(), source)

    def mark(name: str | None) -> Callable[[], None]:
        def setup() -> None:
            if not installed:
                attached = overlay.attach(manager, source)
                if attached is None:
                    sys.exit("bench_mark: the overlay could not wrap the host's update_display")
                installed.append(attached)
            installed[0].show(source, marks[name] if name else None)
        return setup

    cases: list[tuple[str, Callable[[], None]]] = [
        ("host: no overlay", host), ("mark installed, no alert", mark(None)),
        ("mark installed, error alert", mark("error")),
        ("mark installed, critical (blinks)", mark("critical")),
    ]
    results: dict[tuple[str, bool], list[float]] = {}
    try:
        for changing in (True, False):
            for setup in (setup for _, setup in cases):  # warm-up
                setup()
                run(manager, images, min(200, args.frames), changing)
            for _ in range(args.rounds):
                for name, setup in cases:
                    setup()
                    gc.collect()
                    cost, pushed = run(manager, images, args.frames, changing)
                    if changing and pushed != args.frames:
                        sys.exit(f"bench_mark: {name}: {pushed} of {args.frames} frames pushed")
                    results.setdefault((name, changing), []).append(cost)
        marked = installed[0].marked if installed else 0
    finally:
        host()
        manager.cleanup()
    print(f"{width}x{height}  (update_display() per frame, median of {args.rounds} runs of {args.frames}; "
          f"{marked} frames marked in the last overlay)")
    for changing in (True, False):
        print("  every frame different (pushed)" if changing else "  the same frame (dirty tracking skips)")
        base = statistics.median(results[("host: no overlay", changing)])
        for name, _ in cases:
            values = results[(name, changing)]
            cost = statistics.median(values)
            extra = "" if name.startswith("host") else f"  +{cost - base:6.1f} µs  ratio {cost / base:5.2f}"
            print(f"    {name:<36} {cost:8.1f} µs  (runs {min(values):.1f}-{max(values):.1f}){extra}")


class BareManager:
    """A display manager whose push only takes its lock: what is left is the overlay's own cost."""

    def __init__(self, width: int, height: int) -> None:
        import threading

        from PIL import Image

        self.image = Image.new("RGB", (width, height), (30, 60, 90))
        self._update_lock = threading.RLock()

    def update_display(self) -> None:
        with self._update_lock:
            pass


def bench_overlay_alone(args: argparse.Namespace) -> None:
    """µs per update_display() on BareManager: without the overlay, with it and no alert, marking."""
    from error_status.ledmatrix import overlay
    from error_status.model import Severity
    from error_status.render.style import DEFAULT_SEVERITY_COLOURS

    print("the overlay alone (a push that only takes its lock; median of runs, µs per frame)")
    print(f"  {'size':<9} {'no overlay':>11} {'no alert':>9} {'marking':>8}   overlay: no alert  marking")
    error = overlay.Mark(Severity.ERROR, DEFAULT_SEVERITY_COLOURS[Severity.ERROR], "top-right")
    for width, height in SIZES:
        manager = BareManager(width, height)
        bare = manager.update_display
        installed = overlay.attach(manager, "bench")
        assert installed is not None
        wrapped = manager.update_display
        costs: dict[str, list[float]] = {"bare": [], "none": [], "marking": []}
        frames = args.frames * 10
        for _ in range(args.rounds):
            cases = (("bare", bare, None), ("none", wrapped, None), ("marking", wrapped, error))
            for name, call, mark in cases:
                installed.show("bench", mark)
                started = time.perf_counter()
                for _ in range(frames):
                    call()
                costs[name].append((time.perf_counter() - started) / frames * 1e6)
        overlay.detach(installed, "bench")
        base, none, marking = (statistics.median(costs[name]) for name in ("bare", "none", "marking"))
        print(f"  {width}x{height:<6} {base:>11.2f} {none:>9.2f} {marking:>8.2f}   "
              f"{none - base:>+16.2f} {marking - base:>+8.2f}")


def main() -> None:
    """Every size, inside the host."""
    args = parse_args()
    host = bench_host.check_host(args.host)
    handler = logging.StreamHandler()
    handler.setLevel(logging.ERROR)  # the host's DisplayManager logger is set to INFO on its own
    logging.basicConfig(level=logging.ERROR, handlers=[handler])
    with bench_host.host_environment(host):
        print(f"host {host} | python {sys.version.split()[0]}\n")
        for width, height in SIZES:
            bench_size(width, height, args)
        bench_overlay_alone(args)


if __name__ == "__main__":
    main()
