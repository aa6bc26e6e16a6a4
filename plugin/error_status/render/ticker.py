"""The ticker: each alert as one line after its severity icon — tag, plugin, cause, count, then the
detail — side by side on a strip that is drawn once per snapshot and scrolled by pasting it at an
offset. Each alert's piece is drawn once per text and kept, so a storm that changes one count
redraws one piece, not all of them."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from PIL import Image, ImageDraw

from ..model import Alert, Severity
from .causes import cause
from .detail import MAX_DETAIL_CHARS, detail
from .draw import Pen, Placed, gap, icon_size
from .face import Face
from .fonts import BitmapFont
from .icons import draw_severity_icon
from .style import RGB, Style
from .text import panel_safe

MAX_MESSAGE_CHARS = MAX_DETAIL_CHARS
COUNT_DIGITS = 3  # room kept for a count this long, so a growing count does not move the strip
PIECE_CACHE_PIXELS = 1_000_000  # about 4 MB of drawn pieces are kept for the next snapshot


@dataclass(frozen=True, slots=True)
class Segment:
    """One alert's piece of the strip: its text and the columns it takes (icon, text, room for the
    count to grow, the gap to the next)."""

    alert: Alert
    text: str
    width: int


def ticker_text(alert: Alert, font: BitmapFont | Face, content: str = "cause_and_detail") -> str:
    """``TAG plugin: cause ×count detail`` (no detail when ``content`` is ``"cause"``), safe for
    the font."""
    bitmap = font.font if isinstance(font, Face) else font
    times = "×" if bitmap.has("×") else "x"
    why = cause(alert)
    head = f"{alert.severity.tag} {panel_safe(alert.source, bitmap, 40)}: {panel_safe(why, bitmap, 24)}"
    text = f"{head} {times}{alert.count}"
    if content == "cause":
        return text
    more = panel_safe(detail(alert.message, why), bitmap, MAX_MESSAGE_CHARS)
    return f"{text} {more}" if more else text


def segments(alerts: tuple[Alert, ...], face: Face, style: Style) -> list[Segment]:
    """Each alert with the columns its piece of the strip takes."""
    icon = icon_size(face)
    times = "×" if face.has("×") else "x"
    room = face.width(times + "8" * COUNT_DIGITS)
    out = []
    for alert in alerts:
        text = ticker_text(alert, face, style.ticker_content)
        grow = max(0, room - face.width(f"{times}{alert.count}"))
        out.append(Segment(alert, text, icon + 2 + face.width(text) + grow + gap(face)))
    return out


def draw_strip(pieces: list[Segment], face: Face, height: int, wrap: int,
               style: Style) -> tuple[Image.Image | None, list[Placed]]:
    """The alerts side by side, followed by ``wrap`` pixels of its own start (for seamless scroll);
    and where each text went."""
    if not pieces:
        return None, []
    total = sum(piece.width for piece in pieces)
    strip = Image.new("RGB", (total + wrap, height))
    top = (height - face.height) // 2
    text_x = icon_size(face) + 2
    placed = []
    x = 0
    for piece in pieces:
        image = _PIECES.get(face, piece.text, piece.alert.severity, style.colour(piece.alert.severity))
        strip.paste(image, (x, top))
        placed.append(Placed(x + text_x, top, face, piece.text))
        x += piece.width
    if wrap:
        strip.paste(strip.crop((0, 0, min(wrap, total), height)), (total, 0))
    return strip, placed


class _Pieces:
    """Drawn pieces by (face, text, severity, colour), the least recently used dropped beyond a
    pixel budget. Any thread may ask; two asking at once for a new piece both draw it."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._pixels = 0
        self._items: OrderedDict[tuple[Face, str, Severity, RGB], Image.Image] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, face: Face, text: str, severity: Severity, colour: RGB) -> Image.Image:
        key = (face, text, severity, colour)
        with self._lock:
            image = self._items.get(key)
            if image is not None:
                self._items.move_to_end(key)
                return image
        image = _draw_piece(face, text, severity, colour)
        with self._lock:
            if key not in self._items:
                self._items[key] = image
                self._pixels += image.width * image.height
            while self._pixels > self._budget and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._pixels -= old.width * old.height
        return image


def _draw_piece(face: Face, text: str, severity: Severity, colour: RGB) -> Image.Image:
    """Icon and text of one alert, on black, the face's height tall (shared: never draw into it)."""
    icon = icon_size(face)
    image = Image.new("RGB", (icon + 2 + face.width(text), face.height))
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    draw_severity_icon(draw, 0, (face.height - icon) // 2, icon, severity, colour)
    Pen(draw).text(face, icon + 2, 0, text, colour)
    return image


_PIECES = _Pieces(PIECE_CACHE_PIXELS)
