"""Facts read from a BDF font's text: cell metrics, each glyph's advance (DWIDTH) and the columns
its ink covers (from BBX and the bitmap), so text can be laid out with a gap between glyphs."""

from __future__ import annotations

from dataclasses import dataclass, field

Ink = tuple[int, int]  # first and last inked column, relative to the glyph's origin


@dataclass
class BdfInfo:
    """What the loader needs from a BDF file's text."""

    ascent: int = 0
    descent: int = 0
    pixel_size: int = 0
    size_pixels: int = 0
    widths: dict[int, int] = field(default_factory=dict)
    ink: dict[int, Ink] = field(default_factory=dict)


@dataclass
class _Glyph:
    """The glyph being read."""

    code: int = -1
    width: int = 0
    bbx_width: int = 0
    x_offset: int = 0
    bits: int = 0
    row_bits: int = 0


def parse_bdf(text: str) -> BdfInfo:
    """Metrics, advance widths and ink columns per code point from a BDF file's text."""
    info = BdfInfo()
    default_width = 0
    glyph: _Glyph | None = None
    in_bitmap = False
    for line in text.splitlines():
        if in_bitmap and glyph is not None:
            if line.startswith("ENDCHAR"):
                _finish(info, glyph)
                glyph, in_bitmap = None, False
            else:
                glyph.bits |= _int(line, 0, 16)
                glyph.row_bits = max(glyph.row_bits, 4 * len(line.strip()))
            continue
        key, _, rest = line.partition(" ")
        if key == "STARTCHAR":
            glyph = _Glyph(width=default_width)
        elif glyph is None:
            if key == "DWIDTH":
                default_width = _int(_first(rest), default_width)
            else:
                _header_line(info, key, rest)
        elif key == "ENCODING":
            glyph.code = _int(_first(rest), -1)
        elif key == "DWIDTH":
            glyph.width = _int(_first(rest), glyph.width)
        elif key == "BBX":
            parts = rest.split()
            if len(parts) == 4:
                glyph.bbx_width, glyph.x_offset = _int(parts[0], 0), _int(parts[2], 0)
        elif key == "BITMAP":
            in_bitmap = True
        elif key == "ENDCHAR":  # a glyph without a bitmap
            _finish(info, glyph)
            glyph = None
    return info


def _finish(info: BdfInfo, glyph: _Glyph) -> None:
    """Record a finished glyph: its advance, and its ink columns if it has any."""
    if glyph.code < 0:
        return
    info.widths[glyph.code] = glyph.width
    # bits are left-aligned in each row: column c of the box is bit (row_bits - 1 - c)
    visible = glyph.bits >> max(0, glyph.row_bits - glyph.bbx_width) if glyph.bbx_width else 0
    if visible:
        first = glyph.bbx_width - visible.bit_length()
        last = glyph.bbx_width - 1 - ((visible & -visible).bit_length() - 1)
        info.ink[glyph.code] = (glyph.x_offset + first, glyph.x_offset + last)


def _header_line(info: BdfInfo, key: str, rest: str) -> None:
    """Record one header or property line, if it is one the loader uses."""
    if key == "FONT_ASCENT":
        info.ascent = _int(rest, 0)
    elif key == "FONT_DESCENT":
        info.descent = _int(rest, 0)
    elif key == "PIXEL_SIZE":
        info.pixel_size = _int(rest, 0)
    elif key == "SIZE":
        parts = [_int(p, 0) for p in rest.split()]
        if len(parts) >= 3 and parts[2] > 0:
            info.size_pixels = round(parts[0] * parts[2] / 72)


def _first(text: str) -> str:
    """The first whitespace-separated field of ``text``, or ``""``."""
    fields = text.split(maxsplit=1)
    return fields[0] if fields else ""


def _int(text: str, default: int, base: int = 10) -> int:
    """``int(text, base)`` or ``default`` when it is not an integer."""
    try:
        return int(text.strip(), base)
    except ValueError:
        return default
