"""Normalising: which occurrences are the same problem, though their messages differ.

The parts of a message that vary between occurrences of one problem are replaced: URLs, quoted
values, numbers, and words that are really identifiers (a YouTube video id, a hash, a UUID, a
token mixing letters and digits). Words stay, digits in a word become ``<n>`` ("IPv<n>", "<n>ms"),
and a word made only of letters is kept whatever it looks like: a random id in letters alone
cannot be told from a word (the aggregator's roll-up handles those).

URLs and quoted values go first, over the whole text (a quoted value may hold blanks). Every
other rule sees only the word it changes (what lies between blanks) and treats all digits alike, so
the rest is done word by word and remembered, with the digits of a word folded ("0" and the others):
a message repeats most of its words, and words that differ in their digits only share one entry. A
word's form is what all the rules make of it alone; so a text whose quotes pair up within their words
(host='x', '/var/cache/x.json') is done word by word from the start. The words not seen yet are
normalised together, one a line, in one pass. Only words that redaction leaves as they are are
remembered, so a text whose words are all known needs no redaction either: ``normalise_plain`` is
redaction's pre-check and normalising in one pass over the words.
"""

from __future__ import annotations

import re
from typing import cast

from ..bounded import BoundedCache
from ..hygiene.hints import holds_hint, is_plain
from ..hygiene.redact import unchanged_url_word

# a URL from its "://" on becomes a mark; its scheme goes in the pass over the reversed text
_URL = re.compile(r"://\S*+")
_URL_MARK = "\x01"
_QUOTED = re.compile(r"'[^'\n]{0,200}'|\"[^\"\n]{0,200}\"")
_QUOTED_PARTS = re.compile(f"({_QUOTED.pattern})")  # (split by it: the quoted values too)
_QUOTES = ("'", '"')
_HEX = re.compile(r"0(?<![A-Za-z0-9_-]0)[xX][0-9a-fA-F]++(?![A-Za-z0-9_-])")
# base64 that the rules below would cut at "+", "/" or "=": a whole token of at least 16 characters
# with both cases, "+", "/" or "=" padding, and no lower-case words between slashes (a path)
_BASE64 = re.compile(r"""[\s"'(\[{<=:,](?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])
    (?=[A-Za-z0-9]*+(?:[+/]|={1,2}+(?![^\s"')\]}>,;.])))[A-Za-z0-9+/]{16,}+={0,2}+(?![^\s"')\]}>,;.])""",
                     re.VERBOSE)  # (from the delimiter before the token: the scan stops at delimiters only)
_PADDED = re.compile(r"""=(?![^\s"')\]}>,;.])""")
_PATH_SEGMENT = re.compile(r"(?<![^/])[a-z]{2,}+(?![^/])")  # a word between slashes
_IP = re.compile(r"[0-9](?<![\w.-][0-9])[0-9]{0,2}+(?:\.[0-9]{1,3}+){3}(?::[0-9]++)?(?![\w.-])")
# Every expression below starts with a digit, so the engine skips to digits at C speed, and none
# needs a callback: the few words they leave go to one (``_word``).
# A word whose letters and digits alternate twice (a1b, 1a2: ids, UUIDs, timestamps): its part from
# the first digit on becomes the mark; the letters before it go in a pass over the reversed text.
_PADDING = r"(?:={1,2}(?![\w=]))?"  # base64's, at the end of an id
_ID = re.compile(rf"""
      [0-9] (?:(?<=[A-Za-z][0-9]) | (?<=[A-Za-z][_-][0-9])) [0-9_-]*+ [A-Za-z] [A-Za-z0-9_-]*+ {_PADDING}
    | [0-9] (?<![0-9][0-9]) [0-9_-]*+ [A-Za-z] [A-Za-z_-]*+ [0-9] [A-Za-z0-9_-]*+ {_PADDING}""", re.VERBOSE)
# a number standing alone, maybe with a short unit (3.5s, 200ms), or ending a short word (IPv6, mp3)
_NUMBER = re.compile(r"""
    [0-9] (?: (?<![A-Za-z0-9_-][0-9]) [0-9]*+ (?:[.,][0-9]++)*+ (?=[a-z]{0,3}+(?![A-Za-z0-9_-]))
            | (?<=[A-Za-z_-][0-9]) (?<![A-Za-z0-9_-]{5}[0-9]) [0-9]{0,2}+ (?![A-Za-z0-9_-]) )""", re.VERBOSE)
