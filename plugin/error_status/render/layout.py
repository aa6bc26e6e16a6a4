"""Where things go on a panel of a given size: a layout per shape of panel, not one layout scaled."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .face import Face, load_face

# Fonts from small to large; bold ones read better across a room once there is room for them.
# Left out: 5x8 (its "s" is two dots on a diagonal, read as ":" on LEDs), 6x13B and 7x13B (bold in a
# cell too narrow for it: "m", "w" and "N" fill solid). Every font is set by a Face, which keeps at
# least one unlit column between glyphs whatever the font.
FONT_LADDER = ("4x6", "5x7", "6x10", "6x13", "8x13B", "9x15B", "10x20")
TWO_LINE_HEADER_BELOW = 96  # content width under which the header's cause gets a line of its own
MIN_SIZE = (32, 16)
MAX_SIZE = (512, 256)


@dataclass(frozen=True, slots=True)
class TextBand:
    """A horizontal band of text: its top row, font and tracking."""

    y: int
    font: str
    tracking: int = 0

    @property
    def face(self) -> Face:
        """The band's font, set with its tracking."""
        return load_face(self.font, self.tracking)

    @property
    def height(self) -> int:
        """The band's height in pixels (its font's cell height)."""
        return self.face.height


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
    """The regions of one panel size. ``cause`` is the header's second line (the worst alert's
    cause) on panels too narrow to say plugin and cause on one line."""

    width: int
    height: int
    content_width: int
    header: TextBand | None
    ticker: TextBand
    rows: tuple[TextBand, ...]
    dots: DotGrid | None
    cause: TextBand | None = None


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
    content_bottom = dots.y - 1 if dots is not None and not right else height  # exclusive
    if height < 24:
        small = _pick(content_bottom - 2, content_width / 5)
        y = max(0, (content_bottom - 1 - load_face(small).height) // 2)
        return Layout(width, height, content_width, None, TextBand(y, small), (), dots)
    header = TextBand(0, _pick(8 if height < 48 else 10 if height < 96 else 13, content_width / 10))
    cause = None
    if height < 48 and content_width < TWO_LINE_HEADER_BELOW:
        cause = TextBand(header.height + 1, header.font)
        top = cause.y + cause.height + 1
    else:
        top = header.height + 2
    ticker_font = _pick(min(content_bottom - top, 20 if height >= 96 or right else 16), content_width / 10)
    ticker_height = load_face(ticker_font).height
    if height < 48:
        ticker = TextBand(top + max(0, (content_bottom - top - ticker_height) // 2), ticker_font)
        return Layout(width, height, content_width, header, ticker, (), dots, cause)
    ticker = TextBand(top, ticker_font)
    return Layout(width, height, content_width, header, ticker,
                  _rows(top + ticker_height + 3, content_bottom - 1, content_width), dots)


def _pick(max_height: float, max_advance: float) -> str:
    """The largest font that fits both limits (the smallest one if none does)."""
    best = FONT_LADDER[0]
    for name in FONT_LADDER:
        face = load_face(name)
        if face.height <= max_height and face.advance <= max_advance:
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
                  if load_face(name).height <= 10 and load_face(name).advance <= width / 12]
    candidates = candidates or [FONT_LADDER[0]]
    for name in reversed(candidates):
        pitch = load_face(name).height + 1
        count = min(6, max(0, (bottom - top + 1) // pitch))
        if count >= 2 or name == candidates[0]:
            return tuple(TextBand(top + i * pitch, name) for i in range(count))
    return ()
