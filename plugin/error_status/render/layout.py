"""Where things go on a panel of a given size: a layout per shape of panel, not one layout scaled."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .fonts import BitmapFont, load_font

# Fonts from small to large; bold ones read better across a room once there is room for them.
FONT_LADDER = ("4x6", "5x7", "5x8", "6x10", "6x13B", "7x13B", "9x15B", "10x20")
MIN_SIZE = (32, 16)
MAX_SIZE = (512, 256)


@dataclass(frozen=True, slots=True)
class TextBand:
    """A horizontal band of text: its top row, font and height."""

    y: int
    font: str

    @property
    def height(self) -> int:
        """The band's height in pixels (its font's cell height)."""
        return load_font(self.font).height


@dataclass(frozen=True, slots=True)
class DotGrid:
    """Where health dots go: a grid of ``columns`` x ``rows`` cells of ``size`` px, ``gap`` apart."""

    x: int
    y: int
    size: int
    gap: int
    columns: int
    rows: int

    @property
    def capacity(self) -> int:
        """How many dots fit."""
        return self.columns * self.rows

    @property
    def width(self) -> int:
        """Width of the grid in pixels."""
        return self.columns * (self.size + self.gap) - self.gap

    @property
    def height(self) -> int:
        """Height of the grid in pixels."""
        return self.rows * (self.size + self.gap) - self.gap

    def cell(self, index: int) -> tuple[int, int]:
        """Top-left corner of dot ``index`` (row by row)."""
        row, column = divmod(index, self.columns)
        return self.x + column * (self.size + self.gap), self.y + row * (self.size + self.gap)


@dataclass(frozen=True, slots=True)
class Layout:
    """The regions of one panel size."""

    width: int
    height: int
    content_width: int
    header: TextBand | None
    ticker: TextBand
    rows: tuple[TextBand, ...]
    dots: DotGrid | None


def check_size(width: object, height: object) -> tuple[int, int]:
    """A supported panel size, or a ValueError naming what is wrong."""
    for name, value, low, high in (("width", width, MIN_SIZE[0], MAX_SIZE[0]),
                                   ("height", height, MIN_SIZE[1], MAX_SIZE[1])):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"panel {name} must be an integer, got {value!r}")
        if not low <= value <= high:
            raise ValueError(f"panel {name} must be {low}-{high} pixels, got {value}")
    return width, height  # type: ignore[return-value]


@lru_cache(maxsize=64)
def plan(width: int, height: int, show_dots: bool = True, dots_position: str = "auto") -> Layout:
    """The layout for a ``width`` x ``height`` panel."""
    check_size(width, height)
    right = show_dots and (dots_position == "right" or (dots_position == "auto" and width >= 6 * height))
    dots = None
    if show_dots:
        dots = _right_dots(width, height) if right else _bottom_dots(width, height)
    content_width = dots.x - 3 if dots is not None and right else width
    content_bottom = dots.y - 2 if dots is not None and not right else height
    if height < 24:
        small = _pick(content_bottom - 1, content_width / 6)
        y = max(0, (content_bottom - load_font(small).height) // 2)
        return Layout(width, height, content_width, None, TextBand(y, small), (), dots)
    header_font = _pick(8 if height < 48 else 10 if height < 96 else 13, content_width / 10)
    header = TextBand(0, header_font)
    top = header.height + 2
    ticker_font = _pick(min(content_bottom - top, 20 if height >= 96 or right else 16), content_width / 10)
    ticker_height = load_font(ticker_font).height
    if height < 48:
        ticker = TextBand(top + max(0, (content_bottom - top - ticker_height) // 2), ticker_font)
        return Layout(width, height, content_width, header, ticker, (), dots)
    ticker = TextBand(top, ticker_font)
    return Layout(width, height, content_width, header, ticker,
                  _rows(top + ticker_height + 3, content_bottom, content_width), dots)


def _pick(max_height: float, max_advance: float) -> str:
    """The largest font that fits both limits (the smallest one if none does)."""
    best = FONT_LADDER[0]
    for name in FONT_LADDER:
        font: BitmapFont = load_font(name)
        if font.height <= max_height and font.advance <= max_advance:
            best = name
    return best


def _bottom_dots(width: int, height: int) -> DotGrid:
    """A row (two or three on tall panels) of dots along the bottom edge."""
    size = 3 if height < 24 else 4 if height < 48 else 5 if height < 96 else 6
    gap = 1 if size <= 3 else 2
    rows = 1 if height < 48 else 2 if height < 96 else 3
    columns = (width + gap) // (size + gap)
    grid_height = rows * (size + gap) - gap
    x = (width - (columns * (size + gap) - gap)) // 2
    return DotGrid(x, height - grid_height - (1 if height >= 24 else 0), size, gap, columns, rows)


def _right_dots(width: int, height: int) -> DotGrid:
    """A block of dots at the right end of a wide, short panel."""
    size, gap = (4, 2) if height < 48 else (5, 2)
    rows = (height + gap) // (size + gap)
    columns = max(1, min(8, width // 7 // (size + gap)))
    grid = DotGrid(0, 0, size, gap, columns, rows)
    return DotGrid(width - grid.width - 1, (height - grid.height) // 2, size, gap, columns, rows)


def _rows(top: int, bottom: int, width: int) -> tuple[TextBand, ...]:
    """Static alert rows between the ticker and the dots on tall panels (at most six): the largest
    font that still gives two rows, since one row cannot list anything."""
    candidates = [name for name in FONT_LADDER
                  if load_font(name).height <= 10 and load_font(name).advance <= width / 12]
    candidates = candidates or [FONT_LADDER[0]]
    for name in reversed(candidates):
        pitch = load_font(name).height + 1
        count = min(6, max(0, (bottom - top + 1) // pitch))
        if count >= 2 or name == candidates[0]:
            return tuple(TextBand(top + i * pitch, name) for i in range(count))
    return ()
