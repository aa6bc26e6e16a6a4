"""Failures the host logs without saying whose they are. A ``display()`` that raises after the
first frame of a turn is logged by the display controller as "Error during display update", with
the traceback and no plugin id, and recorded nowhere else: the traceback's innermost frame inside
a plugin's directory names the plugin."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from types import TracebackType

from .host_access import attribute, valid_id

UNATTRIBUTED_LOGGERS = frozenset({"src.display_controller"})
_PLUGIN_PATH = re.compile(r"[\\/](?:plugin-repos|plugins)[\\/]([A-Za-z0-9_.-]+)[\\/]")
_MAX_FRAMES = 200


class DisplayFailures:
    """Finds the plugin of an unattributed display failure logged by the host (a log handler's
    ``attribute`` hook): ``(plugin id, "display")``, or None when it is not one."""

    def __init__(self, plugin_manager: object) -> None:
        self._plugin_manager = plugin_manager

    def __call__(self, record: logging.LogRecord) -> tuple[str, str] | None:
        if record.name not in UNATTRIBUTED_LOGGERS:
            return None
        info = record.exc_info
        error = info[1] if isinstance(info, tuple) and len(info) == 3 else None
        if not isinstance(error, BaseException):
            return None
        plugin = self._innermost_plugin(error.__traceback__)
        return (plugin, "display") if plugin is not None else None

    def _innermost_plugin(self, tb: TracebackType | None) -> str | None:
        """The plugin whose directory holds the innermost frame that is in any plugin's directory."""
        directories = self._directories()
        found = None
        for _ in range(_MAX_FRAMES):
            if tb is None:
                break
            plugin = _plugin_of(tb.tb_frame.f_code.co_filename, directories)
            found = plugin or found
            tb = tb.tb_next
        return found

    def _directories(self) -> list[tuple[str, str]]:
        """(directory, plugin id) from the host's discovery, longest directory first."""
        known = attribute(self._plugin_manager, "plugin_directories")
        try:
            items = list(known.items()) if isinstance(known, Mapping) else []
        except Exception:
            return []
        pairs = [(os.path.realpath(str(path)) + os.sep, pid) for pid, path in items[:512] if valid_id(pid)]
        return sorted(pairs, key=lambda pair: -len(pair[0]))


def _plugin_of(filename: object, directories: list[tuple[str, str]]) -> str | None:
    """The plugin a source file belongs to (by the host's directories, else by the path's shape)."""
    if not isinstance(filename, str):
        return None
    if directories:
        real = os.path.realpath(filename)
        for directory, pid in directories:
            if real.startswith(directory):
                return pid
    match = _PLUGIN_PATH.search(filename)
    return match.group(1) if match and valid_id(match.group(1)) else None
