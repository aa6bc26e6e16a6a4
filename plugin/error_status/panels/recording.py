"""Recorded frames: a bounded log of what a panel was shown (identical consecutive frames merged),
the Recorder wrapper that timestamps every frame it passes on, and GIF/PNG output."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from .base import Panel, check_frame
from .picture import render_picture


@dataclass(frozen=True)
class Frame:
    """One recorded frame, shown `repeats` times in a row; `at`/`last_at` are the first/last timestamps."""

    image: Image.Image
    repeats: int = 1
    at: float | None = None
    last_at: float | None = None


class FrameLog:
    """The last `keep` frames, identical consecutive ones merged; writes them as a PNG or a GIF."""

    def __init__(self, size: tuple[int, int], keep: int = 10_000) -> None:
        if keep < 1:
            raise ValueError(f"keep must be >= 1, got {keep}")
        self.size = size
        self._frames: deque[Frame] = deque(maxlen=keep)

    @property
    def frames(self) -> list[Frame]:
        """Recorded frames, oldest first; treat the images as read-only."""
        return list(self._frames)

    @property
    def last(self) -> Image.Image | None:
        """A copy of the last frame, or None."""
        return self._frames[-1].image.copy() if self._frames else None

    def add(self, image: Image.Image, at: float | None = None) -> None:
        """Record a copy of a checked frame; `at` is its timestamp in seconds (None: untimed)."""
        check_frame(image, self.size)
        _check_time(at, self._frames[-1].last_at if self._frames else None)
        previous = self._frames[-1] if self._frames else None
        if previous is not None and _repeats(previous, image, at):
            self._frames[-1] = replace(previous, repeats=previous.repeats + 1, last_at=at)
        else:
            self._frames.append(Frame(image.copy(), 1, at, at))

    def save_png(self, path: str | Path, *, scale: int = 1, led: bool = False) -> None:
        """Write the last frame as a PNG, enlarged by render_picture()."""
        render_picture(self._require()[-1].image, scale=scale, led=led).save(path, format="PNG")

    def save_gif(self, path: str | Path, *, fps: float, scale: int = 1, led: bool = False) -> None:
        """Write the frames as a GIF looping forever; untimed frames last 1/fps each."""
        if not fps > 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        frames = self._require()
        images, units = _gif_frames(frames, _centiseconds(_durations(frames, fps)))
        pictures = [render_picture(image, scale=scale, led=led) for image in images]
        pictures[0].save(path, format="GIF", save_all=True, append_images=pictures[1:],
                         duration=[unit * 10 for unit in units], loop=0)

    def _require(self) -> list[Frame]:
        if not self._frames:
            raise ValueError("the panel has not been shown any frame yet")
        return list(self._frames)


class Recorder:
    """A Panel that passes every frame on to `panel` and records it, timestamped by `clock`."""

    def __init__(self, panel: Panel, *, clock: Callable[[], float] = time.monotonic,
                 keep: int = 10_000) -> None:
        self.panel = panel
        self._clock = clock
        self.log = FrameLog(panel.size, keep)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in LEDs: the wrapped panel's."""
        return self.panel.size

    def show(self, image: Image.Image) -> None:
        """Show the frame on the wrapped panel, then record it with the clock's time."""
        self.panel.show(image)
        self.log.add(image, self._clock())

    def close(self) -> None:
        """Close the wrapped panel; the recording stays readable."""
        self.panel.close()


def _check_time(at: float | None, previous: float | None) -> None:
    if at is None:
        return
    if not math.isfinite(at):
        raise ValueError(f"timestamp must be finite, got {at}")
    if previous is not None and at < previous:
        raise ValueError(f"timestamps must not go backwards: {at} after {previous}")


def _repeats(previous: Frame, image: Image.Image, at: float | None) -> bool:
    """Whether image repeats the previous frame (same timing kind, same pixels)."""
    return (previous.at is None) == (at is None) and previous.image.tobytes() == image.tobytes()


def _durations(frames: Sequence[Frame], fps: float) -> list[float]:
    """Seconds each frame stays up: to the next timestamp when both are known, else 1/fps per show."""
    tick = 1 / fps
    nexts: list[Frame | None] = [*frames[1:], None]
    return [_duration(frame, after, tick) for frame, after in zip(frames, nexts, strict=True)]


def _duration(frame: Frame, after: Frame | None, tick: float) -> float:
    if frame.at is None:
        return frame.repeats * tick
    if after is not None and after.at is not None:
        return after.at - frame.at
    last = frame.last_at if frame.last_at is not None else frame.at
    return last - frame.at + tick


def _centiseconds(seconds: Sequence[float]) -> list[int]:
    """Durations in whole 10 ms units, rounding the running total so the sum stays right."""
    units: list[int] = []
    total = 0.0
    done = 0
    for duration in seconds:
        total += duration
        end = math.floor(total * 100 + 0.5)
        units.append(end - done)
        done = end
    return units


def _gif_frames(frames: Sequence[Frame], units: Sequence[int]) -> tuple[list[Image.Image], list[int]]:
    """Drop frames that round to 0 units and merge identical neighbours; at least one frame of >= 1 unit."""
    images: list[Image.Image] = []
    kept: list[int] = []
    for frame, unit in zip(frames, units, strict=True):
        if unit <= 0:
            continue
        if images and images[-1].tobytes() == frame.image.tobytes():
            kept[-1] += unit
        else:
            images.append(frame.image)
            kept.append(unit)
    return (images, kept) if images else ([frames[-1].image], [1])
