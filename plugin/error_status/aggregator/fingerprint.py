"""Message cleaning and fingerprints: which occurrences are the same problem."""

from __future__ import annotations

import hashlib
import re

from .. import forksafe
from ..hygiene.redact import redact_text

_NORMALISERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://\S+"), "<url>"),
    (re.compile(r"'[^'\n]{0,200}'|\"[^\"\n]{0,200}\""), "<str>"),
    (re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<id>"),
    (re.compile(r"(?i)\b0x[0-9a-f]+\b"), "<hex>"),
    (re.compile(r"(?i)\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b"), "<id>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<ip>"),
    (re.compile(r"[-+]?\d+(?:[.,]\d+)*"), "<n>"),
    (re.compile(r"\s+"), " "),
)


def normalise_message(message: str) -> str:
    """The message with its variable parts (numbers, ids, URLs, quoted values) replaced."""
    for pattern, replacement in _NORMALISERS:
        message = pattern.sub(replacement, message)
    return message.strip()


def fingerprint_digest(*parts: str | None) -> str:
    """A short stable digest of the parts that identify a pattern."""
    joined = "\x1f".join(part or "" for part in parts)
    return hashlib.blake2b(joined.encode("utf-8", "replace"), digest_size=5).hexdigest()


class MessageCleaner:
    """Redacts, bounds and normalises messages, remembering recent results.

    Most errors repeat their message, so the regular expressions run once per distinct message;
    the cache is bounded and also makes equal messages share one string object.
    """

    def __init__(self, max_length: int, max_entries: int = 4096) -> None:
        self._max_length = max_length
        self._max_entries = max_entries
        self.cache: dict[str, tuple[str, str]] = {}
        self._lock = forksafe.Lock()

    def clean(self, raw: str) -> tuple[str, str]:
        """``(message, normalised)``: the redacted, bounded message and its normalised form."""
        hit = self.cache.get(raw)
        if hit is not None:
            return hit
        result = self._compute(raw)
        if len(raw) <= 4 * self._max_length:
            with self._lock:
                if len(self.cache) >= self._max_entries:
                    del self.cache[next(iter(self.cache))]
                self.cache[raw] = result
        return result

    def _compute(self, raw: str) -> tuple[str, str]:
        """Redact before cutting, so that no secret is cut in half and kept."""
        message = redact_text(raw[: 4 * self._max_length])
        if len(message) > self._max_length:
            message = message[: self._max_length - 1] + "…"
        return message, normalise_message(message)[:200]
