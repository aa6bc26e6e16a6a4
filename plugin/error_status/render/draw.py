"""Small drawing helpers shared by the scene and the ticker: spacing, icon size, text cut to fit,
and a pen that records every text it draws (where, in which face) so tests can measure it."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import ImageDraw

from .face import Face
from .style import RGB
from .text import panel_safe


@dataclass(frozen=True, slots=True)
class Placed:
    """One text as drawn: the top-left of its first cell, its face and its characters."""

    x: int
    y: int
    face: Face
    text: str


@dataclass
class Pen:
    """Draws text crisp into one image and keeps a record of it."""

    draw: ImageDraw.ImageDraw
    placed: list[Placed] = field(default_factory=list)

    def text(self, face: Face, x: int, y: int, text: str, colour: RGB) -> None:
        """Draw ``text`` with its cell's top at ``y``."""
        if text:
            face.draw(self.draw, (x, y), text, colour)
            self.placed.append(Placed(x, y, face, text))


def gap(face: Face) -> int:
    """Space between two alerts on the strip."""
    return 4 * face.advance


def icon_size(face: Face) -> int:
    """Icons are as tall as the font's capitals (odd, so shapes have a centre)."""
    size = max(5, face.ascent)
    return size if size % 2 else size - 1


def fit(text: object, face: Face, width: int, max_chars: int = 200) -> str:
    """``text`` made safe for the face and cut, with an ellipsis, to at most ``width`` pixels."""
    line = panel_safe(text, face.font, max_chars)
    return cut(line, face, width)


def cut(line: str, face: Face, width: int) -> str:
    """``line`` (already safe) cut with an ellipsis to at most ``width`` pixels; "" if none fits."""
    if face.width(line) <= width:
        return line
    ellipsis = "…" if face.has("…") else "."
    room = width - face.width(ellipsis) - face.tracking
    used = 0
    for index, ch in enumerate(line):
        lead, step = face.pitch(ch)
        if used + lead + step - face.tracking > room:
            head = line[:index].rstrip()
            return head + ellipsis if head else ""
        used += lead + step
    return line
