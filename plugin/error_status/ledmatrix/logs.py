"""Where errors come from besides ``record_error``: ERROR log records of plugins.

Plugins mostly log and swallow their failures (``self.logger.error(...)``), which the host's
aggregator never sees. ``ErrorLogHandler`` records them. The host's plugin logger (a
``PluginLoggerAdapter`` on ``plugin.<id>``) stamps ``record.plugin_id``; records without a plugin
id are ignored by default because the host's executor also logs every failure it records (on
``src.plugin_system.plugin_manager``, without an id), and taking those would count it twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from .. import forksafe
from ..aggregator import ErrorAggregator
from ..hygiene.redact import redact_bounded
from ..hygiene.traces import safe_str

__all__ = [
    "LOGGED_ERROR",
    "ErrorLogHandler",
    "attach_log_handler",
    "detach_log_handler",
    "is_own_logger",
    "record_plugin_id",
]

LOGGED_ERROR = "LoggedError"
OWN_PLUGIN_LOGGER = "plugin.error-status"
_PLUGIN_PREFIX = "plugin."
_MAX_LOG_MESSAGE = 500

Attribute = Callable[[logging.LogRecord], "tuple[str, str] | None"]  # record -> (plugin id, operation)
_attach_lock = forksafe.Lock()
_recording = threading.local()  # set while a handler is recording, in that thread


class ErrorLogHandler(logging.Handler):
    """Records ERROR-and-up log records of plugins into an aggregator. ``emit`` never raises.

    ``failures`` counts records that could not be recorded (the handler stays quiet about them:
    complaining through logging would feed itself); ``recorded`` counts the ones that were.
    """

    def __init__(self, aggregator: ErrorAggregator, level: int = logging.ERROR, *,
                 require_plugin_id: bool = True, attribute: Attribute | None = None) -> None:
        super().__init__(level)
        self.aggregator = aggregator
        self.require_plugin_id = require_plugin_id
        self.attribute = attribute
        self._defers_nested: bool = isinstance(aggregator, ErrorAggregator)  # it queues nested calls
        self.left_out = 0
        self.failures = 0
        self.recorded = 0
        self._loggers: list[logging.Logger] = []

    def handle(self, record: logging.LogRecord) -> bool:
        """Filter, then emit without the handler's lock (the aggregator is thread-safe).

        Taking the handler lock and then the aggregator's would order two locks against code
        that logs while holding an aggregator lock (the host's aggregator does).
        """
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        """Record ``record`` if it is a plugin's error.

        A record logged while this handler is recording (a finaliser, a ``__str__`` that logs)
        goes to our aggregator too, which queues it for its next call; an aggregator of another
        kind could recurse, so it is left out there (and counted in ``left_out``)."""
        nested = getattr(_recording, "active", False)
        if nested and not self._defers_nested:
            self.left_out += 1
            return
        _recording.active = True
        try:
            if self._record(record):
                self.recorded += 1
        except Exception:
            self.failures += 1
        finally:
            _recording.active = nested

    def handleError(self, record: logging.LogRecord) -> None:
        """Count the failure quietly instead of printing a traceback to stderr."""
        self.failures += 1

    def _record(self, record: logging.LogRecord) -> bool:
        """Hand one log record to the aggregator; False when it is not ours to take."""
        if record.levelno < self.level or is_own_logger(record.name):
            return False
        plugin_id, operation = record_plugin_id(record), "log"
        if plugin_id is None and self.attribute is not None:
            plugin_id, operation = self.attribute(record) or (None, operation)
        if plugin_id is None and self.require_plugin_id:
            return False
        context = _context(record)
        exception = _exception(record)
        if exception is not None:
            self.aggregator.record_error(exception, context=context, plugin_id=plugin_id, operation=operation)
            return True
        stack = record.stack_info if isinstance(record.stack_info, str) else None
        self.aggregator.ingest(LOGGED_ERROR, context["message"], plugin_id=plugin_id, operation=operation,
                               context=context, stack_trace=stack)
        return True


def is_own_logger(name: object) -> bool:
    """True for this package's loggers, under any of the names it is imported as, and for the
    plugin's own logger (``plugin.error-status``: its failures are recorded where they happen)."""
    if not isinstance(name, str):
        return False
    return (name.startswith("error_status") or ".error_status" in name or "plugin_error_status" in name
            or name == OWN_PLUGIN_LOGGER or name.startswith(OWN_PLUGIN_LOGGER + "."))


def record_plugin_id(record: logging.LogRecord) -> str | None:
    """The plugin a log record belongs to: its ``plugin_id`` attribute, else ``plugin.<id>``."""
    stamped = getattr(record, "plugin_id", None)
    if isinstance(stamped, str) and stamped:
        return stamped
    name = record.name
    if isinstance(name, str) and name.startswith(_PLUGIN_PREFIX):
        return name[len(_PLUGIN_PREFIX):].split(".", 1)[0] or None
    return None


def _exception(record: logging.LogRecord) -> BaseException | None:
    """The exception instance carried by ``record.exc_info``, if any."""
    info = record.exc_info
    if isinstance(info, tuple) and len(info) == 3 and isinstance(info[1], BaseException):
        return info[1]
    return None


def _context(record: logging.LogRecord) -> dict[str, Any]:
    """Where the log record came from, and its formatted message."""
    return {
        "logger": safe_str(record.name),
        "message": _message(record),
        "module": safe_str(getattr(record, "module", "")),
        "funcName": safe_str(getattr(record, "funcName", "")),
        "lineno": record.lineno if isinstance(record.lineno, int) else 0,
    }


def _message(record: logging.LogRecord) -> str:
    """``record.getMessage()`` (or the raw message when formatting fails: bad arguments), redacted
    and then bounded."""
    try:
        text = record.getMessage()
    except Exception:
        text = safe_str(record.msg)
    return redact_bounded(text if type(text) is str else safe_str(text), _MAX_LOG_MESSAGE)


def attach_log_handler(aggregator: ErrorAggregator, logger: logging.Logger | None = None, *,
                       level: int = logging.ERROR, require_plugin_id: bool = True,
                       attribute: Attribute | None = None) -> ErrorLogHandler:
    """Attach a handler feeding ``aggregator`` to ``logger`` (default: root); idempotent.

    The host's ``run.py`` installs its root handlers before plugins are created, and plugin
    loggers ``plugin.<id>`` propagate to root. Attaching again for the same logger and aggregator
    returns the handler already there (the options of the first call stay).
    """
    target = logger if logger is not None else logging.getLogger()
    with _attach_lock:
        for existing in list(target.handlers):
            if isinstance(existing, ErrorLogHandler) and existing.aggregator is aggregator:
                if target not in existing._loggers:
                    existing._loggers.append(target)
                return existing
        handler = ErrorLogHandler(aggregator, level, require_plugin_id=require_plugin_id, attribute=attribute)
        target.addHandler(handler)
        handler._loggers.append(target)
        return handler


def detach_log_handler(handler: ErrorLogHandler) -> None:
    """Remove ``handler`` from the loggers it was attached to and close it; idempotent."""
    with _attach_lock:
        loggers, handler._loggers = handler._loggers, []
    for target in [*loggers, logging.getLogger()]:
        target.removeHandler(handler)
    handler.close()
