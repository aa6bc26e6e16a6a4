"""Frame sinks: the Panel interface, an in-memory panel that records what it is shown, and open_panel()."""

from __future__ import annotations

import importlib.util
import math
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from PIL import Image, ImageDraw

PANEL_KINDS = ("auto", "rgbmatrix", "emulator", "emulator-browser", "memory")
EMULATOR_OPTIONS = frozenset({"port", "config_dir"})
MEMORY_OPTIONS = frozenset({"keep"})


class PanelUnavailable(RuntimeError):
    """The requested panel back-end cannot be opened on this machine."""


@runtime_checkable
class Panel(Protocol):
    """A fixed-size sink of full RGB frames (luma.core's device: size, display(image), cleanup())."""

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in LEDs."""
        ...

    def show(self, image: Image.Image) -> None:
        """Put a full "RGB" frame of exactly `size` on the panel."""
        ...

    def close(self) -> None:
        """Release the panel; safe to call twice."""
        ...


def check_frame(image: Image.Image, size: tuple[int, int]) -> None:
    """Raise ValueError unless image is "RGB" and exactly size (rgbmatrix raises, the emulator would not)."""
    if image.mode != "RGB":
        raise ValueError(
            f"panel frames must be mode 'RGB', got {image.mode!r}: convert with image.convert('RGB') "
            "(rgbmatrix raises for other modes; RGBMatrixEmulator would silently paste them)"
        )
    if image.size != size:
        raise ValueError(f"panel is {size[0]}x{size[1]}, got a {image.size[0]}x{image.size[1]} frame")


def check_open(closed: bool) -> None:
    """Raise RuntimeError when a closed panel is used."""
    if closed:
        raise RuntimeError("the panel is closed")


@dataclass(frozen=True)
class Frame:
    """One recorded frame, shown `repeats` times in a row; `at`/`last_at` are the first/last timestamps."""

    image: Image.Image
    repeats: int = 1
    at: float | None = None
    last_at: float | None = None


class MemoryPanel:
    """A panel that keeps copies of its frames (luma's dummy), for tests and README pictures."""

    def __init__(self, width: int, height: int, *, keep: int = 10_000) -> None:
        if width < 1 or height < 1 or keep < 1:
            raise ValueError(f"MemoryPanel needs width, height and keep >= 1, got {width}, {height}, {keep}")
        self._size = (width, height)
        self._frames: deque[Frame] = deque(maxlen=keep)
        self._closed = False
        self.shown = 0

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in LEDs."""
        return self._size

    @property
    def frames(self) -> list[Frame]:
        """Recorded frames, oldest first, identical consecutive ones merged; treat the images as read-only."""
        return list(self._frames)

    @property
    def last(self) -> Image.Image | None:
        """A copy of the last frame shown, or None."""
        return self._frames[-1].image.copy() if self._frames else None

    def show(self, image: Image.Image, at: float | None = None) -> None:
        """Record a copy of the frame; `at` is an optional timestamp in seconds (for GIF timing)."""
        check_open(self._closed)
        check_frame(image, self._size)
        self._check_time(at)
        self.shown += 1
        previous = self._frames[-1] if self._frames else None
        if previous is not None and _repeats(previous, image, at):
            self._frames[-1] = replace(previous, repeats=previous.repeats + 1, last_at=at)
        else:
            self._frames.append(Frame(image.copy(), 1, at, at))

    def close(self) -> None:
        """Stop accepting frames; the recording stays readable."""
        self._closed = True

    def save_png(self, path: str | Path, *, scale: int = 1, led: bool = False) -> None:
        """Write the last frame as a PNG, enlarged by render_picture()."""
        render_picture(self._require_frames()[-1].image, scale=scale, led=led).save(path, format="PNG")

    def save_gif(self, path: str | Path, *, fps: float, scale: int = 1, led: bool = False) -> None:
        """Write the recording as a GIF looping forever; untimed frames last 1/fps."""
        if not fps > 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        frames = self._require_frames()
        images, units = _gif_frames(frames, _centiseconds(_durations(frames, fps)))
        pictures = [render_picture(image, scale=scale, led=led) for image in images]
        pictures[0].save(
            path,
            format="GIF",
            save_all=True,
            append_images=pictures[1:],
            duration=[unit * 10 for unit in units],
            loop=0,
        )

    def _require_frames(self) -> list[Frame]:
        if not self._frames:
            raise ValueError("MemoryPanel has not been shown any frame yet")
        return list(self._frames)

    def _check_time(self, at: float | None) -> None:
        if at is None:
            return
        if not math.isfinite(at):
            raise ValueError(f"timestamp must be finite, got {at}")
        previous = self._frames[-1].last_at if self._frames else None
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


def render_picture(image: Image.Image, *, scale: int = 1, led: bool = False) -> Image.Image:
    """The frame enlarged scale times: nearest-neighbour, or with led=True as lit dots on black."""
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    size = (image.width * scale, image.height * scale)
    big = image.convert("RGB").resize(size, Image.Resampling.NEAREST)
    if not led:
        return big
    if scale < 2:
        raise ValueError("led=True needs scale >= 2: each LED is a dot plus a dark gap")
    return Image.composite(big, Image.new("RGB", size), _led_mask(image.size, scale))


def _led_mask(size: tuple[int, int], scale: int) -> Image.Image:
    """An "L" mask of one dot per LED: round when the dot is >= 5 px wide, square below."""
    cell = Image.new("L", (scale, scale), 0)
    gap = max(1, scale // 4)
    start, end = gap // 2, gap // 2 + scale - gap - 1
    draw = ImageDraw.Draw(cell)
    shape = draw.ellipse if scale - gap >= 5 else draw.rectangle
    shape((start, start, end, end), fill=255)
    row = Image.new("L", (size[0] * scale, scale), 0)
    for x in range(size[0]):
        row.paste(cell, (x * scale, 0))
    mask = Image.new("L", (size[0] * scale, size[1] * scale), 0)
    for y in range(size[1]):
        mask.paste(row, (0, y * scale))
    return mask


def open_panel(kind: str = "auto", width: int = 64, height: int = 32, **options: Any) -> Panel:
    """Open a panel of the given kind ("auto", "rgbmatrix", "emulator", "emulator-browser", "memory").

    "auto" picks "rgbmatrix" when the rgbmatrix module is importable (a failure to open it is then
    raised, not hidden behind a fallback: on a Pi you want to know), else "emulator-browser" when
    RGBMatrixEmulator is importable (the headless raw emulator shows a person nothing), else "memory".
    "emulator" is the headless raw adapter. Passing an explicit kind overrides the choice.
    options: RGBMatrixOptions names (hardware_mapping, gpio_slowdown, brightness, ...) for
    "rgbmatrix"; port and config_dir for the emulators; keep for "memory". Options that belong to
    another kind are ignored, so one set works for "auto"; unknown names raise ValueError.
    """
    from .panel_rgbmatrix import RGBMATRIX_OPTION_NAMES

    _check_option_names(options, RGBMATRIX_OPTION_NAMES | EMULATOR_OPTIONS | MEMORY_OPTIONS)
    return _OPENERS[resolve_kind(kind)](width, height, options)


def resolve_kind(kind: str, importable: Callable[[str], bool] | None = None) -> str:
    """The concrete panel kind for kind; "auto" as documented in open_panel()."""
    if kind not in PANEL_KINDS:
        raise ValueError(f"unknown panel kind {kind!r}; choose one of {', '.join(PANEL_KINDS)}")
    if kind != "auto":
        return kind
    found = importable or _importable
    if found("rgbmatrix"):
        return "rgbmatrix"
    return "emulator-browser" if found("RGBMatrixEmulator") else "memory"


def _importable(name: str) -> bool:
    """Whether a top-level module can be imported, without importing it (imports have side effects)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _check_option_names(options: Mapping[str, Any], known: frozenset[str]) -> None:
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"unknown panel option {unknown[0]!r}; known: {', '.join(sorted(known))}")