# the rest of a word from its first digit on
_TAIL = re.compile(rf"[0-9](?:[0-9]|[.,](?=[0-9]))*+[A-Za-z0-9_-]*+{_PADDING}")
_DIGITS = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
# what else makes a word with a digit an identifier: letters and digits alternating twice, a hex
# run, letters in random case before the digits, many letters after them
_ID_SHAPE = re.compile(
    r"[A-Za-z][_-]*+[0-9][0-9._-]*+[A-Za-z]|[0-9][_-]*+[A-Za-z][A-Za-z_-]*+[0-9]"
    r"|\A(?:[0-9a-f]{8,}+|[0-9A-F]{8,}+)\Z|\A[A-Za-z_-]*?[a-z][A-Za-z_-]*?[A-Z]|\A[0-9_-]++[A-Za-z_-]{4}"
    r"|\A(?=[A-Za-z0-9_-]{10})[A-Za-z_-]*?[A-Z]{2}[a-z]")
_LONG_WORD = 16
# A word the rules make "<id>" whole, told by one match (most new words of a message are ids): only
# letters, digits, "_" and "-", alternating letters and digits from its first digit on as ``_ID``
# takes them, so that ``_ID`` takes it from that digit to its end and the letters before go with
# the mark; not starting with "0x" (``_HEX`` comes first)
_WHOLE_ID = re.compile(r"""(?![0][xX])
    (?: [A-Za-z_-]*[A-Za-z][_-]?[0-9] [0-9_-]*+ [A-Za-z]
      | [0-9] [0-9_-]*+ [A-Za-z] [A-Za-z_-]*+ [0-9] ) [A-Za-z0-9_-]*+""", re.VERBOSE)
_MARK = "\x00"
_REVERSED_ID = re.compile("\x00[A-Za-z0-9_-]*+")
_REVERSED_URL = re.compile("\x01[A-Za-z0-9+.-]*+")


_FOLD_DIGITS = bytes.maketrans(b"23456789", b"11111111")  # ("0" stays: "0x" starts a hex number)
_MAX_WORD = 160  # longer words are normalised each time, not remembered (160: a URL with a query)
# Folded word -> its normalised form, for words redaction leaves as they are (so a text whose words
# are all known needs no redaction either: see ``normalise_plain``): words with no hint of a rule, and
# URLs whose only hint is "://" and in which the rule for URLs finds nothing; and for words holding a
# URL's mark (which no visible text holds).
_WORDS: BoundedCache[str, str] = BoundedCache(4096)  # (a word's form: what the rules make of it alone)
_DIGIT = re.compile("[0-9]")


def normalise_message(message: str) -> str:
    """The message with its variable parts (numbers, ids, URLs, quoted values) replaced."""
    text = message
    if _MARK in text or _URL_MARK in text:
        text = text.replace(_MARK, "").replace(_URL_MARK, "")
    if "://" in text:
        text = _URL.sub(_URL_MARK, text)
    if "'" in text or '"' in text:
        text = _QUOTED.sub("<str>", text)
    return _by_words(_folded(text))


def normalise_plain(text: str) -> str | None:
    """``normalise_message(text)`` for an ASCII text as ``visible_text`` leaves it, when redaction
    cannot change it; None when it may (a word holds a hint of a redaction rule, other than a URL the
    rule for URLs leaves alone). One pass over the words answers both, unless a quoted value spans
    words."""
    folded = _folded(text)
    if folded[:1] in _QUOTES and "://" not in folded:  # quoted from its start (a KeyError's text)
        parts = _QUOTED_PARTS.split(folded)  # [outside, quoted, outside, ...]: its quoted values first
        if holds_hint(" ".join(parts[1::2])):  # (a hint holds no quote: none spans a quoted value's edge)
            return None
        return _plain_forms("<str>".join(parts[::2]))  # ("<str>" makes no hint with its neighbours)
    joined = _plain_forms(folded)
    if joined is not None and ("'" in joined or '"' in joined):  # a quote unmatched in its word
        return normalise_message(folded)  # (URLs, then quoted values, over the text; the words were plain)
    return joined


def _plain_forms(text: str) -> str | None:
    """The word-by-word rules over ``text`` (its blanks collapsed), or None when a word holds a hint of
    redaction."""
    words = text.split()
    forms = list(map(_WORDS.get, words))
    if None in forms and not _learn(words, forms, plain_only=True):
        return None
    return " ".join(cast("list[str]", forms))


def _folded(text: str) -> str:
    """``text`` with every digit but "0" made "1" (ASCII text only): no rule tells them apart."""
    return text.encode("ascii").translate(_FOLD_DIGITS).decode("ascii") if text.isascii() else text


