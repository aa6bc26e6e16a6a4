"""Message cleaning and fingerprints: the message kept (redacted, bounded) and the normalised form
that tells which occurrences are the same problem (``normalise``)."""

from __future__ import annotations

import hashlib

from ..bounded import BoundedCache
from ..hygiene.budget import bounded_head, shorten
from ..hygiene.redact import redact_text, visible_text
from .normalise import normalise_message, normalise_plain

__all__ = ["MAX_NORMALISED", "MessageCleaner", "fingerprint_digest", "normalise_message"]

MAX_NORMALISED = 200


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
        text = bounded_head(raw, budget) if cut else raw  # (as redact_bounded does)
        visible = text if text.isascii() and text.isprintable() else visible_text(text)
        normalised = normalise_plain(visible) if visible.isascii() else None
        if normalised is None:  # it may hold a secret
            redacted = redact_text(text)
            normalised = normalise_message(redacted)
        else:  # nothing to redact (what redaction would return)
            redacted = visible
        message = shorten(redacted, self._max_length, cut=cut) if cut or len(redacted) > self._max_length \
            else redacted
        # the fingerprint comes from all that was redacted, not from the message: where a long
        # message is cut depends on the length of its ids, the normalised text does not
        result = (message, normalised[:MAX_NORMALISED])
        if len(raw) <= 4 * self._max_length:
            self.cache.put(raw, result)
        return result
