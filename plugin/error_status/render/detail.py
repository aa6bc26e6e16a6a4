"""The detail after an alert's cause: its message made short enough to read as it scrolls past.

URLs become their host (``api.openweathermap.org``, never the path or the query, where keys live),
the connection-pool and ``Caused by`` wrappers of requests/urllib3 go, whitespace collapses and the
length is bounded. The text reaching here is already redacted (the aggregator redacts what it
records) and is redacted again, as drawn, by ``panel_safe``.
"""

from __future__ import annotations

import functools
import re

MAX_DETAIL_CHARS = 64
_INPUT_CHARS = 4000

_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]{1,15}://(?:[^\s/?#]*@)?(\[[0-9a-f:.]+\]|[^\s/:?#'\"<>()]+)"
                  r"(?::\d+)?[^\s'\"<>()]*")
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), r) for p, r in (
    # HTTPSConnectionPool(host='api.x.org', port=443): ... -> api.x.org: ...
    (r"HTTPS?ConnectionPool\(host=['\"]?([^'\",)]+)['\"]?,\s*port=\d+\)\s*:?\s*", r"\1: "),
    # Max retries exceeded with url: /path?query (Caused by X(Y(1, 'text'))) -> text
    (r"Max retries exceeded with url:\s*\S*\s*", ""),
    (r"\(Caused by (?:[A-Za-z_.]+\()+(?:-?\d+,\s*)?['\"]?(.*?)['\"]?\)+\s*$", r"\1"),
    # <urllib3.connection.HTTPSConnection object at 0x7f...>: and other object reprs
    (r"<[A-Za-z_][\w.]* object at 0x[0-9a-f]+>\s*:?\s*", ""),
    (r"<urlopen error\s*(.*?)>", r"\1"),
    # 401 Client Error: Unauthorized for url: host -> 401 Unauthorized host
    (r"\b(\d{3}) (?:Client|Server) Error:\s*([^:]+?)\s+for url:\s*", r"\1 \2 "),
    (r"\bfor url:\s*", ""),
    (r"Failed to establish a new connection:\s*", ""),
    # [Errno 111], [SSL: X], (_ssl.c:1006): the cause already says it
    (r"\[(?:Errno|WinError) -?\d+\]\s*|\[SSL: [A-Z_]+\]\s*|\(_ssl\.c:\d+\)", ""),
))
_PUNCTUATION_RUN = re.compile(r"\s*([:;,])(?:\s*[:;,])+")
_TRAILING = re.compile(r"[\s:;,.(\[]+$")


def detail(message: str, cause: str = "", max_chars: int = MAX_DETAIL_CHARS) -> str:
    """``message`` shortened for the ticker; empty when nothing is left or it only repeats ``cause``."""
    short = shorten(message, max_chars)
    return "" if not short or short.lower() == cause.lower() else short


@functools.lru_cache(maxsize=1024)
def shorten(message: str, max_chars: int = MAX_DETAIL_CHARS) -> str:
    """URLs to hosts, library noise dropped, whitespace collapsed, at most ``max_chars`` characters."""
    text = " ".join(message[:_INPUT_CHARS].split())
    text = _URL.sub(lambda m: m.group(1), text)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    text = _PUNCTUATION_RUN.sub(r"\1", text)
    text = _balance(" ".join(text.split()))
    text = _TRAILING.sub("", text).strip()
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip(" :;,.") + "…"
    return text


def _balance(text: str) -> str:
    """Drop closing brackets that no longer have an opening one (left by the rewrites)."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                continue
            depth -= 1
        out.append(ch)
    return "".join(out)
