"""Redaction of credentials from text and context, before anything is stored or drawn.

One scan per text. Substring checks on the lower-cased text decide which rules can match at all:
most messages contain no credential-shaped part and cost a few ``in`` tests. Each rule that can
match finds the spans to hide (every expression is linear: possessive or bounded repetition, no
nested quantifiers), and the spans are replaced at once. ``redact_bounded`` is what callers use:
it bounds the text before redacting it and cuts it only afterwards.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from ..bounded import BoundedCache
from .budget import bounded_head, bounded_tail, shorten
from .hints import NAME_HINTS, holds_hint, is_plain, suspect_hints

__all__ = ["REDACTED", "RedactionCache", "is_plain", "is_secret_name", "redact_bounded", "redact_text",
           "suspect_hints", "unchanged_url_word", "visible_text"]

REDACTED = "[REDACTED]"

# ---------------------------------------------------------------------- what a reader sees

# Terminal escape sequences, and characters nobody sees: controls, zero-width and bidi formatting.
# Left in, they hide a secret from the rules ("pass\x1b[0mword=...") yet vanish when it is drawn.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?")
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\ufeff\ufff9-\ufffb]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BLANK = re.compile("[\x0b\x0c\r\x1c-\x1f\x85\u2028\u2029]")
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def visible_text(text: str) -> str:
    """``text`` as a reader sees it: escape sequences and invisible characters removed, odd line
    breaks made spaces, compatibility forms (full-width letters, ligatures) folded (NFKC)."""
    if text.isascii() and text.isprintable():
        return text
    text = _INVISIBLE.sub("", _BLANK.sub(" ", _ESCAPES.sub("", text)))
    text = _SURROGATE.sub("\ufffd", text)
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


# ---------------------------------------------------------------------- the rules

# A word in a name that makes it secret (api_key, access_token, client_secret, db_pass, X-Auth-Token,
# passphrase, ...); "pass" only as a word of its own (not "bypass", "passed").
_SECRET_IN_NAME = re.compile(
    r"(?:api|access|secret|private|client|app|auth|master|signing|encryption|license|subscription"
    r"|consumer)[_.-]?key|apikey|token|secret|passw(?:or)?d|passphrase|passcode|pwd|auth|signature"
    r"|credential|session|appid|cookie|(?<![a-z])pass(?![a-z])")
_HINT = re.compile("|".join(NAME_HINTS))
_SCHEMES = frozenset({"bearer", "basic", "token", "digest"})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.-")
_NAME_REST = re.compile(r"[\w.-]*+")
# what may follow a secret name: a closing quote (maybe escaped), then "=", ":" (also %-encoded),
# a comma between quoted items ('password', 'x'), or blanks after a command-line flag (--token x)
_SEPARATOR = re.compile(
    r"""(?P<quote>\\*+["'])?(?:\s*+(?P<sep>=|:|%(?:25)*+3[ad])\s*+|\s*+(?P<comma>,)\s*+(?=b?\\*+["'])"""
    r"""|(?P<blank>[ \t]++)(?=[^\s-]))""")
# the value after it: an escaped-quoted, quoted or bare value; a bare one runs to a blank, a quote or
# a closing bracket, and through ",", "&" and ";" unless another name=value follows them
_VALUE = re.compile(
    r"""(?!\[redacted\])(?!(?:bearer|basic|token|digest)\s)(?:b?\\++["']((?:[^"'\\\n]++|\\++(?!["']))*+)"""
    r"""|b?"((?:[^"\\\n]++|\\.)*+)|b?'([^'\n]*+)"""
    r"""|((?:[^\s"'\\&;,})\]>]++|[&;,](?![\w.\[\]-]*+(?:=|%3d))(?=[^\s&;,"'\\})\]>]))++))""")
_SCHEME_VALUE = re.compile(r"\s++(?!\[redacted\])([a-z0-9._~+/=-]{6,}+)")
_FLAG_VALUE = re.compile(r"(?!\[redacted\])[^\s\"'\\]++")
_QUERY = re.compile(r"[?&;](?:k|code)=(?!\[redacted\])([^&;#\s\"'<>]++)")

# scheme://user:password@host, scheme://token@host; webhooks whose path is the secret
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+.-")
_AUTHORITY = re.compile(r"[^/?#\s\"'<>\\]*+")
_REST_OF_URL = re.compile(r"[^\s\"'<>\\]*+")
_PLAIN_USER = re.compile(r"[a-z][a-z._-]{0,19}")
# webhooks whose URL is the secret: at the host (the rest of the URL is hidden; for a bot token, one
# path segment), or anywhere in the path (/webhooks/..., /key/<key>/)
_WEBHOOK_HOST = re.compile(
    r"(?:hooks\.slack\.com/(?:services|workflows|triggers)/|(?:[a-z]+\.)?discord(?:app)?\.com/api/"
    r"(?:v\d+/)?webhooks/|[a-z0-9.-]*webhook\.office\.com/|outlook\.office\.com/webhook/"
    r"|maker\.ifttt\.com/trigger/|(?P<segment>api\.telegram\.org/(?:file/)?bot))")
_WEBHOOK_PATH = re.compile(r"/(?:(?:webhooks?|hooks)/|(?P<segment>(?:key|token|apikey|api_key|secret)/))")

_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z ]*-----|$)", re.S)
_TOKEN = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprse]-[A-Za-z0-9-]{10,}"
    r"|A[KS]IA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|[sr]k_(?:live|test)_[0-9A-Za-z]{16,}"
    r"|sk-[A-Za-z0-9_-]{20,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})")
