"""Settings renamed so that LEDMatrix's web form cannot change them by being saved untouched.

The host's form shows a boolean missing from ``config.json`` unchecked and saves it as false,
and an enum as its first option: so every boolean here defaults to false (``hide_all_clear``
rather than ``show_all_clear``) and every enum lists its default first. Keys users saved under
the old names are still read (``migrate``), and rewritten once under the new names in
``config.json`` (``migrate_saved_config``): otherwise the form, which shows only the new names,
would save their defaults over what the user had chosen.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)

# old key -> (new key, inverted)
RENAMED: dict[str, tuple[str, bool]] = {
    "show_all_clear": ("hide_all_clear", True),
    "show_dots": ("hide_dots", True),
    "capture_error_logs": ("ignore_error_logs", True),
}
# old nested key -> (new key, inverted)
RENAMED_NESTED: dict[tuple[str, str], tuple[str, bool]] = {
    ("dynamic_duration", "enabled"): ("fixed_duration", True),
    ("dynamic_duration", "max_duration_seconds"): ("max_duration_seconds", False),
}


def old_keys(config: Mapping[str, Any]) -> list[str]:
    """The old names present in ``config``."""
    found = [key for key in RENAMED if key in config]
    nested = config.get("dynamic_duration")
    if isinstance(nested, Mapping) and any(inner in nested for _, inner in RENAMED_NESTED):
        found.append("dynamic_duration")
    return found


# What the web form saves for a new name it shows untouched: then the new name says nothing.
NEW_DEFAULTS: dict[str, object] = {"hide_all_clear": False, "hide_dots": False, "ignore_error_logs": False,
                                   "fixed_duration": False, "max_duration_seconds": 120}


def migrate(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with the old names moved to the new ones. A new name set away from its default
    wins; one at its default does not (the form saved untouched before the rename writes every new
    name at its default next to the old ones the user chose)."""
    migrated = {key: value for key, value in config.items() if key not in RENAMED}
    for old, (new, inverted) in RENAMED.items():
        if old in config and _says_nothing(config, new):
            migrated[new] = _moved(config[old], inverted)
    nested = config.get("dynamic_duration")
    if isinstance(nested, Mapping):
        migrated.pop("dynamic_duration", None)
        for (_, inner), (new, inverted) in RENAMED_NESTED.items():
            if inner in nested and _says_nothing(config, new):
                migrated[new] = _moved(nested[inner], inverted)
    return migrated


def _says_nothing(config: Mapping[str, Any], new: str) -> bool:
    """The new name is missing, or at the default (a bool is not taken for a number)."""
    if new not in config:
        return True
    value, default = config[new], NEW_DEFAULTS[new]
    if isinstance(default, bool):
        return value is default
    return not isinstance(value, bool) and value == default


def _moved(value: object, inverted: bool) -> object:
    """A value under its new name (a boolean flipped for a flipped name; other values are kept for
    the parser to refuse by the new key's name)."""
    return (not value) if inverted and isinstance(value, bool) else value


def migrate_saved_config(plugin_manager: object, plugin_id: str) -> bool:
    """Rewrite this plugin's section of ``config.json`` under the new names, once, through the
    host's config manager (atomic). True when it wrote; never raises (a host without the manager,
    a file it cannot read or write: the old names are still read)."""
    try:
        manager = getattr(plugin_manager, "config_manager", None)
        read = getattr(manager, "get_raw_file_content", None)
        write = getattr(manager, "save_raw_file_content", None)
        if not callable(read) or not callable(write):
            return False
        data = read("main")
        section = data.get(plugin_id) if isinstance(data, dict) else None
        if not isinstance(section, Mapping) or not old_keys(section):
            return False
        renamed = old_keys(section)
        data[plugin_id] = migrate(section)
        write("main", data)
        logger.info("error-status: saved settings renamed in config.json (%s), so the web form shows them",
                    ", ".join(renamed))
        return True
    except Exception as error:
        logger.warning("error-status: could not rename old settings in config.json: %s", error)
        return False
