"""The node_exporter textfile: the registry's exposition written atomically, at most once a minute.

node_exporter's textfile collector reads every ``*.prom`` file in its directory at each scrape, so
the file must never be seen half-written: we write ``.<name>.tmp`` (ignored by the collector), fsync
it and rename it over the file. SD cards wear: content that did not change is rewritten only every
``keepalive`` seconds (node_textfile_mtime_seconds then still shows that the writer is alive).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .metrics import prometheus

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry

logger = logging.getLogger(__name__)

MIN_INTERVAL = 60.0
KEEPALIVE = 600.0
_MODE = 0o644  # node_exporter runs as another user and must read it; it holds no secret


class TextfileWriter:
    """Writes ``registry`` to ``path`` (a ``.prom`` file) when ``maybe_write`` finds it due."""

    def __init__(self, registry: CollectorRegistry, path: str | Path, *, min_interval: float = MIN_INTERVAL,
                 keepalive: float = KEEPALIVE) -> None:
        self.path = Path(path)
        if self.path.suffix != ".prom":
            raise ValueError(f"metrics_textfile must end in .prom (node_exporter reads only those), "
                             f"got {str(path)!r}")
        if not min_interval >= 0 or not keepalive >= min_interval:
            raise ValueError("textfile intervals must satisfy 0 <= min_interval <= keepalive")
        self._registry = registry
        self._min_interval = float(min_interval)
        self._keepalive = float(keepalive)
        self._last_write: float | None = None
        self._last_content: bytes | None = None
        self.written = 0
        self.failures = 0
        self.last_error: str | None = None

    def maybe_write(self, now: float) -> bool:
        """Write if at least ``min_interval`` seconds passed (``now``: monotonic); True when written.

        A failure (directory missing, disk full, read-only) is counted and logged once per run of
        failures; the next attempt waits ``min_interval`` like a success would.
        """
        if self._last_write is not None and now - self._last_write < self._min_interval:
            return False
        content = prometheus("metrics_textfile").generate_latest(self._registry)
        if content == self._last_content and self._last_write is not None \
                and now - self._last_write < self._keepalive:
            return False
        self._last_write = now
        try:
            _write_atomic(self.path, content)
        except OSError as error:
            self.failures += 1
            if self.last_error is None:
                logger.warning("cannot write the metrics textfile %s: %s", self.path, error.strerror or error)
            self.last_error = f"{type(error).__name__}: {error.strerror or error}"
            return False
        self._last_content = content
        self.last_error = None
        self.written += 1
        return True


def _write_atomic(path: Path, content: bytes) -> None:
    """``path`` becomes ``content`` in one rename; the temporary file never lingers after an error."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), _MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _MODE)  # the umask may have narrowed it
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
