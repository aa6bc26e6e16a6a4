"""The ticker: each alert as one line of text after its severity icon, side by side on a strip that
is drawn once per snapshot and scrolled by pasting it at an offset."""

from __future__ import annotations

from PIL import Image, ImageDraw

from ..model import Alert
from .draw import draw_text, gap, icon_size
from .fonts import BitmapFont
from .icons import draw_severity_icon
from .style import Style
from .text import panel_safe

MAX_MESSAGE_CHARS = 160


_Segment = tuple[int, Alert, str]  # width on the strip (icon, text, gap), the alert, its text


def segments(alerts: tuple[Alert, ...], font: BitmapFont, style: Style) -> list[_Segment]:
    """Each alert with the width its piece of the strip takes (icon, text, gap)."""
    icon = icon_size(font)
    texts = [(alert, ticker_text(alert, font)) for alert in alerts]
    return [(icon + 2 + font.width(text) + gap(font), alert, text) for alert, text in texts]


def ticker_text(alert: Alert, font: BitmapFont) -> str:
    """``TAG source: message ×count``, safe for the font; the count has room for three digits so
    that a changing count does not move the rest of the strip."""
    times = "×" if font.has("×") else "x"
    message = panel_safe(alert.message, font, MAX_MESSAGE_CHARS)
    source = panel_safe(alert.source, font, 40)
    text = f"{alert.severity.tag} {source}: {message}" if message else f"{alert.severity.tag} {source}"
    return f"{text} {times}{alert.count:<3}"


def draw_strip(segments: list[_Segment], font: BitmapFont, height: int, wrap: int,
                style: Style) -> Image.Image | None:
    """The alerts side by side, followed by ``wrap`` pixels of its own start (for seamless scroll)."""
    if not segments:
        return None
    total = sum(segment[0] for segment in segments)
    strip = Image.new("RGB", (total + wrap, height))
    draw = ImageDraw.Draw(strip)
    draw.fontmode = "1"
    icon = icon_size(font)
    top = (height - font.height) // 2
    x = 0
    for width, alert, text in segments:
        colour = style.colour(alert.severity)
        draw_severity_icon(draw, x, top + (font.height - icon) // 2, icon, alert.severity, colour)
        draw_text(draw, font, x + icon + 2, top, text, colour)
        x += width
    if wrap:
        strip.paste(strip.crop((0, 0, min(wrap, total), height)), (total, 0))
    return strip
