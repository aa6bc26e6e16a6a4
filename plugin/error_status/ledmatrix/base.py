"""The LEDMatrix ``BasePlugin`` when running inside the host; a minimal stand-in otherwise."""

from __future__ import annotations

import logging
from typing import Any


class StandaloneBasePlugin:
    """What error-status uses of LEDMatrix's ``BasePlugin``, with the same constructor.

    Lets the package import and run without the host (tests, the demo, a laptop).
    """

    def __init__(self, plugin_id: str, config: dict[str, Any], display_manager: Any, cache_manager: Any,
                 plugin_manager: Any) -> None:
        self.plugin_id = plugin_id
        self.config = config
        self.display_manager = display_manager
        self.cache_manager = cache_manager
        self.plugin_manager = plugin_manager
        self.logger = logging.getLogger(f"plugin.{plugin_id}")
        self.enabled = bool(config.get("enabled", True))

    def get_display_duration(self) -> float:
        """Seconds per dwell from ``display_duration`` (15 when missing or bad)."""
        value = self.config.get("display_duration", 15)
        return float(value) if isinstance(value, int | float) and value > 0 else 15.0

    def has_live_priority(self) -> bool:
        """The ``live_priority`` config flag."""
        return bool(self.config.get("live_priority", False))

    def validate_config(self) -> bool:
        """The host's default checks: a boolean ``enabled`` and a positive ``display_duration``."""
        duration = self.config.get("display_duration", 15)
        return isinstance(self.config.get("enabled", True), bool) and (
            isinstance(duration, int | float) and not isinstance(duration, bool) and duration > 0)

    def on_config_change(self, new_config: dict[str, Any]) -> None:
        """Take the new config."""
        self.config = new_config or {}
        self.enabled = bool(self.config.get("enabled", self.enabled))

    def on_enable(self) -> None:
        """Enabled."""
        self.enabled = True

    def on_disable(self) -> None:
        """Disabled."""
        self.enabled = False

    def cleanup(self) -> None:
        """Nothing to release in the stand-in."""


def host_base() -> type:
    """LEDMatrix's ``BasePlugin`` if importable, else the stand-in."""
    try:
        from src.plugin_system.base_plugin import BasePlugin  # type: ignore[import-not-found,unused-ignore]
    except Exception:
        return StandaloneBasePlugin
    return BasePlugin  # type: ignore[no-any-return]
