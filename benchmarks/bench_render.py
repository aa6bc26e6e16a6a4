"""Frame cost at every panel size, side by side in one run, and the cost of a frame right after a
count change in a storm (scene prepared off the display thread vs drawn inline).

Usage: python benchmarks/bench_render.py [--frames N] [--rounds R]

Every method leaves the frame of the ``mixed`` scene in one persistent image, as the plugin does
with the display manager's image (what is pushed afterwards costs the same for all):
- ours: ``Renderer.paint`` on a ``Canvas`` over that image (the static layer is already there; the
  ticker band is pasted from the pre-rendered strip);
- ours, fresh frame: ``Renderer.render`` (a new image) pasted into it: the path before issue 9;
- numpy slice: the strip kept as a numpy array, the band's window sliced, ``Image.frombytes``,
  pasted (the method of LEDMatrix's ScrollHelper, given the same band-only job);
- numpy frame: what ScrollHelper does per frame for a full-height scroller: a panel-sized window
  sliced from a panel-high array, ``frombytes``, pasted (the cost, not our picture);
- redraw: the ticker band cleared and its texts drawn again with the same faces.
Methods are interleaved, several rounds each (this machine is shared and noisy): medians and
ratios. Before timing, ours, ours fresh and numpy slice are checked to leave identical pixels.
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from error_status.model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity
from error_status.render import Canvas, Renderer
from error_status.render.examples import mixed
from error_status.render.renderer import STALE_FRAMES

SIZES = ((64, 32), (128, 32), (64, 64), (128, 64), (256, 32), (256, 64), (128, 128), (256, 128))
FPS = 125.0
Method = Callable[[float], None]


def methods(width: int, height: int) -> tuple[dict[str, Method], Image.Image]:
    """The ways to make the frame at time t in ``target``; and ``target``."""
    renderer = Renderer()
    snapshot = mixed()
    scene = renderer.scene(snapshot, width, height)
    band = scene.layout.ticker
    assert scene.strip is not None and scene.period
    speed, period = renderer.style.scroll_speed, scene.period
    target = Image.new("RGB", (width, height))
    canvas = Canvas(target)
    strip_array = np.asarray(scene.strip)
    window = min(width, scene.layout.content_width)
    tall = np.zeros((height, scene.strip.width, 3), dtype=np.uint8)
    pen = ImageDraw.Draw(target)
    pen.fontmode = "1"

    def ours(t: float) -> None:
        renderer.paint(canvas, snapshot, t)

    def fresh(t: float) -> None:
        target.paste(renderer.render(snapshot, width, height, t), (0, 0))

    def numpy_slice(t: float) -> None:
        offset = int(speed * t) % period
        part = np.ascontiguousarray(strip_array[:, offset:offset + window])
        target.paste(Image.frombytes("RGB", (window, part.shape[0]), part.tobytes()), (0, band.y))

    def numpy_frame(t: float) -> None:
        offset = int(speed * t) % period
        part = np.ascontiguousarray(tall[:, offset:offset + width])
        target.paste(Image.frombytes("RGB", (width, height), part.tobytes()), (0, 0))

    def redraw(t: float) -> None:
        offset = int(speed * t) % period
        pen.rectangle((0, band.y, window - 1, band.y + band.height - 1), fill=(0, 0, 0))
        for placed in scene.strip_texts:
            x = placed.x - offset
            if x < window and x + placed.face.width(placed.text) > 0:
                placed.face.draw(pen, (x, band.y + placed.y), placed.text, (255, 96, 0))

    return ({"ours": ours, "ours, fresh frame": fresh, "numpy slice": numpy_slice, "numpy frame": numpy_frame,
             "redraw text": redraw}, target)


def same_pixels(width: int, height: int) -> None:
    """ours, ours fresh and numpy slice leave the same frame (numpy slice on ours' static layer)."""
    made, target = methods(width, height)
    for t in (1.0, 2.5, 7.3):
        made["ours"](t)
        expected = target.tobytes()
        made["ours, fresh frame"](t)
        assert target.tobytes() == expected, (width, height, t)
        made["numpy slice"](t)
        assert target.tobytes() == expected, (width, height, t)


def time_method(method: Method, frames: int, start: float) -> float:
    """µs per frame, over ``frames`` consecutive frames at the host's cadence."""
    t = start
    began = time.perf_counter()
    for _ in range(frames):
        t += 1.0 / FPS
        method(t)
    return (time.perf_counter() - began) / frames * 1e6


def frame_costs(frames: int, rounds: int) -> None:
    """The per-size table."""
    print(f"{'panel':>8}  {'method':>18}  {'µs/frame':>9}  {'÷ ours':>7}")
    for width, height in SIZES:
        same_pixels(width, height)
        made, _ = methods(width, height)
        samples: dict[str, list[float]] = {name: [] for name in made}
        order = list(made)
        for round_ in range(rounds):
            random.shuffle(order)
            for name in order:
                samples[name].append(time_method(made[name], frames, 10.0 + round_))
        medians = {name: statistics.median(values) for name, values in samples.items()}
        for name, value in medians.items():
            print(f"{width}x{height:<4}  {name:>18}  {value:>9.2f}  {value / medians['ours']:>6.1f}x")
    print()


def storm(count: int) -> BoardSnapshot:
    """``count`` alerts from as many plugins, all counting."""
    alerts = tuple(Alert(f"p{n}/TimeoutError", (Severity.WARNING, Severity.ERROR, Severity.CRITICAL)[n % 3],
                         f"plugin-{n:02d}", "TimeoutError",
                         f"HTTPSConnectionPool(host='api{n}.example.com', port=443): Read timed out.", 10 + n,
                         0.0, 0.0) for n in range(count))
    health = tuple(PluginHealth(f"plugin-{n:02d}", HealthState.FAILING) for n in range(count))
    return BoardSnapshot(alerts=alerts, health=health, alerts_version=1)


def counted(snapshot: BoardSnapshot, step: int, every: bool) -> BoardSnapshot:
    """The next second of the storm: every count (or only the first) goes up."""
    alerts = tuple(replace(a, count=a.count + step) if every or i == 0 else a
                   for i, a in enumerate(snapshot.alerts))
    return replace(snapshot, alerts=alerts, alerts_version=snapshot.alerts_version + 1)


def after_a_count_change(changes: int, every: bool) -> dict[str, list[float]]:
    """ms of the display thread's frames once the board hands out a new snapshot (64 alerts, 128x32).
    Inline: the frame draws the scene itself. Prepared: a driver thread prepares it while the display
    thread keeps its 8 ms cadence; a frame's time is from its slot to the end of its paint, so
    waiting for the interpreter lock the preparer holds is counted."""
    width, height = 128, 32
    out: dict[str, list[float]] = {"inline: the frame after": [], "prepared: the frame after": [],
                                   "prepared: worst frame meanwhile": [], "prepare (driver thread)": []}
    snapshot = storm(64)
    inline, prepared = Renderer(), Renderer()
    canvas_a, canvas_b = Canvas(Image.new("RGB", (width, height))), Canvas(Image.new("RGB", (width, height)))
    inline.paint(canvas_a, snapshot, 0.0)
    prepared.prepare(snapshot, width, height)
    prepared.paint(canvas_b, snapshot, 0.0)
    for step in range(1, changes + 1):
        snapshot = counted(snapshot, step, every)
        began = time.perf_counter()
        inline.paint(canvas_a, snapshot, step)
        out["inline: the frame after"].append((time.perf_counter() - began) * 1e3)
        frames, spent = _frames_while_preparing(prepared, canvas_b, snapshot, float(step))
        out["prepared: the frame after"].append(frames[0])
        out["prepared: worst frame meanwhile"].append(max(frames))
        out["prepare (driver thread)"].append(spent)
    return out


def _frames_while_preparing(renderer: Renderer, canvas: Canvas, snapshot: BoardSnapshot,
                            t: float) -> tuple[list[float], float]:
    """Frames (ms from slot to done) painted at the host's cadence while another thread prepares
    ``snapshot``; and how long the preparation took (ms)."""
    width, height = canvas.image.size
    spent: list[float] = []

    def driver() -> None:
        began = time.perf_counter()
        renderer.prepare(snapshot, width, height)
        spent.append((time.perf_counter() - began) * 1e3)

    worker = threading.Thread(target=driver, name="driver")
    slot = time.perf_counter()
    worker.start()
    frames: list[float] = []
    while worker.is_alive() or len(frames) < 2:
        renderer.paint(canvas, snapshot, t)
        frames.append((time.perf_counter() - slot) * 1e3)
        t += 1 / FPS
        slot += 1 / FPS
        delay = slot - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    worker.join()
    return frames, spent[0]


def storm_costs(changes: int) -> None:
    """The count-change table."""
    print(f"64 alerts on 128x32, a new snapshot each second; ms (median / max of {changes} changes; "
          f"frames fall back to the newest prepared scene for at most {STALE_FRAMES} frames)")
    for every, what in ((True, "all 64 counts change"), (False, "one count changes")):
        results = after_a_count_change(changes, every)
        for name, values in results.items():
            print(f"  {what:>21}  {name:>32}  {statistics.median(values):7.2f} / {max(values):7.2f}")
    print("host cadence: 8 ms per frame; ours should take well under it on a Pi (~15x slower than here)")


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=1000, help="frames per timed run")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved runs per method and size")
    parser.add_argument("--changes", type=int, default=15, help="count changes in the storm table")
    args = parser.parse_args()
    frame_costs(args.frames, args.rounds)
    storm_costs(args.changes)


if __name__ == "__main__":
    main()
