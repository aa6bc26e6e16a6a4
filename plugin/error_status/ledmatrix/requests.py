"""Requests from LEDMatrix's web UI to the display process, through the host's cache (the one
channel the two processes share): the web process appends ``{id, action, at}`` to a bounded list
under ``REQUESTS_KEY``; the driver reads it and applies each request once, by id.

Nothing the web side writes can crash or stall the display: the list is read with a bound, entries
that are not requests are skipped, unknown actions and requests older than ``MAX_AGE`` are
ignored (and remembered as seen), and at most ``MAX_REQUESTS`` are looked at per read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..hygiene.coerce import identifier

logger = logging.getLogger(__name__)

REQUESTS_KEY = "error-status:requests"  # the web process writes here
STATUS_KEY = "error-status:status"  # the display process publishes what the board shows here
ACTIONS = ("acknowledge", "snooze", "test-alert", "clear-history")
MAX_REQUESTS = 32  # kept in the list by the writer, and looked at per read
MAX_AGE = 600.0  # seconds: a request older than this is stale (the display was off meanwhile)
MAX_REMEMBERED = 256
MAX_ID = 64


@dataclass(frozen=True, slots=True)
class Request:
    """One thing the owner asked for from the web UI."""

    id: str
    action: str
    at: float  # wall-clock seconds, as the web process saw them


def parse_requests(raw: object, now: float) -> tuple[list[Request], list[str]]:
    """(requests to apply, ids to remember as seen without applying) from what the cache holds."""
    entries = raw.get("requests") if isinstance(raw, Mapping) else None
    if not isinstance(entries, list):
        return [], []
    valid: list[Request] = []
    ignored: list[str] = []
    for entry in entries[-MAX_REQUESTS:]:
        if not isinstance(entry, Mapping):
            continue
        raw_id = entry.get("id")
        request_id = identifier(raw_id, MAX_ID) if isinstance(raw_id, str) else None
        action, at = entry.get("action"), entry.get("at")
        if request_id is None:
            continue
        if action not in ACTIONS or not isinstance(at, int | float) or isinstance(at, bool) \
                or not abs(now - float(at)) <= MAX_AGE:
            ignored.append(request_id)
            continue
        valid.append(Request(request_id, str(action), float(at)))
    return valid, ignored


class RequestInbox:
    """Reads the requests and hands out each new one once; remembers the ids it has handled
    (``applied``: saved with the board's state, so a restart does not apply them again)."""

    def __init__(self, cache_manager: object, applied: Iterable[str] = ()) -> None:
        self._cache = cache_manager
        self._seen: dict[str, None] = dict.fromkeys(list(applied)[-MAX_REMEMBERED:])
        self.failures = 0

    @property
    def applied(self) -> list[str]:
        """The ids handled so far, oldest first (bounded)."""
        return list(self._seen)

    def take(self, now: float) -> list[Request]:
        """The requests not handled yet, oldest first (``now``: wall-clock seconds)."""
        raw = self._read()
        requests, ignored = parse_requests(raw, now)
        new = [request for request in requests if request.id not in self._seen]
        for request_id in [*ignored, *(request.id for request in new)]:
            self._remember(request_id)
        for request_id in ignored:
            logger.info("error-status: ignored a stale or unknown web request %s", request_id)
        return new

    def _remember(self, request_id: str) -> None:
        self._seen.pop(request_id, None)
        self._seen[request_id] = None
        while len(self._seen) > MAX_REMEMBERED:
            del self._seen[next(iter(self._seen))]

    def _read(self) -> object:
        """The list as the web process last wrote it (from disk: the web process writes it)."""
        get: Callable[..., object] | None = getattr(self._cache, "get", None)
        if not callable(get):
            return None
        try:
            try:
                return get(REQUESTS_KEY, max_age=None, memory_ttl=0)
            except TypeError:  # a cache without tiers (the harness's mock)
                return get(REQUESTS_KEY, max_age=None)
        except Exception:
            self.failures += 1
            return None