def _pick(options: Mapping[str, Any], names: frozenset[str]) -> dict[str, Any]:
    return {name: value for name, value in options.items() if name in names}


def _open_rgbmatrix(width: int, height: int, options: Mapping[str, Any]) -> Panel:
    from .panel_rgbmatrix import RGBMATRIX_OPTION_NAMES, RGBMatrixPanel

    return RGBMatrixPanel(width, height, options=_pick(options, RGBMATRIX_OPTION_NAMES))


def _open_emulator(width: int, height: int, options: Mapping[str, Any]) -> Panel:
    from .panel_emulator import EmulatorPanel

    return EmulatorPanel(width, height, adapter="raw", **_pick(options, EMULATOR_OPTIONS))


def _open_browser(width: int, height: int, options: Mapping[str, Any]) -> Panel:
    from .panel_emulator import EmulatorPanel

    return EmulatorPanel(width, height, adapter="browser", **_pick(options, EMULATOR_OPTIONS))


def _open_memory(width: int, height: int, options: Mapping[str, Any]) -> Panel:
    return MemoryPanel(width, height, **_pick(options, MEMORY_OPTIONS))


_OPENERS: dict[str, Callable[[int, int, Mapping[str, Any]], Panel]] = {
    "rgbmatrix": _open_rgbmatrix,
    "emulator": _open_emulator,
    "emulator-browser": _open_browser,
    "memory": _open_memory,
}
