"""Alerts in: Alertmanager's active alerts, polled over its v2 API (no open port on the Pi).

Each ``poll()`` returns the whole list to show (it replaces the previous one): Alertmanager's
active, unsilenced, uninhibited alerts; while it cannot be reached, the last ones it gave for up to
``keep_for`` seconds, and after ``unreachable_after`` failed polls in a row an alert saying so.
The bearer token is read from its file at each poll (so it can be rotated) and goes only into the
request's Authorization header: never into a log line, an alert, a repr or a file.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..clock import SYSTEM_CLOCK, Clock
from ..model import Alert, Severity
from .alertparse import KEY_PREFIX, BadResponse, parse_alerts
from .settings import check_matcher, check_number, check_url
from .view import ALERTMANAGER, FleetCounters

logger = logging.getLogger(__name__)

UNREACHABLE_KEY = KEY_PREFIX + "unreachable"
MAX_TOKEN_BYTES = 4096
_TOKEN = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces: nothing that could end a header


class PollFailed(Exception):
    """One poll that did not give an alert list; the message is safe to show (no URL, no token)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are refused: a redirected request must not carry the token to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class AlertmanagerSource:
    """Polls ``url`` (Alertmanager's base address) for alerts; call ``poll`` from one thread."""

    def __init__(self, url: str, *, matchers: Sequence[str] = (), token_file: str | Path | None = None,
                 timeout: float = 3.0, unreachable_after: int = 3, keep_for: float = 300.0,
                 max_bytes: int = 4 << 20, max_alerts: int = 64, clock: Clock = SYSTEM_CLOCK) -> None:
        base, basic = check_url("alertmanager_url", url)
        query = [("active", "true"), ("silenced", "false"), ("inhibited", "false")]
        query += [("filter", check_matcher("alertmanager_matchers", m)) for m in matchers]
        self.display_url = base  # without user, password or query: fit for a log line
        self._url = f"{base}/api/v2/alerts?{urllib.parse.urlencode(query)}"
        self._basic = basic
        self._token_file = Path(token_file) if token_file else None
        self._timeout = check_number("timeout", timeout, 0.1, 60.0)
        self._unreachable_after = int(check_number("unreachable_after", unreachable_after, 1, 1000))
        self._keep_for = check_number("keep_for", keep_for, 0.0, 86_400.0)
        self._max_bytes = int(check_number("max_bytes", max_bytes, 1024, 1 << 30))
        self._max_alerts = int(check_number("max_alerts", max_alerts, 1, 10_000))
        self._clock = clock
        self._opener = urllib.request.build_opener(_NoRedirect)
        self._lock = threading.Lock()
        self._known: tuple[Alert, ...] = ()
        self._last_ok: float | None = None
        self._failing = 0
        self._failing_since = 0.0
        self._counters = FleetCounters()
        self.last_error: str | None = None

    def __repr__(self) -> str:
        return f"AlertmanagerSource({self.display_url!r})"

    @property
    def timeout(self) -> float:
        """Seconds a socket operation may wait; a whole poll takes at most about twice that."""
        return self._timeout

    @property
    def counters(self) -> FleetCounters:
        """Polls that worked and that failed, and alerts left out as malformed (cumulative)."""
        with self._lock:
            return self._counters

    def poll(self) -> tuple[Alert, ...]:
        """Ask Alertmanager once (blocking, at most about ``2 * timeout``); the alerts to show now."""
        now = self._clock.monotonic()
        try:
            parsed = parse_alerts(self._fetch(), self._clock.wall(), max_alerts=self._max_alerts)
        except (PollFailed, BadResponse) as error:
            return self._failed(str(error), now)
        if self._failing:
            logger.info("alertmanager at %s answers again", self.display_url)
        with self._lock:
            c = self._counters
            self._counters = replace(c, polls_ok=c.polls_ok + 1,
                                     malformed_alerts=c.malformed_alerts + parsed.malformed)
            self._known, self._last_ok, self._failing, self.last_error = parsed.alerts, now, 0, None
        return parsed.alerts

    def _failed(self, reason: str, now: float) -> tuple[Alert, ...]:
        """What to show after a failed poll: the last alerts while fresh enough, and the unreachable one."""
        with self._lock:
            c = self._counters
            self._counters = replace(c, polls_failed=c.polls_failed + 1)
            if not self._failing:
                self._failing_since = self._clock.wall()
                logger.warning("alertmanager at %s: %s", self.display_url, reason)
            self._failing += 1
            self.last_error = reason
            fresh = self._last_ok is not None and now - self._last_ok < self._keep_for
            alerts = self._known if fresh else ()
            if self._failing >= self._unreachable_after:
                alerts = (self._unreachable(reason), *alerts)
        return alerts

    def _unreachable(self, reason: str) -> Alert:
        return Alert(key=UNREACHABLE_KEY, severity=Severity.ERROR, plugin_id="alertmanager",
                     error_type="AlertmanagerUnreachable", message=f"unreachable: {reason}",
                     count=self._failing, first_seen=self._failing_since, last_seen=self._clock.wall(),
                     origin=ALERTMANAGER)

    def _fetch(self) -> object:
        """The decoded JSON of one response; PollFailed with a short, secret-free reason otherwise."""
        request = urllib.request.Request(self._url, headers={"Accept": "application/json",
                                                             "User-Agent": "error-status"})
        authorization = self._authorization()
        if authorization:
            request.add_unredirected_header("Authorization", authorization)
        deadline = time.monotonic() + 2 * self._timeout  # real time, whatever clock ages alerts
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                body = _read_bounded(response, self._max_bytes, deadline)
        except urllib.error.HTTPError as error:
            error.close()
            raise PollFailed(f"HTTP {error.code}" + (" (redirects are not followed)"
                                                     if 300 <= error.code < 400 else "")) from None
        except urllib.error.URLError as error:
            raise PollFailed(_reason(error.reason)) from None
        except (OSError, ValueError, http.client.HTTPException) as error:  # timeouts, resets, odd replies
            raise PollFailed(_reason(error)) from None
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise PollFailed("the answer is not JSON") from None

    def _authorization(self) -> str | None:
        """``Bearer <token>`` from the token file, or Basic from the URL's user; PollFailed if unusable."""
        if self._token_file is None:
            return f"Basic {self._basic}" if self._basic else None
        try:
            with self._token_file.open("rb") as handle:
                raw = handle.read(MAX_TOKEN_BYTES + 1)
        except OSError as error:
            why = error.strerror or type(error).__name__
            raise PollFailed(f"cannot read the token file ({why})") from None
        token = raw.decode("ascii", "replace").strip()
        if len(raw) > MAX_TOKEN_BYTES or not _TOKEN.fullmatch(token):
            raise PollFailed("the token file does not hold one token (printable ASCII, no spaces)")
        return f"Bearer {token}"


def _read_bounded(response: Any, limit: int, deadline: float) -> bytes:
    """At most ``limit`` bytes, before ``deadline``: a server that trickles or floods is cut off."""
    chunks: list[bytes] = []
    size = 0
    read = getattr(response, "read1", response.read)  # read1: what has arrived, not all that was asked
    while True:
        chunk = read(min(65536, limit + 1 - size))
        if not chunk:
            if getattr(response, "length", None):  # Content-Length promised more than came
                raise PollFailed("the answer was cut short")
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise PollFailed(f"the answer is larger than {limit} bytes")
        if time.monotonic() > deadline:
            raise PollFailed("timed out")


def _reason(error: object) -> str:
    """A short, secret-free reason for a network failure."""
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.gaierror):
        return "host name not found"
    if isinstance(error, OSError) and error.strerror:
        return str(error.strerror)[:80]
    if isinstance(error, http.client.HTTPException):
        return f"not an HTTP answer ({type(error).__name__})"
    return type(error).__name__ if isinstance(error, BaseException) else "unreachable"


__all__ = ["UNREACHABLE_KEY", "AlertmanagerSource", "PollFailed"]
