"""The status mark: a few pixels in one corner of another plugin's frame that say "something is
wrong, and how badly" between error-status's own turns.

A shape per severity, in that severity's colour, on a black square that keeps it readable over any
content: a plus for a warning, a full square for an error, a full square that pulses for a critical
alert (full brightness for half a second, then dimmed for half a second: 1 Hz, under the 2 Hz
limit). It is dimmed, not dark, in the other half: a plugin that pushes one frame a second would
otherwise catch the same half every time and never show it. 3x3 LEDs plus a 1-LED dark border on
panels up to 32 rows, 5x5 on taller ones. Pure: ``stamp`` pastes into the image it is given (the
caller's copy, never a plugin's own image).
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image

from ..model import Severity
from .style import RGB

CORNERS = ("top-right", "top-left", "bottom-right", "bottom-left")
BLINK_PERIOD = 1.0  # seconds per bright/dim cycle of a critical mark: 1 Hz, under the 2 Hz limit
DIM = 0.4  # the dim half's brightness (a lit channel of 255 stays above 64: it survives dimming)

_SHAPES: dict[tuple[Severity, int], tuple[str, ...]] = {
    (Severity.WARNING, 3): (".#.", "###", ".#."),
    (Severity.ERROR, 3): ("###", "###", "###"),
    (Severity.WARNING, 5): ("..#..", ".###.", "#####", ".###.", "..#.."),
    (Severity.ERROR, 5): ("#####",) * 5,
}


def mark_unit(height: int) -> int:
    """The shape's side in LEDs for a panel this many rows high."""
    return 5 if height >= 64 else 3


def mark_box(corner: str, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the pixels the mark replaces (the shape and its border)."""
    if corner not in CORNERS:
        raise ValueError(f"corner must be one of {', '.join(CORNERS)}, got {corner!r}")
    width, height = size
    side = mark_unit(height) + 1
    left = width - side if corner.endswith("right") else 0
    top = height - side if corner.startswith("bottom") else 0
    return left, top, left + side, top + side


def blink_on(severity: Severity, now: float) -> bool:
    """Whether the mark is at full brightness at ``now`` (monotonic seconds): always, except a
    critical mark's dim half-second."""
    return severity < Severity.CRITICAL or (now % BLINK_PERIOD) < BLINK_PERIOD / 2


def mark_colour(severity: Severity, colour: RGB, now: float) -> RGB:
    """The colour the mark is drawn in at ``now``: ``colour``, or dimmed in a critical mark's
    dim half."""
    if blink_on(severity, now):
        return colour
    return (int(colour[0] * DIM), int(colour[1] * DIM), int(colour[2] * DIM))


def mark_patch(severity: Severity, colour: RGB, unit: int, corner: str) -> Image.Image:
    """The mark as an RGB image: the shape flush with the panel's edges, the border on the inner
    sides."""
    rows = _SHAPES[(min(severity, Severity.ERROR), unit)]  # critical: the error's square, blinking
    side = unit + 1
    patch = Image.new("RGB", (side, side))
    dx = 0 if corner.endswith("right") else 1
    dy = 1 if corner.startswith("bottom") else 0
    pixels = patch.load()
    assert pixels is not None
    for y, row in enumerate(rows):
        for x, cell in enumerate(row):
            if cell == "#":
                pixels[x + dx, y + dy] = colour
    return patch


@lru_cache(maxsize=128)
def _placed(severity: Severity, colour: RGB, corner: str,
            size: tuple[int, int]) -> tuple[Image.Image, tuple[int, int]]:
    """The patch and where it goes on a frame of ``size`` (cached: the frame path asks every frame)."""
    left, top, _, _ = mark_box(corner, size)
    return mark_patch(severity, colour, mark_unit(size[1]), corner), (left, top)


def stamp(frame: Image.Image, severity: Severity, colour: RGB, corner: str, now: float) -> None:
    """Paste the mark into ``frame`` (a copy the caller owns)."""
    frame.paste(*_placed(severity, mark_colour(severity, colour, now), corner, frame.size))


def example_frames(size: tuple[int, int]) -> list[Image.Image]:
    """Another plugin's frame (a clock) without the mark, then with a warning, an error and a
    critical mark in each corner of the four in turn (critical in its bright half): the README's
    picture of the mark."""
    from PIL import ImageDraw

    from .face import load_face

    height = size[1]
    base = Image.new("RGB", size)
    draw = ImageDraw.Draw(base)
    face = load_face("6x10" if height < 32 else "9x15B", tracking=1)
    face.draw(draw, (2, 1), "12:34", (255, 255, 255))
    draw.rectangle((4, height - 5, 13, height - 2), fill=(0, 64, 255))
    frames = [base]
    for severity, corner in zip(Severity, CORNERS, strict=False):
        frame = base.copy()
        stamp(frame, severity, _EXAMPLE_COLOURS[severity], corner, now=0.0)
        frames.append(frame)
    return frames


_EXAMPLE_COLOURS: dict[Severity, RGB] = {Severity.WARNING: (255, 176, 0), Severity.ERROR: (255, 96, 0),
                                         Severity.CRITICAL: (255, 0, 0)}
