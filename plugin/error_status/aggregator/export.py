"""Atomic JSON files and the rate-limited automatic export."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

EXPORT_KEEP = 10
EXPORT_SUFFIX = ".error-status.json"  # marks our files: pruning never touches another writer's
STALE_TEMP_SECONDS = 3600.0  # a temporary file this old was left by a writer that died


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON so that ``path`` is always the old file or the new one, never half.

    The file is created readable by its owner only (exports may hold paths and hostnames).
    Values JSON cannot encode are written as their ``repr``.
    """
    text = json.dumps(data, indent=2, default=_fallback, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # a lone surrogate (from a class name, say) is written as its JSON escape, not refused
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fallback(value: object) -> str:
    """What JSON cannot encode becomes text."""
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__name__}>"


class AutoExporter:
    """Exports on request, on a background thread, at most once per ``min_interval`` seconds.

    Requests made while waiting are folded into one export; old export files beyond
    ``EXPORT_KEEP`` are removed, so the directory stays bounded, and so are temporary files left
    by a writer that was killed. Only files named as this exporter names them (``EXPORT_SUFFIX``)
    are ever removed. File names carry the wall-clock time (``wall``, UTC seconds); a Pi steps its
    clock at boot, so the files this exporter wrote last are kept whatever their names.
    """

    def __init__(self, directory: Path | None, export: Callable[[Path], None], min_interval: float,
                 wall: Callable[[], float] = time.time) -> None:
        self._directory = directory
        self._export = export
        self._min_interval = min_interval
        self._wall = wall
        self._mine: deque[Path] = deque(maxlen=EXPORT_KEEP)
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._last = -float("inf")
        self.written = 0
        self.failed = 0

    def request(self) -> None:
        """Ask for an export soon (returns at once)."""
        if self._directory is None or self._closed:
            return
        with self._lock:
            self._wake.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="error-status:export", daemon=True)
                self._thread.start()

    def reset_after_fork(self) -> None:
        """In a forked child: a fresh lock, and no export thread (threads do not survive a fork)."""
        self._lock = threading.Lock()
        self._thread = None

    def close(self) -> None:
        """Stop the export thread."""
        self._closed = True
        self._wake.set()

    def _run(self) -> None:
        """Wait for requests; export no more often than allowed; exit when idle."""
        while self._wake.wait(timeout=60.0) and not self._closed:
            delay = self._last + self._min_interval - time.monotonic()
            if delay > 0 and not self._closed:
                time.sleep(min(delay, 1.0))
                continue
            self._wake.clear()
            self._export_once()
        with self._lock:
            self._thread = None

    def _export_once(self) -> None:
        """Write one export file and prune old ones; failures are counted and logged."""
        assert self._directory is not None
        self._last = time.monotonic()
        name = f"errors_{datetime.fromtimestamp(self._wall()).strftime('%Y%m%d_%H%M%S')}{EXPORT_SUFFIX}"
        path = self._directory / name
        try:
            self._export(path)
            if path in self._mine:
                self._mine.remove(path)
            self._mine.append(path)
            self._prune()
            self.written += 1  # counted once the directory is back within bounds
        except Exception as error:
            self.failed += 1
            logger.error("Auto-export to %s failed: %s", self._directory, error)

    def _prune(self) -> None:
        """Keep ``EXPORT_KEEP`` export files: the ones written last by this exporter, then the newest
        by name; remove temporary files older than ``STALE_TEMP_SECONDS``."""
        assert self._directory is not None
        files = sorted(self._directory.glob(f"errors_*{EXPORT_SUFFIX}"))
        present = set(files)
        mine = [path for path in self._mine if path in present]
        ours = set(mine)
        others = [path for path in files if path not in ours]
        for old in (others + mine)[: max(0, len(files) - EXPORT_KEEP)]:
            with contextlib.suppress(OSError):
                old.unlink()
        now = time.time()
        for temp in self._directory.glob(f".errors_*{EXPORT_SUFFIX}.*.tmp"):
            with contextlib.suppress(OSError):
                if now - temp.stat().st_mtime > STALE_TEMP_SECONDS:
                    temp.unlink()