def _by_words(text: str) -> str:
    """The word-by-word rules over ``text``, its blanks collapsed."""
    words = text.split()
    forms = list(map(_WORDS.get, words))
    if None in forms:
        _learn(words, forms, plain_only=False)
    return " ".join(cast("list[str]", forms))


def _learn(words: list[str], forms: list[str | None], *, plain_only: bool) -> bool:
    """Fill in the forms of the words not known yet and remember them (not the ids: an id seldom
    comes back); with ``plain_only``, stop (False) when any of them holds a hint of redaction."""
    missing = _gaps(forms)
    new = list(map(words.__getitem__, missing))
    changed: set[int] = set()  # the words redaction could change (mostly none: one check for all)
    if not is_plain(" ".join(new)):  # (no hint holds a blank: none spans two words)
        changed = {n for n, word in zip(missing, new, strict=True)
                   if not (is_plain(word) or unchanged_url_word(word))}
        if plain_only and changed:
            return False
    others = []
    for n, word in zip(missing, new, strict=True):
        if _WHOLE_ID.fullmatch(word) is not None:  # (most new words are ids: one match each)
            forms[n] = "<id>"
        else:
            others.append(n)
    if not others:
        return True
    rest = list(map(words.__getitem__, others))
    # one line a word: neither a URL nor a quoted value spans lines, so each word's are found as in the
    # word alone; no rule adds or removes a line break, so there is one form a word
    batch = "\n".join(rest)
    if "://" in batch:
        batch = _URL.sub(_URL_MARK, batch)
    found = _normalise_words(_QUOTED.sub("<str>", batch)).split("\n")
    for n, word, form in zip(others, rest, found, strict=True):
        forms[n] = form
        if len(word) <= _MAX_WORD and "<id>" not in form and "<hex>" not in form and (
                n not in changed or _URL_MARK in word):
            _WORDS.put(word, form)
    return True


def _gaps(forms: list[str | None]) -> list[int]:
    """Where ``forms`` has None (found by ``list.index``: a message has few new words)."""
    found: list[int] = []
    at = -1
    for _ in range(forms.count(None)):
        at = forms.index(None, at + 1)
        found.append(at)
    return found


def _normalise_words(text: str) -> str:
    """The rules that see one word at a time, over words joined by blanks."""
    if "+" in text or "/" in text or ("=" in text and _PADDED.search(text) is not None):
        text = _BASE64.sub(_base64, " " + text)[1:]
    if _DIGIT.search(text) is not None:  # (every rule below needs one)
        if "0x" in text or "0X" in text:
            text = _HEX.sub("<hex>", text)
        if text.count(".") >= 3:
            text = _IP.sub("<ip>", text)
        text = _ID.sub(_MARK, text)
        if _DIGIT.search(text) is not None:  # (the ids took every digit, often)
            text = _TAIL.sub(_word, _NUMBER.sub("<n>", text))  # the words with digits left: a closer look
    if _MARK in text or _URL_MARK in text:  # (each mark ends its word: the word's start is after it)
        reversed_text = text[::-1]
        if _MARK in text:
            reversed_text = _REVERSED_ID.sub(">di<", reversed_text)
        if _URL_MARK in text:
            reversed_text = _REVERSED_URL.sub(">lru<", reversed_text)
        text = reversed_text[::-1]
    return text


def _base64(match: re.Match[str]) -> str:
    """``<id>`` for base64, the text itself for a path."""
    token = match.group()[1:]
    words = len(_PATH_SEGMENT.findall(token)) if "/" in token else 0
    return match.group() if words >= 2 or (words and token.startswith("/")) else match.group()[0] + "<id>"


def _word(match: re.Match[str]) -> str:
    """The replacement of a word's part from its first digit on: ``<id>`` (or the mark, when letters
    before it belong to the id), else the part with its numbers replaced."""
    text = match.string
    start = match.start()
    tail = match.group()
    if start and text[start - 1] in _WORD_CHARS:
        left = start - 1
        while left and text[left - 1] in _WORD_CHARS:
            left -= 1
        return _MARK if _is_id(text[left:start] + tail.rstrip("=")) else _DIGITS.sub("<n>", tail)
    if tail.isdigit():
        return "<n>"
    return "<id>" if _is_id(tail.rstrip("=")) else _DIGITS.sub("<n>", tail)


def _is_id(word: str) -> bool:
    """True for a word (with at least one digit) that is an identifier, not a word with a number."""
    if len(word) >= _LONG_WORD:
        return not word.replace("-", "").replace("_", "").isdigit()
    return _ID_SHAPE.search(word) is not None
