"""Settings whose first save in LEDMatrix's web form changes nothing, and old names still read.

The host's form (web_interface/templates/v3/partials/plugin_config.html, checked against the real
app, see ``scripts/host_check.py --web-check form``) renders a key absent from config.json like this:
a boolean unchecked (and a save writes false), an enum as its first option, a number or an array
as the schema default; nested objects as sections with the same rules.
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from error_status.ledmatrix.config import ConfigError, PluginSettings, parse_settings
from error_status.ledmatrix.config_migration import NEW_DEFAULTS, migrate, migrate_saved_config

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "config_schema.json").read_text())


def what_an_untouched_form_saves(properties: dict[str, Any]) -> dict[str, Any]:
    """The values a save of the form posts for keys absent from config.json (``enabled`` is not in
    the form)."""
    saved: dict[str, Any] = {}
    for name, spec in properties.items():
        if name == "enabled":
            continue
        if spec.get("type") == "object" and "properties" in spec:
            saved[name] = what_an_untouched_form_saves(spec["properties"])
        elif spec.get("type") == "boolean":
            saved[name] = False
        elif "enum" in spec:
            saved[name] = spec["enum"][0]
        elif spec.get("type") == "number":
            saved[name] = float(spec["default"])  # the host saves numbers as floats
        else:
            saved[name] = spec["default"]
    return saved


def test_an_untouched_form_saves_exactly_the_defaults() -> None:
    assert parse_settings(what_an_untouched_form_saves(SCHEMA["properties"])) == PluginSettings()


def test_every_boolean_defaults_to_false_and_every_enum_lists_its_default_first() -> None:
    def walk(properties: dict[str, Any]) -> None:
        for name, spec in properties.items():
            if name == "enabled":
                continue
            if spec.get("type") == "boolean":
                assert spec["default"] is False, f"{name}: the form shows it unchecked and saves false"
            if "enum" in spec:
                assert spec["enum"][0] == spec["default"], f"{name}: the form shows the first option"
            walk(spec.get("properties", {}))

    walk(SCHEMA["properties"])


@pytest.mark.parametrize(("old", "new"), [
    ({"show_all_clear": False}, {"show_all_clear": False}),
    ({"show_dots": False}, {"hide_dots": True}),
    ({"capture_error_logs": False}, {"ignore_error_logs": True}),
    ({"dynamic_duration": {"enabled": False, "max_duration_seconds": 60}},
     {"fixed_duration": True, "max_duration_seconds": 60}),
])
def test_keys_saved_under_the_old_names_are_still_read(old: dict[str, Any], new: dict[str, Any]) -> None:
    migrated = parse_settings(old)
    assert migrated != PluginSettings()
    assert migrated == parse_settings(migrate(old))


def test_a_new_name_set_away_from_its_default_wins_over_an_old_one() -> None:
    assert parse_settings({"show_all_clear": True, "hide_all_clear": True}).show_all_clear is False
    assert migrate({"show_dots": True, "hide_dots": True}) == {"hide_dots": True}
    assert migrate({"dynamic_duration": {"max_duration_seconds": 60}, "max_duration_seconds": 90}) == {
        "max_duration_seconds": 90}


def test_the_new_names_defaults_are_the_settings_defaults() -> None:
    for key, value in NEW_DEFAULTS.items():
        assert parse_settings({key: value}) == PluginSettings(), key


def test_a_form_saved_before_the_rename_keeps_what_the_old_names_said() -> None:
    # The web form shows only the new names: saved untouched before the display service renamed
    # the old ones, it adds every new boolean as false and every number at its default.
    saved = {"show_all_clear": False, "show_dots": False, "capture_error_logs": False,
             "dynamic_duration": {"enabled": False, "max_duration_seconds": 60},
             "hide_all_clear": False, "hide_dots": False, "ignore_error_logs": False, "fixed_duration": False,
             "max_duration_seconds": 120.0}
    settings = parse_settings(saved)
    assert not settings.show_all_clear and not settings.style.show_dots
    assert not settings.aggregator.capture_error_logs and not settings.dynamic_duration
    assert settings.max_duration_seconds == 60
    assert migrate(saved) == {"hide_all_clear": True, "hide_dots": True, "ignore_error_logs": True,
                              "fixed_duration": True, "max_duration_seconds": 60}


def test_a_bad_value_under_an_old_name_is_refused_by_that_name() -> None:
    with pytest.raises(ConfigError, match="show_dots"):
        parse_settings({"show_dots": "no"})


class ConfigManager:
    """The host's ConfigManager as far as the migration uses it (raw read and atomic write)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.writes = 0

    def get_raw_file_content(self, file_type: str) -> dict[str, Any]:
        assert file_type == "main"
        return json.loads(json.dumps(self.data))

    def save_raw_file_content(self, file_type: str, data: dict[str, Any]) -> None:
        assert file_type == "main"
        self.data = data
        self.writes += 1


class PluginManager:
    def __init__(self, config_manager: object) -> None:
        self.config_manager = config_manager


def test_the_saved_config_is_rewritten_once_under_the_new_names() -> None:
    manager = ConfigManager({"clock": {"enabled": True},
                             "error-status": {"enabled": True, "show_all_clear": False, "show_dots": True,
                                              "dynamic_duration": {"max_duration_seconds": 90},
                                              "scroll_speed": 40}})
    assert migrate_saved_config(PluginManager(manager), "error-status") is True
    assert manager.data["error-status"] == {"enabled": True, "hide_all_clear": True, "hide_dots": False,
                                            "max_duration_seconds": 90, "scroll_speed": 40}
    assert manager.data["clock"] == {"enabled": True}
    assert migrate_saved_config(PluginManager(manager), "error-status") is False and manager.writes == 1


@pytest.mark.parametrize("plugin_manager", [None, object(), PluginManager(object()),
                                            PluginManager(ConfigManager({"error-status": "junk"}))])
def test_no_config_manager_or_an_odd_one_writes_nothing_and_raises_nothing(plugin_manager: object) -> None:
    assert migrate_saved_config(plugin_manager, "error-status") is False


def test_in_the_web_process_nothing_runs_and_only_the_old_names_are_renamed() -> None:
    # LEDMatrix's web process loads a plugin after an install, update or enable, with no display
    # manager: no driver, no metrics endpoint, no poller may run there (they would fight the
    # display process for the port and the textfile, and log every second).
    from fleetservers import free_port
    from hostdoubles import FakeCacheManager

    from error_status import ErrorStatusPlugin

    port = free_port()
    config = {"enabled": True, "show_all_clear": False, "metrics_port": port}
    manager = ConfigManager({"error-status": dict(config)})
    before = set(threading.enumerate())
    plugin = ErrorStatusPlugin(plugin_id="error-status", config=dict(config), display_manager=None,
                               cache_manager=FakeCacheManager(), plugin_manager=PluginManager(manager))
    try:
        plugin.on_config_change({**config, "pattern_threshold": 2})
        started = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
        assert started == []
        assert manager.data["error-status"] == {"enabled": True, "hide_all_clear": True, "metrics_port": port}
        assert plugin.display() is False and plugin.has_live_content() is False
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # nobody listens on the metrics port
    finally:
        plugin.cleanup()
