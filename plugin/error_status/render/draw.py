"""Small drawing helpers shared by the scene and the ticker: spacing, icon size, fitted text."""

from __future__ import annotations

from PIL import ImageDraw

from .fonts import BitmapFont
from .style import RGB
from .text import panel_safe


def gap(font: BitmapFont) -> int:
    """Space between two alerts on the strip."""
    return 4 * font.advance


def icon_size(font: BitmapFont) -> int:
    """Icons are as tall as the font's capitals (odd, so shapes have a centre)."""
    size = max(5, font.ascent)
    return size if size % 2 else size - 1


def fit(text: str, font: BitmapFont, width: int) -> str:
    """``text`` made safe and cut (with an ellipsis) to ``width`` pixels."""
    chars = max(1, width // max(1, font.advance))
    return panel_safe(text, font, chars)


def draw_text(draw: ImageDraw.ImageDraw, font: BitmapFont, x: int, y: int, text: str, colour: RGB) -> None:
    """Draw ``text`` with its cell's top at ``y``."""
    font.draw(draw, (x, y), text, colour)