# the starts of those shapes, by the separator they contain (most texts lack one or the other)
_UNDERSCORE_TOKENS = ("gh", "k_live_", "k_test_")
_DASH_TOKENS = ("xox", "sk-", "glpat-")
_OTHER_TOKENS = ("AKIA", "ASIA", "AIza", "eyJ")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")

Span = tuple[int, int]


def redact_text(text: str) -> str:
    """``text`` as a reader sees it (``visible_text``), with credentials replaced by ``[REDACTED]``.

    Linear in the length of ``text``; callers bound it first (``redact_bounded``).
    """
    if not (text.isascii() and text.isprintable()):
        text = visible_text(text)
    low = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
    spans = _spans(text, low)
    redacted = _replace(text, spans) if spans else text
    if "%" in low and _PERCENT.search(text):
        return _percent_encoded(text, redacted)
    return redacted


def is_secret_name(name: str) -> bool:
    """True when a context key or parameter named ``name`` holds a secret."""
    low = name.lower()
    return _SECRET_IN_NAME.search(low) is not None or low.strip(" -_.") == "sig"


def _has_hint(low: str) -> bool:
    """True when a name or scheme hint occurs in ``low`` (a loop: faster here than any())."""
    for hint in NAME_HINTS:  # noqa: SIM110
        if hint in low:
            return True
    return False


def _has_token_hint(text: str) -> bool:
    """True when the start of a well-known token shape occurs in ``text``."""
    for hint in _OTHER_TOKENS:
        if hint in text:
            return True
    if "_" in text:
        for hint in _UNDERSCORE_TOKENS:
            if hint in text:
                return True
    if "-" in text:
        for hint in _DASH_TOKENS:
            if hint in text:
                return True
    return False


def _spans(text: str, low: str) -> list[Span]:
    """Every span of ``text`` that holds a credential (they may overlap)."""
    spans: list[Span] = []
    if "-----begin" in low:
        spans.extend(m.span() for m in _PEM.finditer(text))
    if "://" in low:
        _urls(low, spans)
    if _has_hint(low):
        _names(low, spans)
    if ("k=" in low or "code=" in low) and ("?" in low or "&" in low or ";" in low):
        spans.extend(m.span(1) for m in _QUERY.finditer(low))
    if _has_token_hint(text):
        spans.extend(m.span() for m in _TOKEN.finditer(text))
    return spans


def _names(low: str, spans: list[Span]) -> None:
    """Values of secret names (name=value, "name": "value", ('name', 'value'), --name value) and
    the credentials after an authorisation scheme (Bearer ..., Basic ...)."""
    floor = 0
    for hit in _HINT.finditer(low):
        at = hit.start()
        if at < floor:
            continue
        start = at
        while start > floor and low[start - 1] in _NAME_CHARS:
            start -= 1
        end = _NAME_REST.match(low, hit.end()).end()  # type: ignore[union-attr]
        floor = end
        name = low[start:end]
        if name in _SCHEMES:
            scheme = _SCHEME_VALUE.match(low, end)
            if scheme is not None:
                spans.append(scheme.span(1))
                floor = scheme.end()
                continue
        found = _value_after(low, start, end, name)
        if found is not None:
            spans.append(found)
            floor = found[1]


def _value_after(low: str, start: int, end: int, name: str) -> Span | None:
    """The span of the value written after the name ``low[start:end]``, if that name is secret."""
    sep = _SEPARATOR.match(low, end)
    if sep is None:
        return None
    if sep.group("blank") is not None:  # only a command-line flag takes a value after blanks
        if not name.startswith("-") or not is_secret_name(name):
            return None
        flag = _FLAG_VALUE.match(low, sep.end())
        return flag.span() if flag is not None else None
    if sep.group("comma") is not None and not (start > 0 and low[start - 1] in "'\""):
        return None
    equals = sep.group("sep") is not None and sep.group("sep") != ":"
    if not (is_secret_name(name) or (equals and name.endswith("key"))):
        return None
    value = _VALUE.match(low, sep.end())
    if value is None or value.lastindex is None:
        return None
    found = value.span(value.lastindex)
    return found if found[1] > found[0] else None


