"""The plugin's settings: every config key read and validated once, here, into a typed object.

Names and polarities are chosen for LEDMatrix's web form (see ``config_migration``): every boolean
defaults to false and every enum lists its default first; old names are still read.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..fleet.settings import FleetConfigError, FleetSettings, parse_fleet_settings
from ..model import HealthState, Severity
from ..render.style import (
    DEFAULT_HEALTH_COLOURS,
    DEFAULT_SEVERITY_COLOURS,
    RGB,
    TICKER_CONTENTS,
    Style,
    check_colour,
)
from .config_migration import RENAMED, migrate

HOST_MODES = ("mirror", "replace", "off")
MARK_CORNERS = ("top-right", "top-left", "bottom-right", "bottom-left", "off")


class ConfigError(ValueError):
    """A config value that cannot be used; the message names the key."""


@dataclass(frozen=True)
class AggregatorSettings:
    """What the plugin's own aggregator is built with (changing them rebuilds it)."""

    pattern_threshold: int = 5
    pattern_window_minutes: float = 60.0
    quiet_period_minutes: float = 5.0
    host_aggregator: str = "mirror"
    capture_error_logs: bool = True


@dataclass(frozen=True)
class PluginSettings:
    """The plugin's configuration, validated."""

    style: Style = field(default_factory=Style)
    min_severity: Severity = Severity.WARNING
    takeover_severity: Severity = Severity.CRITICAL
    show_all_clear: bool = True
    alert_ttl_minutes: float = 0.0
    dynamic_duration: bool = True
    max_duration_seconds: float = 120.0
    status_mark: str = "top-right"
    takeover_repeat_minutes: float = 5.0
    aggregator: AggregatorSettings = field(default_factory=AggregatorSettings)
    fleet: FleetSettings = field(default_factory=FleetSettings)


def parse_settings(config: Mapping[str, Any] | None) -> PluginSettings:
    """Settings from the plugin's config dict (missing keys take their defaults)."""
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        raise ConfigError(f"plugin config must be an object, got {type(config).__name__}")
    _check_old_names(config)
    config = migrate(config)
    colours = _mapping(config, "colors")
    style = Style(
        severity_colours={s: _colour(colours, s.label, DEFAULT_SEVERITY_COLOURS[s]) for s in Severity},
        health_colours=DEFAULT_HEALTH_COLOURS | {
            HealthState.HEALTHY: _colour(colours, "healthy", DEFAULT_HEALTH_COLOURS[HealthState.HEALTHY])},
        all_clear_colour=_colour(colours, "all_clear", Style().all_clear_colour),
        scroll_speed=_number(config, "scroll_speed", 30.0, 1.0, 500.0),
        show_dots=not _flag(config, "hide_dots", False),
        dots_position=_choice(config, "dots_position", "auto", ("auto", "bottom", "right")),
        ticker_content=_choice(config, "ticker_content", "cause_and_detail", TICKER_CONTENTS),
    )
    return PluginSettings(
        style=style,
        min_severity=_severity(config, "min_severity", Severity.WARNING),
        takeover_severity=_severity(config, "takeover_severity", Severity.CRITICAL),
        show_all_clear=not _flag(config, "hide_all_clear", False),
        alert_ttl_minutes=_number(config, "alert_ttl_minutes", 0.0, 0.0, 10_080.0),
        dynamic_duration=not _flag(config, "fixed_duration", False),
        max_duration_seconds=_number(config, "max_duration_seconds", 120.0, 5.0, 3600.0),
        status_mark=_choice(config, "status_mark", "top-right", MARK_CORNERS),
        takeover_repeat_minutes=_number(config, "takeover_repeat_minutes", 5.0, 0.5, 1440.0),
        aggregator=AggregatorSettings(
            pattern_threshold=int(_number(config, "pattern_threshold", 5, 1, 1000, integral=True)),
            pattern_window_minutes=_number(config, "pattern_window_minutes", 60.0, 1.0, 1440.0),
            quiet_period_minutes=_number(config, "quiet_period_minutes", 5.0, 0.5, 1440.0),
            host_aggregator=_choice(config, "host_aggregator", "mirror", HOST_MODES),
            capture_error_logs=not _flag(config, "ignore_error_logs", False),
        ),
        fleet=_fleet(config),
    )


def _fleet(config: Mapping[str, Any]) -> FleetSettings:
    """Metrics out and Alertmanager alerts in (``fleet.settings`` reads and checks those keys)."""
    try:
        return parse_fleet_settings(config)
    except FleetConfigError as error:
        raise ConfigError(str(error)) from None


def _check_old_names(config: Mapping[str, Any]) -> None:
    """Values saved under the old names are checked under those names (the error names the key
    the user wrote)."""
    for old in RENAMED:
        _flag(config, old, True)
    dynamic = _mapping(config, "dynamic_duration")
    _flag(dynamic, "enabled", True, "dynamic_duration.")
    _number(dynamic, "max_duration_seconds", 120.0, 5.0, 3600.0, "dynamic_duration.")


def _mapping(config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A nested object, or {} when missing."""
    value = config.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key} must be an object, got {type(value).__name__}")
    return value


def _flag(config: Mapping[str, Any], key: str, default: bool, prefix: str = "") -> bool:
    """A boolean (true/false only: "false" as a string is refused, not read as true)."""
    value = config.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ConfigError(f"{prefix}{key} must be true or false, got {reprlib.repr(value)}")
    return value


def _number(config: Mapping[str, Any], key: str, default: float, low: float, high: float,
            prefix: str = "", *, integral: bool = False) -> float:
    """A number within [low, high]."""
    value = config.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, float) and not math.isfinite(value)):  # (math.isfinite fails on huge ints)
        raise ConfigError(f"{prefix}{key} must be a number, got {reprlib.repr(value)}")
    if integral and value != int(value):
        raise ConfigError(f"{prefix}{key} must be a whole number, got {reprlib.repr(value)}")
    if not low <= value <= high:
        raise ConfigError(f"{prefix}{key} must be between {low:g} and {high:g}, got {reprlib.repr(value)}")
    return float(value)


def _choice(config: Mapping[str, Any], key: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``."""
    value = config.get(key)
    if value is None:
        return default
    if value not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}, got {reprlib.repr(value)}")
    return str(value)


def _severity(config: Mapping[str, Any], key: str, default: Severity) -> Severity:
    """A severity label."""
    value = config.get(key)
    if value is None:
        return default
    try:
        return Severity.parse(value)
    except ValueError:
        raise ConfigError(f"{key} must be one of warning, error, critical, "
                          f"got {reprlib.repr(value)}") from None


def _colour(colours: Mapping[str, Any], key: str, default: RGB) -> RGB:
    """An [r, g, b] colour whose lit channels survive dimming."""
    value = colours.get(key)
    if value is None:
        return default
    try:
        return check_colour(f"colors.{key}", value)
    except ValueError as error:
        raise ConfigError(str(error)) from None
