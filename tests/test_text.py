"""Tests for panel_safe: hostile text in, one short drawable line out."""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import replace

import pytest

from error_status.render.fonts import BitmapFont, load_font
from error_status.render.text import PLACEHOLDER, panel_safe

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
OTHER_FORMAT = "\u00ad\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\U000e0001\U000e0041"


def _font_without(font: BitmapFont, chars: str) -> BitmapFont:
    """A copy of ``font`` that claims to lack ``chars``."""
    return replace(font, charset=font.charset - {ord(c) for c in chars})


def _assert_clean(out: str, max_chars: int, font: BitmapFont | None) -> None:
    """Invariants that every panel_safe result must hold."""
    assert isinstance(out, str) and type(out) is str
    assert len(out) <= max_chars
    assert out == out.strip() and "  " not in out
    out.encode("utf-8")
    for ch in out:
        assert unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"), repr(ch)
        assert ch == " " or not ch.isspace(), repr(ch)
    if font is not None:
        assert all(ord(ch) in font.charset for ch in out), out
        assert not any(unicodedata.category(ch).startswith("M") for ch in out)


# --- escapes and controls -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;38;5;196mbold\x1b[22;39m text", "bold text"),
        ("\x1b[2J\x1b[H\x1b[?25lclear", "clear"),
        ("\x9b31mC1 csi\x9b0m", "C1 csi"),
        ("\x1b]0;window title\x07after", "after"),
        ("\x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\ text", "link text"),
        ("\x1bP1$r0m\x1b\\dcs", "dcs"),
        ("a\x1b(Bb\x1b7c\x1b8d\x1bce", "abcde"),
        ("cut at end \x1b[38;5", "cut at end"),
        ("lone escape \x1b", "lone escape"),
    ],
)
def test_ansi_sequences_are_removed(raw: str, expected: str) -> None:
    assert panel_safe(raw) == expected


def test_controls_are_removed_and_line_breaks_become_spaces() -> None:
    assert panel_safe("a\x00b\x07c\x08d\x7fe\x9ff\x90g\x9dh") == "abcdefgh"
    assert panel_safe("one\ttwo\nthree\r\nfour\r\r\n\t five") == "one two three four five"
    assert panel_safe("\n\n  padded \t\n") == "padded"


def test_whitespace_runs_collapse_to_one_space() -> None:
    assert panel_safe("a \u00a0 b\u3000c\u2028d\u2029e\u2003\u2009f") == "a b c d e f"


@pytest.mark.parametrize("ch", list(BIDI_CONTROLS + OTHER_FORMAT))
def test_format_characters_are_removed(ch: str) -> None:
    assert panel_safe(f"ab{ch}cd{ch}") == "abcd"


def test_bidi_override_attack_is_neutralised() -> None:
    spoof = "plugin \u202eexe.gnp\u202c failed \u2067x\u2069"
    out = panel_safe(spoof)
    assert out == "plugin exe.gnp failed x"
    assert not set(out) & set(BIDI_CONTROLS)


def test_dangling_combining_marks_are_removed_and_attached_ones_compose() -> None:
    assert panel_safe("\u0301\u0308start") == "start"
    assert panel_safe("word \u0301next") == "word next"
    assert panel_safe("\u200b\u0301x") == "x"
    assert panel_safe("cafe\u0301") == "café"
    assert len(panel_safe("cafe\u0301")) == 4


def test_lone_surrogates_become_replacement_characters() -> None:
    out = panel_safe("bad \ud800 and \udfff end")
    assert out == "bad \ufffd and \ufffd end"
    assert panel_safe("bad \ud83d", load_font("5x7")) == "bad \ufffd"


# --- non-str and hostile objects ------------------------------------------------------------

class _Raises:
    def __str__(self) -> str:
        raise RuntimeError("boom")


class _NotAString:
    def __str__(self) -> str:
        return 42  # type: ignore[return-value]


class _Recursive:
    def __str__(self) -> str:
        return str(self)


class _HostileStr(str):
    def __getitem__(self, key: object) -> str:
        raise RuntimeError("no slicing")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no iterating")

    def __len__(self) -> int:
        raise RuntimeError("no len")

    def __str__(self) -> str:
        raise RuntimeError("no str")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "None"),
        (42, "42"),
        (3.5, "3.5"),
        (ValueError("disk\nfull"), "disk full"),
        (_Raises(), PLACEHOLDER),
        (_NotAString(), PLACEHOLDER),
        (_Recursive(), PLACEHOLDER),
        (_HostileStr("still \x1b[1mfine\n"), "still fine"),
    ],
    ids=["none", "int", "float", "exception", "raises", "not-a-string", "recursive", "hostile-str"],
)
def test_any_object_is_accepted(value: object, expected: str) -> None:
    assert panel_safe(value) == expected


def test_placeholder_is_bounded_too() -> None:
    assert panel_safe(_Raises(), max_chars=5) == "<unp…"


# --- font fitting -----------------------------------------------------------------------------

def test_characters_the_font_has_are_kept() -> None:
    font = load_font("5x7")
    text = "Ошибка: δ=5° → “ok” – 91% €"
    assert panel_safe(text, font) == text


def test_nfkd_base_letters_replace_missing_accented_letters() -> None:
    thumb = load_font("tom-thumb")
    assert not thumb.has("ő") and not thumb.has("Ł")
    assert panel_safe("Erdős ő Ő ǅ", thumb) == "Erdos o O Dz"
    no_e_acute = _font_without(load_font("5x7"), "é")
    assert panel_safe("café é", no_e_acute) == "cafe e"


