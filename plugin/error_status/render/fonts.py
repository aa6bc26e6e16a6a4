"""Bundled monospace BDF bitmap fonts, loaded crisp at their native pixel size through Pillow."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ImageDraw, ImageFont

from .bdf import BdfInfo, Ink, parse_bdf

Fill = float | tuple[int, ...] | str

_FONT_SUFFIX = ".bdf"
_CELL_NAME = re.compile(r"(\d+)x(\d+)")


@dataclass(frozen=True)
class BitmapFont:
    """A monospace bitmap font: cell metrics, the code points it draws, and its Pillow handle."""

    name: str
    path: Path
    height: int
    ascent: int
    advance: int
    charset: frozenset[int]
    pil: ImageFont.FreeTypeFont = field(compare=False, repr=False)
    irregular: Mapping[int, int] = field(default_factory=dict, compare=False, repr=False)
    ink: Mapping[int, Ink] = field(default_factory=dict, compare=False, repr=False)

    @property
    def descent(self) -> int:
        """Pixels of the cell below the baseline."""
        return self.height - self.ascent

    def has(self, ch: str) -> bool:
        """Whether ``ch`` is one code point that this font draws in a regular cell."""
        return len(ch) == 1 and ord(ch) in self.charset

    def width(self, text: str) -> int:
        """Advance width of ``text`` in pixels, as Pillow lays it out."""
        total = self.advance * len(text)
        if self.irregular:
            total += sum(self.irregular.get(ord(ch), self.advance) - self.advance for ch in text)
        return total

    def draw(self, draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, fill: Fill) -> None:
        """Draw ``text`` crisp with the top-left of its first cell at ``xy`` (rows y..y+height-1)."""
        draw.fontmode = "1"
        draw.text((int(xy[0]), int(xy[1])), text, font=self.pil, fill=fill, anchor="la")


def font_dir() -> Path:
    """The directory holding the bundled fonts (wheel layout first, then the repository layout)."""
    package = Path(__file__).parent.parent  # error_status/
    wheel = package / "assets" / "fonts"
    if wheel.is_dir():
        return wheel
    repo = package.resolve().parents[1] / "assets" / "fonts"
    if repo.is_dir():
        return repo
    raise FileNotFoundError(f"bundled fonts not found: looked in {wheel} and {repo}")


def available_fonts() -> list[str]:
    """Names of the bundled fonts (file stems), smallest cell first, named-only fonts last."""
    return sorted((p.stem for p in font_dir().glob("*" + _FONT_SUFFIX)), key=_sort_key)


def _sort_key(name: str) -> tuple[int, int, int, str]:
    """Order ``WxH`` names by cell height then width; other names after them."""
    match = _CELL_NAME.match(name)
    if match is None:
        return (1, 0, 0, name)
    return (0, int(match.group(2)), int(match.group(1)), name)


@functools.cache
def load_font(name: str) -> BitmapFont:
    """The bundled font called ``name`` (e.g. ``"5x7"``); ValueError for an unknown name."""
    names = available_fonts()
    if name not in names:
        raise ValueError(f"unknown font {name!r}: available fonts are {', '.join(names)}")
    path = font_dir() / (name + _FONT_SUFFIX)
    return _build(name, path, parse_bdf(path.read_text(encoding="latin-1")))


def _build(name: str, path: Path, info: BdfInfo) -> BitmapFont:
    """A BitmapFont from parsed BDF facts; the most common advance is the cell width."""
    if not info.widths or info.ascent + info.descent <= 0:
        raise ValueError(f"{path}: not a usable BDF font (no glyphs or no FONT_ASCENT/FONT_DESCENT)")
    advance = Counter(info.widths.values()).most_common(1)[0][0]
    regular = frozenset(cp for cp, w in info.widths.items() if w == advance)
    irregular = {cp: w for cp, w in info.widths.items() if w != advance}
    height = info.ascent + info.descent
    pil = _open(path, (info.pixel_size, info.size_pixels, height))
    return BitmapFont(name, path, height, info.ascent, advance, regular, pil, irregular, info.ink)


def _open(path: Path, sizes: tuple[int, ...]) -> ImageFont.FreeTypeFont:
    """Open a BDF through FreeType at the first size it accepts (only the native one works)."""
    error: OSError | None = None
    for size in dict.fromkeys(s for s in sizes if s > 0):
        try:
            return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)
        except OSError as exc:
            error = exc
    raise OSError(f"{path}: FreeType accepts none of the pixel sizes {sizes}: {error}")
