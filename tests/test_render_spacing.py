"""Issue 9, "words that read at every size": every glyph of every text the panel shows is separated
from its neighbours by at least one unlit column, at every layout.

For each layout and scene, every text the scene drew (header, cause line, ticker pieces, rows,
tally, all-clear, "+N") is checked on the rendered pixels: each glyph's ink is read from its BDF
file by this test's own parser (BBX and bitmap: the font's metrics, not a constant), found exactly
where the renderer says it put the glyph, and between any two glyphs next to each other on a line,
in the same text or not, there is at least one column with no lit pixel in their rows.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pytest
from PIL import Image

from error_status.model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity
from error_status.render import Renderer
from error_status.render.draw import Placed
from error_status.render.examples import GOLDEN_SIZES, SCENES
from error_status.render.fonts import font_dir
from error_status.render.style import Style

SIZES = (*GOLDEN_SIZES, (32, 32), (64, 16), (128, 16), (192, 32), (256, 64), (128, 128))
_GLYPH = re.compile(r"^ENCODING (-?\d+)\n(?:(?!ENDCHAR).*\n)*?BBX (-?\d+) (-?\d+) (-?\d+) (-?\d+)\n"
                    r"BITMAP\n((?:[0-9A-Fa-f]*\n)*?)ENDCHAR", re.M)


@dataclass(frozen=True)
class Ink:
    """One glyph as drawn: its lit pixels in image coordinates."""

    char: str
    pixels: frozenset[tuple[int, int]]

    @property
    def left(self) -> int:
        return min(x for x, _ in self.pixels)

    @property
    def right(self) -> int:
        return max(x for x, _ in self.pixels)

    @property
    def rows(self) -> range:
        ys = [y for _, y in self.pixels]
        return range(min(ys), max(ys) + 1)


@functools.cache
def bdf_glyphs(font: str) -> dict[int, frozenset[tuple[int, int]]]:
    """Every glyph's lit pixels, (x from the origin, y from the cell's top), read from the BDF."""
    text = (font_dir() / f"{font}.bdf").read_text(encoding="latin-1")
    ascent = int(re.findall(r"^FONT_ASCENT (\d+)$", text, re.M)[0])
    glyphs = {}
    for match in _GLYPH.finditer(text):
        code, w, h, xoff, yoff = (int(g) for g in match.groups()[:5])
        top = ascent - (yoff + h)
        pixels = set()
        for row, hexbits in enumerate(match.group(6).split()):
            bits, nbits = int(hexbits, 16), 4 * len(hexbits)
            pixels |= {(xoff + col, top + row) for col in range(w) if bits >> (nbits - 1 - col) & 1}
        glyphs[code] = frozenset(pixels)
    return glyphs


def inks(placed: Placed, dy: int = 0) -> list[Ink]:
    """The inked glyphs of a drawn text, at the places the renderer says it drew them."""
    glyphs = bdf_glyphs(placed.face.font.name)
    out = []
    for ch, x in zip(placed.text, placed.face.offsets(placed.text), strict=True):
        pixels = glyphs.get(ord(ch), frozenset())
        if pixels:
            out.append(Ink(ch, frozenset((placed.x + x + px, placed.y + dy + py) for px, py in pixels)))
    return out


def lit(image: Image.Image, x: int, rows: range) -> bool:
    """Whether column ``x`` has a lit pixel in ``rows``."""
    return any(image.getpixel((x, y)) != (0, 0, 0) for y in rows if 0 <= y < image.height)


def check(image: Image.Image, texts: tuple[Placed, ...], where: str) -> int:
    """Assert the glyphs are inside the image, exactly where the renderer says it drew them, and apart
    from their right-hand neighbours; returns how many neighbour pairs were measured."""
    glyphs = sorted((ink for placed in texts for ink in inks(placed)), key=lambda g: g.left)
    for ink in glyphs:
        assert ink.left >= 0 and ink.right < image.width and ink.rows.stop <= image.height, (
            f"{where}: {ink.char!r} is drawn outside the panel")
        box = image.crop((ink.left, ink.rows.start, ink.right + 1, ink.rows.stop))
        drawn = {(ink.left + i % box.width, ink.rows.start + i // box.width)
                 for i, value in enumerate(box.convert("L").tobytes()) if value}
        assert drawn >= ink.pixels, f"{where}: {ink.char!r} is not drawn where the renderer says"
    pairs = 0
    for index, a in enumerate(glyphs):
        for b in glyphs[index + 1:]:  # the nearest glyph to the right that shares a row with a
            rows = range(max(a.rows.start, b.rows.start), min(a.rows.stop, b.rows.stop))
            if not rows:
                continue
            gap = [x for x in range(a.right + 1, b.left) if not lit(image, x, rows)]
            assert gap, (f"{where}: {a.char!r} and {b.char!r} touch (columns {a.right} and {b.left}, "
                         f"no unlit column between them)")
            pairs += 1
            break
    return pairs


def every_glyph() -> BoardSnapshot:
    """Every printable ASCII and Latin-1 character between two full-width letters, in every band."""
    chars = "".join(chr(c) for c in [*range(33, 127), *range(161, 256)] if c != 0xAD)
    message = "".join(f"H{ch}" for ch in chars) + "H"
    alerts = tuple(
        Alert(f"k{n}", severity, f"wMm{n}#%&@", "KeyError", message, 10 ** n, 0.0, 0.0, origin=origin)
        for n, (severity, origin) in enumerate([(Severity.CRITICAL, "pattern"), (Severity.ERROR, "health"),
                                                (Severity.WARNING, "alertmanager"),
                                                (Severity.WARNING, "test")]))
    health = tuple(PluginHealth(f"p{n:02d}", HealthState.HEALTHY) for n in range(90))
    return BoardSnapshot(alerts=alerts, health=health, alerts_version=1)


def causes() -> BoardSnapshot:
    """Short and long causes, health conditions and an alertname."""
    kinds = [("weather", "HTTPError", "401 Client Error: Unauthorized for url: https://api.openweathermap.org/x",
              "pattern"), ("mlb", "CircuitOpen", "5 failures in a row", "health"),
             ("fleet", "HighMemoryUsageOnPiZero", "memory above 90%", "alertmanager"),
             ("nhl-scoreboard", "OSError", "[Errno 13] Permission denied: '/var/cache/x'", "pattern")]
    alerts = tuple(Alert(f"c{n}", Severity.ERROR, plugin, kind, message, 3, 0.0, 0.0, origin=origin)
                   for n, (plugin, kind, message, origin) in enumerate(kinds))
    return BoardSnapshot(alerts=alerts, health=(PluginHealth("mlb", HealthState.FAILING),), alerts_version=1)


MAKERS = {**SCENES, "every-glyph": every_glyph, "causes": causes}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scene", sorted(MAKERS))
@pytest.mark.parametrize("content", ["cause_and_detail", "cause"])
def test_every_glyph_pair_has_an_unlit_column_between(scene: str, size: tuple[int, int],
                                                      content: str) -> None:
    renderer = Renderer(Style(ticker_content=content))
    drawn = renderer.scene(MAKERS[scene](), *size)
    pairs = check(drawn.backgrounds[0], drawn.texts, f"{scene} {size} static")
    if drawn.strip is not None:
        pairs += check(drawn.strip, drawn.strip_texts, f"{scene} {size} ticker")
    assert pairs >= 1, "no text was measured: the check would prove nothing"


@dataclass(frozen=True)
class _NoSpacing:
    """A font set at its own advance, the way it was before issue 9."""

    font: object

    def offsets(self, text: str) -> list[int]:
        return [i * self.font.advance for i in range(len(text))]  # type: ignore[attr-defined]


def full_cell_glyphs(font: str, advance: int) -> str:
    """Characters whose ink spans their whole cell, from the first column to the last (by the BDF)."""
    return "".join(chr(code) for code, pixels in sorted(bdf_glyphs(font).items())
                   if pixels and min(x for x, _ in pixels) == 0 and max(x for x, _ in pixels) == advance - 1
                   and code < 0x2500)


@pytest.mark.parametrize("font", ["4x6", "5x7", "6x10", "6x13", "10x20"])
def test_the_check_finds_glyphs_that_touch(font: str) -> None:
    """Glyphs whose ink spans their cell, set at the font's own advance, fail the check (it can
    fail); set by the renderer's Face they pass."""
    from PIL import ImageDraw

    from error_status.render.face import load_face

    face = load_face(font)
    text = full_cell_glyphs(font, face.font.advance)[:4]
    assert len(text) >= 2, f"{font} has no two glyphs that fill their cell"
    image = Image.new("RGB", (200, face.height))
    face.font.draw(ImageDraw.Draw(image), (0, 0), text, (255, 255, 255))
    with pytest.raises(AssertionError, match="touch"):
        check(image, (Placed(0, 0, _NoSpacing(face.font), text),), "at the font's advance")  # type: ignore[arg-type]
    spaced = Image.new("RGB", (200, face.height))
    face.draw(ImageDraw.Draw(spaced), (0, 0), text, (255, 255, 255))
    assert check(spaced, (Placed(0, 0, face, text),), "set by a Face") == len(text) - 1


@pytest.mark.parametrize("tracking", [1, 2])
@pytest.mark.parametrize("font", ["4x6", "6x10", "9x15B"])
def test_tracking_adds_columns_after_every_glyph(font: str, tracking: int) -> None:
    from PIL import ImageDraw

    from error_status.render.face import load_face

    plain, tracked = load_face(font), load_face(font, tracking)
    text = "WARN weathermap " + full_cell_glyphs(font, plain.font.advance)[:3]
    assert tracked.width(text) == plain.width(text) + tracking * (len(text) - 1)
    assert tracked.offsets(text) == [x + i * tracking for i, x in enumerate(plain.offsets(text))]
    image = Image.new("RGB", (tracked.width(text) + 4, tracked.height))
    tracked.draw(ImageDraw.Draw(image), (0, 0), text, (255, 255, 255))
    inked = len(text.replace(" ", ""))
    assert check(image, (Placed(0, 0, tracked, text),), f"{font}+{tracking}") == inked - 1
