"""A short human cause for an alert ("offline", "key rejected", "disk full"...), read from what the
error is: its origin, its type and the words of its message. Pure, table-driven and cached.

The message patterns are the texts that requests, urllib3, urllib, socket, ssl, json and the OS put
in their exceptions; they are tried in order (the specific before the general: a refused
connection inside "Max retries exceeded" is "refused", not "offline"), then the exception type,
then the type itself is the cause.
"""

from __future__ import annotations

import functools
import re

from ..model import Alert

MAX_CAUSE_CHARS = 20
_MATCH_CHARS = 2000  # messages are matched on their first 2000 characters

# health conditions the board reports in ``error_type`` (origin "health")
HEALTH_CAUSES: dict[str, str] = {
    "CircuitOpen": "circuit open",
    "CircuitHalfOpen": "recovering",
    "NotUpdating": "not updating",
    "LoadFailed": "failed to load",
    "InitFailed": "failed to start",
    "DisabledAfterFailures": "disabled",
    "StateError": "error",
    "Degraded": "degraded",
}

_HTTP = r"(?:HTTP(?:\s*Error)?|status(?:\s*code)?|response|got)\s*[:=]?\s*"
_MESSAGE_RULES: tuple[tuple[str, str], ...] = (
    ("circuit open", r"circuit(?:[ _-]?breaker)? (?:is )?open"),
    ("rate limited", rf"\b429\b|Too Many Requests|rate[ -]?limit|{_HTTP}429"),
    ("key rejected", r"\b40[13] (?:Client Error|Unauthorized|Forbidden)|" + _HTTP + r"40[13]\b"
                     r"|\bUnauthori[sz]ed\b|\bForbidden\b|invalid (?:api[ _-]?)?(?:key|token)"
                     r"|token (?:has )?expired|authentication failed"),
    ("not found", r"\b404 (?:Client Error|Not Found)|" + _HTTP + r"404\b"),
    ("server error", r"\b5\d\d (?:Server Error|Internal Server|Bad Gateway|Service Unavailable"
                     r"|Gateway Time-?out)|" + _HTTP + r"5\d\d\b"),
    ("TLS error", r"CERTIFICATE_VERIFY_FAILED|certificate verify failed|\bSSL(?:Error|:|\s*error)"
                  r"|\bTLS\b|WRONG_VERSION_NUMBER|handshake (?:failure|failed)"),
    ("DNS failed", r"NameResolutionError|getaddrinfo failed|Temporary failure in name resolution"
                   r"|Name or service not known|nodename nor servname|No address associated"
                   r"|\[Errno -[235]\]|gaierror|Failed to resolve"),
    ("refused", r"Connection refused|\[Errno 111\]|\[WinError 10061\]|ConnectionRefused"),
    ("timeout", r"timed? ?out|\bTimeout\b|\[Errno 110\]|deadline exceeded"),
    ("disk full", r"\[Errno 28\]|No space left|ENOSPC|Disk quota exceeded|\[Errno 122\]"),
    ("permission denied", r"\[Errno 13\]|Permission denied|EACCES|Operation not permitted"),
    ("bad data", r"JSONDecodeError|Expecting (?:value|property name|',' delimiter)|Unterminated string"
                 r"|Extra data: line|Invalid control character|invalid literal for"
                 r"|'NoneType' object is not subscriptable|could not parse|parse error|ParseError"
                 r"|\b(?:bad|invalid|malformed) (?:JSON|XML|data|response)"),
    ("offline", r"Max retries exceeded|Failed to establish a new connection|Network is unreachable"
                r"|No route to host|\[Errno 10[13]\]|\[Errno 113\]|Connection (?:aborted|reset)"
                r"|RemoteDisconnected|ConnectionError|not connected"),
)
_COMPILED = tuple((cause, re.compile(pattern, re.IGNORECASE)) for cause, pattern in _MESSAGE_RULES)

_TYPE_CAUSES: dict[str, str] = {
    "Timeout": "timeout", "TimeoutError": "timeout", "ReadTimeout": "timeout",
    "ConnectTimeout": "timeout", "ReadTimeoutError": "timeout", "ConnectTimeoutError": "timeout",
    "timeout": "timeout", "TimeoutExpired": "timeout",
    "ConnectionRefusedError": "refused",
    "gaierror": "DNS failed", "NameResolutionError": "DNS failed",
    "SSLError": "TLS error", "SSLCertVerificationError": "TLS error",
    "ConnectionError": "offline", "ConnectionResetError": "offline", "ConnectionAbortedError": "offline",
    "NewConnectionError": "offline", "MaxRetryError": "offline", "URLError": "offline",
    "PermissionError": "permission denied",
    "JSONDecodeError": "bad data", "KeyError": "bad data", "ParseError": "bad data",
    "XMLSyntaxError": "bad data", "UnicodeDecodeError": "bad data", "IndexError": "bad data",
    "CircuitBreakerError": "circuit open", "CircuitOpenError": "circuit open",
    "HTTPError": "HTTP error",
    "LoggedError": "logged error",
}


def cause(alert: Alert) -> str:
    """The alert's cause in a few words."""
    return classify(alert.origin, alert.error_type, alert.message)


@functools.lru_cache(maxsize=2048)
def classify(origin: str, error_type: str, message: str) -> str:
    """The cause of an error of ``error_type`` with ``message``, from a source of ``origin``."""
    if origin == "test":
        return "test alert"
    if origin == "health":
        return HEALTH_CAUSES.get(error_type) or _from_error(error_type, message)
    if origin == "alertmanager":
        return _short_name(error_type) or "alert"
    return _from_error(error_type, message)


def _from_error(error_type: str, message: str) -> str:
    """Message patterns first, then the exception type, then the type's own name."""
    text = message[:_MATCH_CHARS]
    for name, pattern in _COMPILED:
        if pattern.search(text):
            return name
    short = _short_name(error_type)
    return _TYPE_CAUSES.get(short) or _TYPE_CAUSES.get(short.split(".")[-1]) or short or "error"


def _short_name(name: str) -> str:
    """A dotted exception name without its module path, bounded: ``requests.exceptions.X`` -> ``X``."""
    last = name.strip().rsplit(".", 1)[-1].strip()
    return last[:MAX_CAUSE_CHARS]
