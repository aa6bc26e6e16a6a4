"""Redaction of credentials from text and context, before anything is stored or drawn."""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

# Names of keys/parameters whose values are secrets: api_key, access_token, client_secret, password, ...
_SECRET_NAME = (
    r"[\w.-]*?(?:(?:api|access|secret|private|client|app|auth|master|signing|encryption|license"
    r"|subscription|consumer)[_.-]?key|apikey|token|secret|passw(?:or)?d|passwd|pwd|auth\w*|signature"
    r"|credential|session|appid|cookie)[\w.-]*|sig"
)
_SECRET_NAME_RE = re.compile(rf"^(?:{_SECRET_NAME})$", re.IGNORECASE)

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # -----BEGIN RSA PRIVATE KEY----- ... (the whole block, or what is left of it)
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
     REDACTED),
    # scheme://user:password@host -> scheme://[REDACTED]@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]*:[^/\s@]*@"), rf"\1{REDACTED}@"),
    # Authorization: Bearer abc / Basic abc / token abc
    (re.compile(r"(?i)\b(bearer|basic|token|digest)(\s+)[A-Za-z0-9._~+/=-]{6,}"), rf"\1\2{REDACTED}"),
    # name=value / name: value / "name": "value" where the name looks secret
    (re.compile(
        rf"(?i)(\b(?:{_SECRET_NAME})\b[\"']?\s*[:=]\s*)(?!(?:bearer|basic|token|digest)\s)"
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


def redact_text(text: str) -> str:
    """``text`` with credentials replaced by ``[REDACTED]``."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def is_secret_name(name: str) -> bool:
    """True when a context key or parameter named ``name`` holds a secret."""
    return bool(_SECRET_NAME_RE.match(name))
