"""Tests for the bundled bitmap fonts and their loader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from error_status.render import fonts
from error_status.render.fonts import BitmapFont, available_fonts, font_dir, load_font

# name: (height, ascent, advance, native pixel size)
METRICS = {
    "4x6": (6, 5, 4, 6),
    "5x7": (7, 6, 5, 7),
    "6x10": (10, 8, 6, 10),
    "6x13": (13, 11, 6, 13),
    "8x13B": (13, 11, 8, 13),
    "9x15B": (15, 12, 9, 15),
    "10x20": (20, 16, 10, 20),
    "tom-thumb": (6, 5, 4, 6),
}
MISC_FIXED = [name for name in METRICS if name != "tom-thumb"]
MAX_FONT_BYTES = 1_500_000


def _bdf_text(name: str) -> str:
    """The raw text of a bundled BDF file."""
    return (font_dir() / f"{name}.bdf").read_text(encoding="latin-1")


def _glyph_pixels(name: str, code: int) -> set[tuple[int, int]]:
    """Inked (x, y) pixels of one glyph, y down from the cell top, read straight from the BDF text."""
    text = _bdf_text(name)
    ascent = int(re.findall(r"^FONT_ASCENT (\d+)$", text, re.M)[0])
    pattern = (rf"^ENCODING {code}\n(?:.*\n)*?BBX (-?\d+) (-?\d+) (-?\d+) (-?\d+)\n"
               r"BITMAP\n((?:[0-9A-Fa-f]+\n)*)ENDCHAR")
    match = re.search(pattern, text, re.M)
    assert match is not None
    w, h, xoff, yoff = (int(g) for g in match.groups()[:4])
    rows = match.group(5).split()
    assert len(rows) == h
    top = ascent - (yoff + h)
    pixels = set()
    for row, hexbits in enumerate(rows):
        bits = int(hexbits, 16)
        nbits = 4 * len(hexbits)
        for col in range(w):
            if bits >> (nbits - 1 - col) & 1:
                pixels.add((xoff + col, top + row))
    return pixels


def _render(font: BitmapFont, text: str, xy: tuple[int, int], size: tuple[int, int]) -> Image.Image:
    """An L image of ``size`` with ``text`` drawn at ``xy`` in white."""
    image = Image.new("L", size)
    font.draw(ImageDraw.Draw(image), xy, text, 255)
    return image


def _ink_rows(image: Image.Image) -> set[int]:
    """Rows of ``image`` that hold at least one non-zero pixel."""
    width = image.width
    data = image.tobytes()
    return {row for row in range(image.height) if any(data[row * width:(row + 1) * width])}


def _all_glyphs(font: BitmapFont) -> str:
    """Every code point the font claims, as one string."""
    return "".join(chr(cp) for cp in sorted(font.charset))


def test_available_fonts_are_the_bundled_set() -> None:
    assert set(available_fonts()) == set(METRICS)
    assert available_fonts()[:3] == ["4x6", "5x7", "6x10"]


@pytest.mark.parametrize("name", sorted(METRICS))
def test_metrics_match_table(name: str) -> None:
    height, ascent, advance, pixel = METRICS[name]
    font = load_font(name)
    assert (font.name, font.height, font.ascent, font.advance) == (name, height, ascent, advance)
    assert font.descent == height - ascent
    assert font.pil.size == pixel
    assert font.path == font_dir() / f"{name}.bdf"


@pytest.mark.parametrize("name", sorted(METRICS))
def test_freetype_agrees_with_bdf_metrics(name: str) -> None:
    font = load_font(name)
    assert font.pil.getmetrics() == (font.ascent, font.descent)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_only_native_pixel_size_loads(name: str) -> None:
    font = load_font(name)
    with pytest.raises(OSError):
        ImageFont.truetype(str(font.path), font.pil.size + 1)


@pytest.mark.parametrize("name", MISC_FIXED)
def test_misc_fixed_charset_is_every_encoded_glyph(name: str) -> None:
    text = _bdf_text(name)
    chars = re.search(r"^CHARS (\d+)$", text, re.M)
    assert chars is not None
    encodings = {int(e) for e in re.findall(r"^ENCODING (\d+)$", text, re.M)}
    font = load_font(name)
    assert font.charset == encodings
    assert len(font.charset) == int(chars.group(1))
    assert not font.irregular


@pytest.mark.parametrize("name", MISC_FIXED)
def test_misc_fixed_coverage(name: str) -> None:
    font = load_font(name)
    for block in ("AZaz09", "ÀÿéüßñçØ", "ĀžŁőŒ", "ΑΩαω", "АЯаяЖ", "–—‘’“”•…€→"):
        missing = [ch for ch in block if not font.has(ch)]
        assert not missing, f"{name} lacks {missing}"
    for ch in "日本語한🔥":
        assert not font.has(ch)


def test_charset_differences_between_fonts() -> None:
    assert load_font("5x7").has("▲") and load_font("5x7").has("●") and load_font("5x7").has("█")
    assert not load_font("4x6").has("▲") and not load_font("4x6").has("●")
    for name in ("4x6", "5x7", "6x10", "8x13B", "tom-thumb"):
        assert not any(load_font(name).has(ch) for ch in "⚠✓✗"), name
    assert all(load_font("10x20").has(ch) for ch in "⚠✓✗")
    thumb = load_font("tom-thumb")
    assert thumb.has("é") and thumb.has("…") and thumb.has("€")
    assert not thumb.has("Ж") and not thumb.has("ő") and not thumb.has("“")


def test_has_is_for_single_code_points() -> None:
    font = load_font("5x7")
    assert font.has("A")
    assert not font.has("")
    assert not font.has("AB")


def test_tom_thumb_odd_width_glyphs_are_kept_out_of_the_charset() -> None:
    thumb = load_font("tom-thumb")
    assert dict(thumb.irregular) == {0x11D: 6, 0xEA4: 6, 0x13A0: 6}
    assert not thumb.has("ĝ")
    assert thumb.width("ĝa") == 10 == thumb.pil.getlength("ĝa")


@pytest.mark.parametrize("name", sorted(METRICS))
def test_monospace_width_matches_pillow(name: str) -> None:
    font = load_font(name)
    glyphs = _all_glyphs(font)
    assert font.width("") == 0
    assert font.width("Disk 91% ALERT") == 14 * font.advance
    assert font.width(glyphs) == len(glyphs) * font.advance == font.pil.getlength(glyphs)
    for ch in glyphs[:: max(1, len(glyphs) // 200)]:
        assert font.pil.getlength(ch) == font.advance


@pytest.mark.parametrize("name", sorted(METRICS))
def test_text_stays_inside_its_cell_rows(name: str) -> None:
    font = load_font(name)
    glyphs = _all_glyphs(font)
    y = 5
    image = _render(font, glyphs, (0, y), (font.width(glyphs), font.height + 2 * y))
    rows = _ink_rows(image)
    assert min(rows) == y
    assert max(rows) == y + font.height - 1


def test_5x7_at_top_occupies_rows_0_to_6() -> None:
    font = load_font("5x7")
    image = _render(font, "Hgjpy_|ÅÉ█", (0, 0), (60, 12))
    assert _ink_rows(image) == set(range(7))


def _inked(image: Image.Image) -> set[tuple[int, int]]:
    """Every non-zero pixel of an L image."""
    data = image.tobytes()
    return {(i % image.width, i // image.width) for i, value in enumerate(data) if value}


@pytest.mark.parametrize("name", sorted(METRICS))
@pytest.mark.parametrize("ch", ["H", "g", "É", "_"])
def test_glyph_pixels_match_the_bdf_bitmap(name: str, ch: str) -> None:
    font = load_font(name)
    x, y = 3, 2
    image = _render(font, ch, (x, y), (font.advance + 6, font.height + 4))
    expected = {(x + px, y + py) for px, py in _glyph_pixels(name, ord(ch))}
    assert expected
    assert _inked(image) == expected


@pytest.mark.parametrize("name", sorted(METRICS))
def test_h_sits_on_the_baseline(name: str) -> None:
    font = load_font(name)
    image = _render(font, "H", (0, 4), (font.advance, font.height + 8))
    assert max(_ink_rows(image)) == 4 + font.ascent - 1


@pytest.mark.parametrize("name", ["4x6", "5x7", "6x10", "6x13", "tom-thumb"])
def test_h_without_left_bearing_starts_at_column_0(name: str) -> None:
    assert min(px for px, _ in _glyph_pixels(name, ord("H"))) == 0
    image = _render(load_font(name), "H", (0, 0), (10, 10))
    box = image.getbbox()
    assert box is not None and box[0] == 0


def test_second_character_starts_one_advance_later() -> None:
    font = load_font("5x7")
    one = _render(font, "H", (font.advance, 0), (20, 7))
    two = _render(font, " H", (0, 0), (20, 7))
    assert one.tobytes() == two.tobytes()


@pytest.mark.parametrize("name", sorted(METRICS))
def test_drawing_is_crisp(name: str) -> None:
    font = load_font(name)
    text = "Disk 91% ALERT é…€"
    image = _render(font, text, (1, 1), (font.width(text) + 2, font.height + 2))
    colors = {value for _, value in image.getcolors() or []}
    assert colors == {0, 255}


def test_drawing_is_crisp_even_if_the_draw_was_set_to_antialias() -> None:
    font = load_font("5x7")
    image = Image.new("RGB", (40, 9))
    draw = ImageDraw.Draw(image)
    draw.fontmode = "L"
    font.draw(draw, (0, 1), "Abc 9%", (255, 64, 0))
    assert draw.fontmode == "1"
    assert {color for _, color in image.getcolors() or []} == {(0, 0, 0), (255, 64, 0)}


def test_load_font_is_cached() -> None:
    assert load_font("5x7") is load_font("5x7")


@pytest.mark.parametrize("bad", ["nope", "5X7", "../fonts/5x7", "5x7.bdf", ""])
def test_unknown_font_names_are_rejected_with_the_list(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        load_font(bad)
    assert "5x7" in str(info.value) and "tom-thumb" in str(info.value)


def test_font_dir_is_the_repo_assets_dir_here() -> None:
    repo_root = Path(fonts.__file__).resolve().parents[3]
    assert font_dir() == repo_root / "assets" / "fonts"


def test_font_dir_prefers_the_wheel_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel_fonts = tmp_path / "site" / "error_status" / "assets" / "fonts"
    wheel_fonts.mkdir(parents=True)
    monkeypatch.setattr(fonts, "__file__", str(tmp_path / "site" / "error_status" / "render" / "fonts.py"))
    assert font_dir() == wheel_fonts


def test_font_dir_missing_names_both_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = tmp_path / "a" / "b" / "c" / "d" / "fonts.py"
    monkeypatch.setattr(fonts, "__file__", str(module))
    with pytest.raises(FileNotFoundError) as info:
        font_dir()
    message = str(info.value)
    assert str(module.parent.parent / "assets" / "fonts") in message
    assert str(tmp_path / "a" / "assets" / "fonts") in message


_SYNTHETIC_BDF = """STARTFONT 2.1
FONT -test-synthetic-medium-r-normal--4-40-75-75-c-30-iso10646-1
SIZE 4 75 75
FONTBOUNDINGBOX 3 4 0 -1
STARTPROPERTIES 3
FONT_ASCENT 3
FONT_DESCENT 1
DEFAULT_CHAR 65
ENDPROPERTIES
CHARS 4
STARTCHAR A
ENCODING 65
SWIDTH 750 0
DWIDTH 3 0
BBX 3 4 0 -1
BITMAP
40
A0
E0
A0
ENDCHAR
STARTCHAR B
ENCODING 66
SWIDTH 750 0
DWIDTH 3 0
BBX 3 4 0 -1
BITMAP
C0
C0
A0
C0
ENDCHAR
STARTCHAR wide
ENCODING 87
SWIDTH 1250 0
DWIDTH 5 0
BBX 3 4 0 -1
BITMAP
A0
A0
E0
A0
ENDCHAR
STARTCHAR unencoded
ENCODING -1 7
SWIDTH 750 0
DWIDTH 3 0
BBX 3 4 0 -1
BITMAP
E0
E0
E0
E0
ENDCHAR
ENDFONT
"""


def test_loader_parses_a_bdf_without_pixel_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "syn.bdf").write_text(_SYNTHETIC_BDF, encoding="ascii")
    monkeypatch.setattr(fonts, "font_dir", lambda: tmp_path)
    load_font.cache_clear()
    try:
        font = load_font("syn")
    finally:
        load_font.cache_clear()
    assert (font.height, font.ascent, font.advance, font.pil.size) == (4, 3, 3, 4)
    assert font.charset == {65, 66}
    assert dict(font.irregular) == {87: 5}
    assert font.width("AWB") == 11 == font.pil.getlength("AWB")


def test_every_bundled_file_is_documented_and_small() -> None:
    directory = font_dir()
    readme = (directory / "README.md").read_text(encoding="utf-8")
    for path in directory.glob("*.bdf"):
        assert path.stat().st_size < MAX_FONT_BYTES, path.name
        assert f"`{path.name}`" in readme, path.name
    misc = (directory / "LICENSE-misc-fixed.txt").read_text(encoding="utf-8")
    thumb = (directory / "LICENSE-tom-thumb.txt").read_text(encoding="utf-8")
    assert "Public domain font.  Share and enjoy." in misc
    assert "Permission is hereby granted, free of charge" in thumb


@pytest.mark.parametrize("name", MISC_FIXED)
def test_misc_fixed_files_carry_the_public_domain_notice(name: str) -> None:
    assert re.search(r'^COPYRIGHT "Public domain (terminal emulator )?font\.  Share and enjoy\."$',
                     _bdf_text(name), re.M)
