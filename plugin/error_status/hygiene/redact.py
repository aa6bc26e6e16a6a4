"""Redaction of credentials from text and context, before anything is stored or drawn."""

from __future__ import annotations

import re
import unicodedata

from .. import forksafe

REDACTED = "[REDACTED]"

# Words that make a key or parameter name secret, anywhere in the name: api_key, access_token,
# client_secret, password, X-Auth-Token, ... (and the name "sig"). The rules below find a name as one
# whole run of [\w.-] (possessive, so no backtracking) and look for a word inside it: linear time,
# whatever the text (nested quantifiers here once took seconds on 2 kB of "authauth...").
_SECRET_WORDS = (
    r"(?:api|access|secret|private|client|app|auth|master|signing|encryption|license"
    r"|subscription|consumer)[_.-]?key|apikey|token|secret|passw(?:or)?d|pwd|auth|signature"
    r"|credential|session|appid|cookie"
)
_NAME_END = r"(?![\w.-])"
_SECRET_NAME_RE = re.compile(rf"(?i)(?=[\w.-]*?(?:{_SECRET_WORDS}))[\w.-]++|sig")

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # -----BEGIN RSA PRIVATE KEY----- ... (the whole block, or what is left of it)
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
     REDACTED),
    # scheme://user:password@host -> scheme://[REDACTED]@host (up to the last "@" before the path:
    # passwords with an unencoded "@" are common in messages)
    (re.compile(r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*+://)[^/\s:@]*+:[^/\s]*@"), rf"\1{REDACTED}@"),
    # Authorization: Bearer abc / Basic abc / token abc
    (re.compile(r"(?i)\b(bearer|basic|token|digest)(\s+)[A-Za-z0-9._~+/=-]{6,}"), rf"\1\2{REDACTED}"),
    # name=value / name: value / "name": "value" where the name looks secret; also any name that is
    # or ends in "key" when written with "=" (but "missing key: 'x'" stays)
    (re.compile(
        rf"(?i)(?<![\w.-])((?=[\w.-]*?(?:{_SECRET_WORDS})|sig{_NAME_END}|[\w.-]*?key{_NAME_END}\s*+=)"
        r"[\w.-]++[\"']?\s*+[:=]\s*+)(?!(?:bearer|basic|token|digest)\s)(?!\[REDACTED\])"
        r"(\"[^\"]*\"|'[^']*'|[^\s&;,\"'})\]]+)"),
     rf"\1{REDACTED}"),
    # ?key=... in a URL is an API key (Google, YouTube, ...)
    (re.compile(r"(?i)([?&;](?:key|k|sig|code)=)[^&;#\s]+"), rf"\1{REDACTED}"),
    # well-known token shapes
    (re.compile(
        r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}"
        r"|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|[sr]k_(?:live|test)_[0-9A-Za-z]{16,}"
        r"|sk-[A-Za-z0-9_-]{20,}|glpat-[A-Za-z0-9_-]{20,}"
        r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"),
     REDACTED),
)


# Terminal escape sequences, and characters nobody sees: controls, zero-width and bidi formatting.
# Left in, they hide a secret from the rules ("pass\x1b[0mword=...") yet vanish when it is drawn.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]?")
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\ufeff\ufff9-\ufffb]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BLANK = re.compile("[\x0b\x0c\r\x1c-\x1f\x85\u2028\u2029]")


def visible_text(text: str) -> str:
    """``text`` as a reader sees it: escape sequences and invisible characters removed, odd line
    breaks made spaces, compatibility forms (full-width letters, ligatures) folded (NFKC)."""
    if text.isascii() and text.isprintable():
        return text
    text = _INVISIBLE.sub("", _BLANK.sub(" ", _ESCAPES.sub("", text)))
    text = _SURROGATE.sub("\ufffd", text)
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def redact_text(text: str) -> str:
    """``text`` as a reader sees it (``visible_text``), with credentials replaced by ``[REDACTED]``."""
    text = visible_text(text)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


class RedactionCache:
    """Remembers redacted texts (bounded): a failing plugin repeats the same stack trace, and
    redacting a 4 kB trace costs about a millisecond."""

    def __init__(self, max_entries: int = 256) -> None:
        self._max_entries = max_entries
        self._cache: dict[str, str] = {}
        self._lock = forksafe.Lock()

    def redact(self, text: str) -> str:
        """``redact_text(text)``, computed once per distinct text among the recent ones."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        result = redact_text(text)
        with self._lock:
            if len(self._cache) >= self._max_entries:
                del self._cache[next(iter(self._cache))]
            self._cache[text] = result
        return result


def is_secret_name(name: str) -> bool:
    """True when a context key or parameter named ``name`` holds a secret."""
    return _SECRET_NAME_RE.fullmatch(name) is not None
