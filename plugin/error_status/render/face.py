"""Text set so that every glyph is separated from its neighbours by at least one unlit column.

A monospace bitmap font at its own advance does not promise that: bold misc-fixed glyphs fill
their whole cell ("WARN" in 6x13B is one blob) and even medium ones have a few that do (5x8's
``m`` and ``w``). A ``Face`` reads each glyph's ink columns from the font (``BitmapFont.ink``) and
gives a glyph whose ink reaches the right edge of its cell (or starts left of it) the extra
columns it needs; ``tracking`` adds the same number of columns after every glyph on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import ImageDraw

from .fonts import BitmapFont, Fill, load_font

_Pitch = tuple[int, int]  # columns before the glyph's origin, columns from the origin to the next glyph


@dataclass(frozen=True, eq=False)
class Face:
    """A bundled font with the spacing that keeps its glyphs apart (compared and hashed by identity:
    ``load_face`` hands out one per font and tracking, and caches key on it)."""

    font: BitmapFont
    tracking: int = 0
    _pitches: dict[int, _Pitch] = field(default_factory=dict, init=False, compare=False, repr=False)
    _special: frozenset[str] = field(default=frozenset(), init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # the characters that are not set at the font's plain advance: text without them is drawn
        # and measured in one call, as the font alone would do it
        font = self.font
        special = {chr(code) for code, (left, right) in font.ink.items()
                   if left < 0 or right > font.irregular.get(code, font.advance) - 2}
        object.__setattr__(self, "_special", frozenset(special | {chr(c) for c in font.irregular}))

    def plain(self, text: str) -> bool:
        """Whether ``text`` is set exactly as the font alone sets it (no extra columns anywhere)."""
        return not self.tracking and self._special.isdisjoint(text)

    @property
    def name(self) -> str:
        """The font's name, with ``+N`` for extra tracking."""
        return self.font.name + (f"+{self.tracking}" if self.tracking else "")

    @property
    def height(self) -> int:
        """Rows of the text's cell."""
        return self.font.height

    @property
    def ascent(self) -> int:
        """Rows above the baseline."""
        return self.font.ascent

    @property
    def advance(self) -> int:
        """The usual distance between two glyphs' origins."""
        return self.font.advance + self.tracking

    def has(self, ch: str) -> bool:
        """Whether ``ch`` is one code point the font draws in a regular cell."""
        return self.font.has(ch)

    def pitch(self, ch: str) -> _Pitch:
        """(lead, step): the glyph's origin is ``lead`` columns after the pen, and the next glyph's pen
        is ``step`` columns after the glyph's origin."""
        code = ord(ch)
        known = self._pitches.get(code)
        if known is not None:
            return known
        font = self.font
        width = font.irregular.get(code, font.advance)
        ink = font.ink.get(code)
        lead = max(0, -ink[0]) if ink else 0
        overhang = max(0, ink[1] - (width - 2)) if ink else 0
        pitch = (lead, width + overhang + self.tracking)
        self._pitches[code] = pitch
        return pitch

    def offsets(self, text: str) -> list[int]:
        """The x of each character's origin, relative to where the text starts."""
        x = 0
        out = []
        for ch in text:
            lead, step = self.pitch(ch)
            out.append(x + lead)
            x += lead + step
        return out

    def width(self, text: str) -> int:
        """Columns from the start of ``text`` to where the next glyph could start (no trailing
        tracking)."""
        if self.plain(text):
            return self.font.width(text)
        total = 0
        for ch in text:
            lead, step = self.pitch(ch)
            total += lead + step
        return total - self.tracking if text else 0

    def draw(self, draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, fill: Fill) -> None:
        """Draw ``text`` with its first cell's top-left at ``xy``: runs of glyphs that need no extra
        columns in one call, a new run after each glyph that does."""
        if self.plain(text):
            self.font.draw(draw, xy, text, fill)
            return
        x, y = int(xy[0]), int(xy[1])
        run_start, run = x, list[str]()
        for ch in text:
            lead, step = self.pitch(ch)
            if lead:
                self._flush(draw, run_start, y, run, fill)
                x += lead
                run_start, run = x, list[str]()
            run.append(ch)
            x += step
            if step != self.font.irregular.get(ord(ch), self.font.advance):
                self._flush(draw, run_start, y, run, fill)
                run_start, run = x, list[str]()
        self._flush(draw, run_start, y, run, fill)

    def _flush(self, draw: ImageDraw.ImageDraw, x: int, y: int, run: list[str], fill: Fill) -> None:
        if run:
            self.font.draw(draw, (x, y), "".join(run), fill)


def load_face(name: str, tracking: int = 0) -> Face:
    """The bundled font ``name`` set with ``tracking`` extra columns (shared, like its font)."""
    key = (name, tracking)
    face = _FACES.get(key)
    if face is None:
        if not 0 <= tracking <= 4:
            raise ValueError(f"tracking must be 0-4 columns, got {tracking}")
        face = _FACES.setdefault(key, Face(load_font(name), tracking))
    return face


_FACES: dict[tuple[str, int], Face] = {}
