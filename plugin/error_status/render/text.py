"""Turn arbitrary caller text into a short, single-line string that a bitmap font can draw."""

from __future__ import annotations

import re
import unicodedata

from ..hygiene.budget import bounded_head
from ..hygiene.redact import redact_text, visible_text
from .fonts import BitmapFont

PLACEHOLDER = "<unprintable>"
REPLACEMENT = "?"

_ANSI = re.compile(
    r"""
      (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?                    # CSI (colours, cursor); may be cut short
    | \x1b\] [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)?           # OSC (titles, hyperlinks)
    | \x9d [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)              # 8-bit OSC, only when terminated
    | \x1b[PX^_] [^\x1b\x9c]* (?:\x1b\\|\x9c)?                # DCS, SOS, PM, APC strings
    | [\x90\x98\x9e\x9f] [^\x1b\x9c]* (?:\x1b\\|\x9c)         # their 8-bit forms, only when terminated
    | \x1b [ -/]* [0-~]?                                      # any other escape sequence
    """,
    re.VERBOSE,
)

# Stand-ins for common characters that have no NFKD decomposition to ASCII.
_FALLBACK = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": "<<",
    "\u00bb": ">>", "\u2039": "<", "\u203a": ">", "\u2044": "/", "\u2215": "/", "\u2022": "*",
    "\u00b7": ".", "\u2190": "<-", "\u2192": "->", "\u2194": "<->", "\u21d2": "=>", "\u00d7": "x",
    "\u2026": "...",
}


def panel_safe(text: object, font: BitmapFont | None = None, max_chars: int = 200) -> str:
    """One bounded line of ``text`` with only drawable characters; never raises for any ``text``."""
    if max_chars <= 0:
        return ""
    raw = _as_str(text)
    budget = 4 * max_chars + 64
    cut = len(raw) > budget
    line = _clean(bounded_head(raw, budget) if cut else raw)  # (never a word cut in half)
    if font is not None:
        line = _fit(line, font)
    # last, on the text as it will be drawn: cleaning and fitting can join what hid a secret from the
    # aggregator's redaction ("pass\x00word=...", combining marks, full-width letters)
    line = _redacted(line)
    return _bound(line, max_chars, cut, _ellipsis(font)) or (_ellipsis(font)[:max_chars] if cut else "")


def _redacted(line: str) -> str:
    """``line`` with credentials replaced; unchanged (ligatures and all) when it holds none."""
    seen = visible_text(line)
    hidden = redact_text(seen)
    return line if hidden == seen else hidden


def _as_str(text: object) -> str:
    """An exact ``str`` for any object, or the placeholder when ``str()`` fails."""
    try:
        value = text if isinstance(text, str) else str(text)
        return str.__str__(value)
    except Exception:
        return PLACEHOLDER


def _clean(text: str) -> str:
    """Strip escapes, controls and format characters; NFC; one space between words."""
    kept: list[str] = []
    attached = False
    for ch in _ANSI.sub("", text):
        category = unicodedata.category(ch)
        if category[0] == "C" and category != "Co" and category != "Cn":
            if category == "Cs":
                kept.append("\ufffd")
                attached = True
            elif category == "Cc" and ch.isspace():
                kept.append(" ")
                attached = False
            continue
        if category[0] == "M":
            if attached:
                kept.append(ch)
            continue
        attached = not ch.isspace()
        kept.append(ch if attached else " ")
    return _squash(unicodedata.normalize("NFC", "".join(kept)))


def _squash(text: str) -> str:
    """Collapse every whitespace run to one space and strip both ends."""
    return " ".join(text.split())


def _fit(text: str, font: BitmapFont) -> str:
    """Replace what ``font`` cannot draw: its NFKD base letters, a stand-in, else one ``?`` per run."""
    charset = font.charset
    out: list[str] = []
    replaced = False
    for ch in text:
        if unicodedata.category(ch)[0] == "M":
            continue
        if ord(ch) in charset:
            out.append(ch)
            replaced = False
            continue
        substitute = _substitute(ch, charset)
        if substitute is not None:
            out.append(substitute)
            replaced = False
        elif not replaced:
            out.append(REPLACEMENT)
            replaced = True
    return _squash("".join(out))


def _substitute(ch: str, charset: frozenset[int]) -> str | None:
    """Drawable base characters for ``ch`` from its NFKD form and the stand-in table, or None."""
    parts: list[str] = []
    for part in unicodedata.normalize("NFKD", ch):
        if unicodedata.category(part)[0] == "M":
            continue
        if ord(part) in charset:
            parts.append(part)
            continue
        alt = _FALLBACK.get(part)
        if alt is None or not all(ord(c) in charset for c in alt):
            return None
        parts.append(alt)
    return "".join(parts) or None


def _ellipsis(font: BitmapFont | None) -> str:
    """``…`` when it can be drawn, else three dots."""
    return "…" if font is None or font.has("…") else "..."


def _bound(text: str, max_chars: int, cut: bool, ellipsis: str) -> str:
    """At most ``max_chars`` characters, ending with ``ellipsis`` if anything was dropped."""
    if not text or (not cut and len(text) <= max_chars):
        return text
    if max_chars <= len(ellipsis):
        return text[:max_chars]
    return text[: max_chars - len(ellipsis)].rstrip() + ellipsis
