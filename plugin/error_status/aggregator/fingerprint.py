"""Message cleaning and fingerprints: which occurrences are the same problem.

Normalising replaces the parts of a message that vary between occurrences of one problem: URLs,
quoted values, numbers, and words that are really identifiers (a YouTube video id, a hash, a
UUID, a token mixing letters and digits). Words stay, digits in a word become ``<n>`` ("IPv<n>",
"<n>ms"), and a word made only of letters is kept whatever it looks like: a random id in letters
alone cannot be told from a word (the aggregator's roll-up handles those).
"""

from __future__ import annotations

import hashlib
import re

from ..bounded import BoundedCache
from ..hygiene.budget import bounded_head, shorten
from ..hygiene.redact import redact_text

MAX_NORMALISED = 200

# a URL from its "://" on becomes a mark; its scheme goes in the pass over the reversed text
_URL = re.compile(r"://\S*+")
_URL_MARK = "\x01"
_QUOTED = re.compile(r"'[^'\n]{0,200}'|\"[^\"\n]{0,200}\"")
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
_MARK = "\x00"
_REVERSED_ID = re.compile("\x00[A-Za-z0-9_-]*+")
_REVERSED_URL = re.compile("\x01[A-Za-z0-9+.-]*+")


def normalise_message(message: str) -> str:
    """The message with its variable parts (numbers, ids, URLs, quoted values) replaced."""
    text = message
    if _MARK in text or _URL_MARK in text:
        text = text.replace(_MARK, "").replace(_URL_MARK, "")
    if "://" in text:
        text = _URL.sub(_URL_MARK, text)
    if "'" in text or '"' in text:
        text = _QUOTED.sub("<str>", text)
    if "+" in text or "/" in text or ("=" in text and _PADDED.search(text) is not None):
        text = _BASE64.sub(_base64, " " + text)[1:]
    if "0x" in text or "0X" in text:
        text = _HEX.sub("<hex>", text)
    if text.count(".") >= 3:
        text = _IP.sub("<ip>", text)
    text = _NUMBER.sub("<n>", _ID.sub(_MARK, text))
    text = _TAIL.sub(_word, text)  # the words with digits left need a closer look
    if _MARK in text or _URL_MARK in text:  # (each mark ends its word: the word's start is after it)
        reversed_text = text[::-1]
        if _MARK in text:
            reversed_text = _REVERSED_ID.sub(">di<", reversed_text)
        if _URL_MARK in text:
            reversed_text = _REVERSED_URL.sub(">lru<", reversed_text)
        text = reversed_text[::-1]
    if "  " in text or not text.isprintable() or text[:1] == " " or text[-1:] == " ":
        return " ".join(text.split())
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


def fingerprint_digest(*parts: str | None) -> str:
    """A short stable digest of the parts that identify a pattern."""
    joined = "\x1f".join(part or "" for part in parts)
    return hashlib.blake2b(joined.encode("utf-8", "replace"), digest_size=5).hexdigest()


class MessageCleaner:
    """Redacts, bounds and normalises messages, remembering recent results.

    Most errors repeat their message, so the work runs once per distinct message; the cache is
    bounded and also makes equal messages share one string object.
    """

    def __init__(self, max_length: int, max_entries: int = 1024) -> None:
        self._max_length = max_length
        self.cache: BoundedCache[str, tuple[str, str]] = BoundedCache(max_entries)

    def clean(self, raw: str) -> tuple[str, str]:
        """``(message, normalised)``: the redacted, bounded message and its normalised form."""
        hit = self.cache.get(raw)
        if hit is not None:
            return hit
        budget = 4 * self._max_length + 64
        cut = len(raw) > budget
        redacted = redact_text(bounded_head(raw, budget) if cut else raw)  # (as redact_bounded does)
        message = shorten(redacted, self._max_length, cut=cut) if cut or len(redacted) > self._max_length \
            else redacted
        # the fingerprint comes from all that was redacted, not from the message: where a long
        # message is cut depends on the length of its ids, the normalised text does not
        result = (message, normalise_message(redacted)[:MAX_NORMALISED])
        if len(raw) <= 4 * self._max_length:
            self.cache.put(raw, result)
        return result