def unchanged_url_word(word: str) -> bool:
    """True for a word (nothing blank in it) holding a URL that redaction leaves as it is: "://" is
    its only hint, and the rule for URLs (which reads a URL up to a blank at most) finds nothing."""
    low = word.lower()
    if "://" not in low or holds_hint(low.replace("://", " ")):  # (no other hint overlaps "://")
        return False
    spans: list[Span] = []
    _urls(low, spans)
    return not spans


def _urls(low: str, spans: list[Span]) -> None:
    """User information of every URL (unless it is a plain user name), and webhook secrets."""
    at = low.find("://")
    while at >= 0:
        after = low.find("://", at + 3)  # (each URL is read up to the next one at most: linear)
        if at and low[at - 1] in _SCHEME_CHARS:
            _url(low, at + 3, after if after >= 0 else len(low), spans)
        at = after


def _url(low: str, begin: int, limit: int, spans: list[Span]) -> None:
    """The secrets of one URL whose authority starts at ``begin`` (and ends before ``limit``)."""
    end = _AUTHORITY.match(low, begin, limit).end()  # type: ignore[union-attr]
    user_end = low.rfind("@", begin, end)
    colon = low.find(":", begin, end)
    if user_end > begin:
        user = low[begin:user_end]
        if ":" in user or _PLAIN_USER.fullmatch(user) is None or is_secret_name(user):
            spans.append((begin, user_end))
    elif 0 <= colon < end - 1 and not low.startswith("[", begin) and not low[colon + 1:end].isdigit():
        spans.append((colon + 1, end))  # "user:pass" whose "@" was cut off, or never written
    rest = _REST_OF_URL.match(low, end, limit).end()  # type: ignore[union-attr]
    host = max(begin, user_end + 1)
    hook = _WEBHOOK_HOST.match(low, host, rest) or _WEBHOOK_PATH.search(low, end, rest)
    if hook is not None and hook.end() < rest:
        stop = low.find("/", hook.end(), rest) if hook.group("segment") else -1
        spans.append((hook.end(), stop if stop > hook.end() else rest))


def _replace(text: str, spans: list[Span]) -> str:
    """``text`` with every span (merged where they overlap or touch) replaced by ``[REDACTED]``."""
    spans.sort()
    parts: list[str] = []
    kept = 0
    last_start, last_end = spans[0]
    for start, end in spans[1:]:
        if start <= last_end:
            last_end = max(last_end, end)
            continue
        parts += (text[kept:last_start], REDACTED)
        kept, last_start, last_end = last_end, start, end
    parts += (text[kept:last_start], REDACTED, text[last_end:])
    return "".join(parts)


def _percent_encoded(text: str, redacted: str) -> str:
    """Redaction of ``text`` with its %-escapes decoded (twice, for double encoding), when that
    finds more than redaction of the text as written (``?next=%2F%3Ftoken%3D...``)."""
    decoded = visible_text(unquote(unquote(text, errors="replace"), errors="replace"))
    if decoded == text:
        return redacted
    low = decoded.lower() if decoded.isascii() else decoded.translate(_ASCII_LOWER)
    spans = _spans(decoded, low)
    if not spans:
        return redacted
    found = _replace(decoded, spans)
    return found if found.count(REDACTED) > redacted.count(REDACTED) else redacted


# ---------------------------------------------------------------------- bounded work


def redact_bounded(text: str, limit: int, *, ellipsis: str = "…", from_end: bool = False) -> str:
    """``text`` redacted, then cut to at most ``limit`` characters (ending, or for ``from_end``
    starting, with ``ellipsis`` when anything was left out). The work is bounded: only about
    ``4 * limit`` characters are ever redacted, and never a word that bound cut in half."""
    if limit <= 0:
        return ""
    budget = 4 * limit + 64
    cut = len(text) > budget
    if cut:
        text = bounded_tail(text, budget) if from_end else bounded_head(text, budget)
    return shorten(redact_text(text), limit, cut=cut, ellipsis=ellipsis, from_end=from_end)


class RedactionCache:
    """Remembers redacted texts (bounded): a failing plugin repeats the same stack trace, and
    redacting a 4 kB trace costs far more than a dictionary lookup."""

    def __init__(self, max_entries: int = 256) -> None:
        self._cache: BoundedCache[tuple[str, int, bool], str] = BoundedCache(max_entries)

    def redact(self, text: str) -> str:
        """``redact_text(text)``, computed once per distinct text among the recent ones."""
        key = (text, 0, False)
        hit = self._cache.get(key)
        return hit if hit is not None else self._cache.put(key, redact_text(text))

    def tail(self, text: str, limit: int) -> str:
        """``redact_bounded(text, limit, from_end=True)``, memoised (a trace is kept from its end)."""
        budget = 4 * limit + 64
        key = (bounded_tail(text, budget), limit, len(text) > budget)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        return self._cache.put(key, redact_bounded(text, limit, from_end=True))
