"""The web UI's action buttons (``web_ui_actions`` in the manifest), run by LEDMatrix's web process
as ``python3 <plugin>/web_actions/<action>.py`` with ``LEDMATRIX_ROOT`` set and JSON (or nothing)
on stdin; each answers one JSON object on stdout, ``{"status": "success", "message": ...}``.

The web process is not the display process: an action asks the display to act through the host's
cache (``ledmatrix.requests``), then waits a few seconds for the display's status to say it did.
Only the standard library and the host's own ``CacheManager`` are used (the web process runs these
with the system's ``python3``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .requests import MAX_REQUESTS, REQUESTS_KEY, STATUS_KEY

CACHE_DIR_ENV = "ERROR_STATUS_CACHE_DIR"  # overrides the host's cache directory (checks, tests)
WAIT_SECONDS = 6.0
_MAX_STDIN = 64 * 1024

MESSAGES = {
    "acknowledge": "Acknowledged: the active alerts stay hidden until they get worse or come back.",
    "snooze": "Snoozed for an hour: only critical alerts show until then.",
    "test-alert": "A test alert (a warning from error-status) is on the panel for a minute.",
    "clear-history": "The error history is cleared (alerts for problems still going on stay).",
}


class FileCache:
    """The host's disk cache format (``<dir>/<key>.json`` holding ``{"data", "timestamp"}``), for
    when its ``CacheManager`` cannot be imported; written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str, max_age: float | None = None, memory_ttl: float | None = None) -> Any:
        try:
            entry = json.loads((self.directory / f"{key}.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return entry.get("data") if isinstance(entry, dict) else None

    def set(self, key: str, data: Any) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{key}.json"
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"data": data, "timestamp": time.time()}), "utf-8")
        os.replace(temporary, target)


def host_root() -> Path:
    """The LEDMatrix checkout: ``LEDMATRIX_ROOT`` (set by the web process), else where this plugin
    sits (``<root>/plugin-repos/error-status/plugin/error_status/ledmatrix/``)."""
    root = os.environ.get("LEDMATRIX_ROOT")
    return Path(root) if root else Path(__file__).resolve().parents[4]


def open_cache() -> Any:
    """The cache the display process uses: the host's ``CacheManager``, else its disk format at the
    directory the host would choose."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return FileCache(Path(override))
    root = str(host_root())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # the host may print while it starts
            from src.cache_manager import CacheManager  # type: ignore[import-not-found,unused-ignore]

            return CacheManager()
    except Exception:
        return FileCache(_host_cache_dir())


def _host_cache_dir() -> Path:
    """The directory LEDMatrix's CacheManager picks, in its order (system, the user's, /opt)."""
    system = Path("/var/cache/ledmatrix")
    if system.is_dir() and os.access(system, os.W_OK):
        return system
    user = os.environ.get("SUDO_USER") or os.environ.get("USER") or ""
    home = Path(os.path.expanduser(f"~{user}" if user and user != "root" else "~"))
    return home / ".ledmatrix_cache"


def read_params(stream: Any = None) -> dict[str, Any]:
    """The parameters the web process passes on stdin: JSON, or nothing (a plain button inherits
    the web process's stdin: never wait on it)."""
    stream = stream if stream is not None else sys.stdin
    try:
        if stream is None or stream.isatty():
            return {}
        ready, _, _ = select.select([stream], [], [], 0.2)
        text = stream.read(_MAX_STDIN) if ready else ""
        value = json.loads(text) if text.strip() else {}
    except (OSError, ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def send(cache: Any, action: str, now: float) -> str:
    """Append a request for ``action``; returns its id (checked back: a click at the same moment
    in another process could have overwritten it)."""
    request_id = uuid.uuid4().hex
    for _ in range(3):
        current = _get(cache, REQUESTS_KEY)
        entries = current.get("requests") if isinstance(current, Mapping) else None
        kept = [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []
        kept = [e for e in kept if isinstance(e.get("at"), int | float) and now - e["at"] < 3600]
        kept.append({"id": request_id, "action": action, "at": now})
        cache.set(REQUESTS_KEY, {"requests": kept[-MAX_REQUESTS:]})
        written = _get(cache, REQUESTS_KEY)
        ids = [e.get("id") for e in written.get("requests", [])] if isinstance(written, Mapping) else []
        if request_id in ids:
            return request_id
    raise OSError("the request could not be written to the shared cache")


def wait_applied(cache: Any, request_id: str, seconds: float,
                 sleep: Callable[[float], None] = time.sleep) -> Mapping[str, Any] | None:
    """The display's status once it lists ``request_id`` as applied, or None after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        document = _get(cache, STATUS_KEY)
        if isinstance(document, Mapping) and request_id in (document.get("applied") or ()):
            return document
        if time.monotonic() >= deadline:
            return None
        sleep(0.2)


def answer(action: str, document: Mapping[str, Any] | None) -> dict[str, Any]:
    """The JSON the web page shows."""
    if document is None:
        return {"status": "success", "applied": False,
                "message": "Sent. The panel applies it within a few seconds of the display service "
                           "running (it has not confirmed yet)."}
    alerts = document.get("alerts") or []
    shown = [f"{a.get('plugin')}: {a.get('cause')}" for a in alerts if isinstance(a, Mapping)][:5]
    message = MESSAGES[action]
    if action == "test-alert" and document.get("snoozed_until"):
        message = ("A test alert (a warning from error-status) was sent, but the panel is snoozed: only "
                   "critical alerts show until the snooze ends.")
    if shown:
        message += " Showing now: " + "; ".join(str(item) for item in shown) + "."
    return {"status": "success", "applied": True, "message": message, "alerts": alerts[:10],
            "muted": document.get("muted", 0), "snoozed_until": document.get("snoozed_until")}


def main(action: str) -> int:
    """Run one action; print its JSON answer; 0 on success."""
    if action not in MESSAGES:
        print(json.dumps({"status": "error", "message": f"unknown action {action!r}"}))
        return 2
    read_params()
    try:
        cache = open_cache()
        request_id = send(cache, action, time.time())
        result = answer(action, wait_applied(cache, request_id, WAIT_SECONDS))
    except Exception as error:  # say what went wrong, in the page
        print(json.dumps({"status": "error", "message": f"error-status could not send the request: {error}"}))
        return 1
    print(json.dumps(result))
    return 0


def _get(cache: Any, key: str) -> Any:
    """A value from the cache as the display wrote it (from disk)."""
    try:
        return cache.get(key, max_age=None, memory_ttl=0)
    except TypeError:
        return cache.get(key, max_age=None)