def test_fullwidth_and_compatibility_forms_decompose() -> None:
    font = load_font("5x7")
    assert not font.has("ｆ")
    assert panel_safe("ｆｕｌｌ ＷＩＤＴＨ １２３", font) == "full WIDTH 123"
    assert font.has("ﬁ")
    assert panel_safe("ﬁle ①", font) == "ﬁle 1"
    assert panel_safe("ﬁle ① ㎏", load_font("tom-thumb")) == "file 1 kg"


def test_punctuation_stand_ins_when_the_font_lacks_it() -> None:
    thumb = load_font("tom-thumb")
    assert panel_safe("“quoted” — it’s → there", thumb) == "\"quoted\" - it's -> there"


def test_missing_characters_become_one_question_mark_per_run() -> None:
    font = load_font("5x7")
    assert panel_safe("日本語", font) == "?"
    assert panel_safe("a日b本c", font) == "a?b?c"
    assert panel_safe("disk 🔥🔥🔥 full", font) == "disk ? full"
    assert panel_safe("family 👨\u200d👩\u200d👧\u200d👦!", font) == "family ?!"
    assert panel_safe("ok 👍🏽 now", font) == "ok ? now"
    assert panel_safe("real ?? stays", font) == "real ?? stays"
    assert panel_safe("日本 語", font) == "? ?"


def test_without_a_font_nothing_is_replaced() -> None:
    assert panel_safe("日本語 🔥 ｆｕｌｌ") == "日本語 🔥 ｆｕｌｌ"


def test_combining_marks_never_reach_a_bitmap_font() -> None:
    font = load_font("5x7")
    assert font.has("\u0301")
    assert panel_safe("q\u0303 z\u0337\u0321\u0322a\u0336", font) == "q za"
    assert panel_safe("e\u0301", font) == "é"


def test_rtl_text_is_kept_in_logical_order_or_replaced() -> None:
    font = load_font("5x7")
    assert panel_safe("\u202bשלום\u202c", font) == "שלום"
    assert panel_safe("مرحبا بالعالم", font) == "? ?"
    assert panel_safe("مرحبا بالعالم") == "مرحبا بالعالم"


# --- length -----------------------------------------------------------------------------------

def test_length_is_bounded_with_an_ellipsis() -> None:
    out = panel_safe("x" * 500)
    assert len(out) == 200 and out == "x" * 199 + "…"
    assert panel_safe("x" * 200) == "x" * 200
    assert panel_safe("abc def ghi", max_chars=8) == "abc def…"
    assert panel_safe("abcd efgh", max_chars=6) == "abcd…"


def test_ellipsis_falls_back_to_three_dots() -> None:
    font = _font_without(load_font("5x7"), "…")
    assert panel_safe("y" * 50, font, max_chars=10) == "y" * 7 + "..."
    assert panel_safe("y" * 50, load_font("5x7"), max_chars=10) == "y" * 9 + "…"


def test_tiny_limits() -> None:
    assert panel_safe("hello", max_chars=0) == ""
    assert panel_safe("hello", max_chars=-3) == ""
    assert panel_safe("hello", max_chars=1) == "h"
    assert panel_safe("hello", max_chars=2) == "h…"


def test_length_counts_after_cleaning() -> None:
    noisy = "\x1b[31m" + "\u200b".join("abcdefghij") + "\x1b[0m"
    assert panel_safe(noisy, max_chars=10) == "abcdefghij"


@pytest.mark.parametrize(
    "huge",
    [
        "é" * 10_000_000,
        "\x1b[" * 5_000_000,
        "日本語🔥" * 2_500_000,
        "\u202e\u0301" * 5_000_000,
        " " * 10_000_000,
        "\ud800" * 10_000_000,
    ],
    ids=["accents", "escapes", "cjk-emoji", "bidi-marks", "spaces", "surrogates"],
)
def test_ten_megabyte_input_is_fast(huge: str) -> None:
    font = load_font("5x7")
    best = min(_timed(huge, font) for _ in range(5))
    assert best < 0.005
    out = panel_safe(huge, font)
    _assert_clean(out, 200, font)


def _timed(text: str, font: BitmapFont) -> float:
    """Seconds one panel_safe call takes."""
    start = time.perf_counter()
    panel_safe(text, font)
    return time.perf_counter() - start


def test_a_cut_input_is_marked_as_cut() -> None:
    out = panel_safe("ab " * 3_000_000, max_chars=40)
    assert len(out) <= 40 and out.endswith("…")


# --- fuzz -------------------------------------------------------------------------------------

_POOLS = [
    (0x00, 0x7F), (0x80, 0x9F), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x4FF), (0x590, 0x6FF),
    (0x2000, 0x206F), (0x2190, 0x25FF), (0x3000, 0x30FF), (0x4E00, 0x4EFF), (0xD800, 0xDFFF),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFFFF), (0x1F300, 0x1F6FF), (0xE0000, 0xE007F), (0x10FFF0, 0x10FFFF),
]


def _random_text(rng: random.Random) -> str:
    """A string drawn from awkward Unicode blocks, ANSI escapes included."""
    parts: list[str] = []
    for _ in range(rng.randint(0, 120)):
        if rng.random() < 0.05:
            parts.append(rng.choice(["\x1b[", "\x1b]", "\x1b\\", "\x07", "\x9b", "m", ";"]))
            continue
        low, high = rng.choice(_POOLS)
        parts.append(chr(rng.randint(low, high)))
    return "".join(parts)


@pytest.mark.parametrize("font_name", [None, "4x6", "5x7", "tom-thumb"])
def test_fuzzed_input_always_yields_a_clean_line(font_name: str | None) -> None:
    font = None if font_name is None else load_font(font_name)
    rng = random.Random(f"panel-safe-{font_name}")
    for _ in range(1500):
        max_chars = rng.choice([1, 2, 3, 5, 20, 200])
        out = panel_safe(_random_text(rng), font, max_chars)
        _assert_clean(out, max_chars, font)
