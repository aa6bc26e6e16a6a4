"""The ticker: each alert as one line after its severity icon — tag, plugin, cause, count, then the
detail — side by side on a strip that is drawn once per snapshot and scrolled by pasting it at an
offset. Each alert's piece is drawn once per text and kept, so a storm that changes one count
redraws one piece, not all of them."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw

from ..model import Alert, Severity
from .causes import classify
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
    """One alert's piece of the strip: its text in three parts (``TAG plugin: cause``, `` ×count``,
    `` detail``: a new count redraws only the middle one) and the columns it takes (icon, text,
    room for the count to grow, the gap to the next)."""

    alert: Alert
    parts: tuple[str, str, str]
    width: int

    @property
    def text(self) -> str:
        """The whole text."""
        return "".join(self.parts)


def ticker_text(alert: Alert, font: BitmapFont | Face, content: str = "cause_and_detail") -> str:
    """``TAG plugin: cause ×count detail`` (no detail when ``content`` is ``"cause"``), safe for
    the font."""
    return "".join(_parts(alert, font.font if isinstance(font, Face) else font, content))


def _parts(alert: Alert, font: BitmapFont, content: str) -> tuple[str, str, str]:
    """Head, count and detail of an alert's ticker text."""
    head, tail = _words(font, alert.severity.tag, alert.source, alert.origin, alert.error_type,
                        alert.message if content != "cause" else None)
    return head, f" {'×' if font.has('×') else 'x'}{alert.count}", tail


@functools.lru_cache(maxsize=1024)
def _words(font: BitmapFont, tag: str, source: str, origin: str, error_type: str,
           message: str | None) -> tuple[str, str]:
    """``TAG plugin: cause`` and `` detail`` (empty without a message), safe for the font; cached,
    so that a storm of changing counts does not clean and redact the same words again."""
    why = classify(origin, error_type, message or "")
    head = f"{tag} {panel_safe(source, font, 40)}: {panel_safe(why, font, 24)}"
    if message is None:
        return head, ""
    more = panel_safe(detail(message, why), font, MAX_MESSAGE_CHARS)
    return head, f" {more}" if more else ""


def segments(alerts: tuple[Alert, ...], face: Face, style: Style) -> list[Segment]:
    """Each alert with the columns its piece of the strip takes."""
    icon = icon_size(face)
    times = "×" if face.has("×") else "x"
    room = face.width(" " + times + "8" * COUNT_DIGITS)
    out = []
    for alert in alerts:
        parts = _parts(alert, face.font, style.ticker_content)
        grow = max(0, room - face.width(parts[1]))
        out.append(Segment(alert, parts, icon + 2 + face.width("".join(parts)) + grow + gap(face)))
    return out


def draw_strip(pieces: list[Segment], face: Face, height: int, wrap: int, style: Style,
               pause: Callable[[], None] | None = None) -> tuple[Image.Image | None, list[Placed]]:
    """The alerts side by side, followed by ``wrap`` pixels of its own start (for seamless scroll);
    and where each text went. ``pause`` is called after each alert (to let another thread run)."""
    if not pieces:
        return None, []
    total = sum(piece.width for piece in pieces)
    strip = Image.new("RGB", (total + wrap, height))
    top = (height - face.height) // 2
    icon = icon_size(face)
    placed = []
    x = 0
    for piece in pieces:
        severity = piece.alert.severity
        colour = style.colour(severity)
        strip.paste(_PIECES.get(face, "", severity, colour), (x, top))  # the icon
        text_x = x + icon + 2
        for part in piece.parts:
            if part:
                strip.paste(_PIECES.get(face, part, None, colour), (text_x, top))
                placed.append(Placed(text_x, top, face, part))
                text_x += face.width(part) + face.tracking
        x += piece.width
        if pause is not None:
            pause()
    if wrap:
        strip.paste(strip.crop((0, 0, min(wrap, total), height)), (total, 0))
    return strip, placed


class _Pieces:
    """Drawn pieces by (face, text, severity, colour), the least recently used dropped beyond a
    pixel budget. Any thread may ask; two asking at once for a new piece both draw it."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._pixels = 0
        self._items: OrderedDict[tuple[Face, str, Severity | None, RGB], Image.Image] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, face: Face, text: str, severity: Severity | None, colour: RGB) -> Image.Image:
        """The icon of ``severity`` (``text`` empty) or ``text`` alone, drawn in ``colour``."""
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


def _draw_piece(face: Face, text: str, severity: Severity | None, colour: RGB) -> Image.Image:
    """A severity icon, or a text, on black, the face's height tall (shared: never draw into it)."""
    if severity is not None:
        icon = icon_size(face)
        image = Image.new("RGB", (icon, face.height))
        draw = ImageDraw.Draw(image)
        draw_severity_icon(draw, 0, (face.height - icon) // 2, icon, severity, colour)
        return image
    image = Image.new("RGB", (max(1, face.width(text)), face.height))
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    Pen(draw).text(face, 0, 0, text, colour)
    return image


_PIECES = _Pieces(PIECE_CACHE_PIXELS)
