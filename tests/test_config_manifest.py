"""manifest.json, config_schema.json and the settings parser agree with each other and the host."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import error_status
from error_status.fleet.settings import KEYS as FLEET_KEYS
from error_status.ledmatrix.config import ConfigError, PluginSettings, parse_settings
from error_status.model import Severity

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = json.loads((ROOT / "manifest.json").read_text())
SCHEMA = json.loads((ROOT / "config_schema.json").read_text())
CORE_KEYS = {"enabled", "display_duration", "live_priority"}


def schema_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """Defaults the way the host merges them: recursively from properties.*.default."""
    result: dict[str, Any] = {}
    for name, spec in schema.get("properties", {}).items():
        if spec.get("type") == "object" and "properties" in spec:
            result[name] = schema_defaults(spec)
        elif "default" in spec:
            result[name] = spec["default"]
    return result


def test_manifest_has_what_the_host_schema_and_store_require() -> None:
    required = {"id", "name", "version", "author", "entry_point", "class_name", "compatible_versions",
                "display_modes", "description", "update_interval", "category", "tags"}
    assert required <= MANIFEST.keys()
    assert MANIFEST["id"] == "error-status" and MANIFEST["display_modes"] == ["error-status"]
    assert MANIFEST["display"]["design_size"] == {"width": 64, "height": 32}
    entry = ROOT / MANIFEST["entry_point"]
    assert entry.is_file() and entry.resolve().is_relative_to(ROOT)
    assert hasattr(error_status, MANIFEST["class_name"])
    assert MANIFEST["version"] == error_status.__version__


def test_nothing_at_the_root_shadows_a_stdlib_or_host_module() -> None:
    shadowing = {"src", "config", "test", "logging", "utils", "plugin_system", "scripts"}
    importable = {p.stem for p in ROOT.glob("*.py")} | {p.name for p in ROOT.iterdir()
                                                         if (p / "__init__.py").exists()}
    assert not importable & shadowing
    assert not (ROOT / "test" / "__init__.py").exists() and not (ROOT / "tests" / "__init__.py").exists()


def test_requirements_file_lists_only_what_a_feature_needs() -> None:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    needed = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    assert [re.split(r"[<>=!~ ]", line)[0] for line in needed] == ["prometheus_client"]  # the fleet's metrics


def test_every_option_has_a_default_and_a_description() -> None:
    assert SCHEMA["$schema"].startswith("http://json-schema.org/draft-07/")

    def walk(properties: dict[str, Any], prefix: str = "") -> None:
        for name, spec in properties.items():
            assert "description" in spec, f"{prefix}{name} has no description"
            assert "default" in spec, f"{prefix}{name} has no default"
            walk(spec.get("properties", {}), f"{prefix}{name}.")

    walk(SCHEMA["properties"])
    assert SCHEMA["properties"].keys() >= CORE_KEYS


def test_schema_defaults_are_the_settings_defaults() -> None:
    assert parse_settings(schema_defaults(SCHEMA)) == PluginSettings()
    assert parse_settings({}) == PluginSettings()
    assert parse_settings(None) == PluginSettings()


def test_every_schema_option_is_read() -> None:
    """Each option changes the parsed settings (none is dead in the schema)."""
    changed = {"min_severity": "error", "takeover_severity": "error", "hide_all_clear": True,
               "scroll_speed": 50, "hide_dots": True, "dots_position": "right", "ticker_content": "cause",
               "colors": {"warning": [255, 255, 0]}, "ignore_error_logs": True, "pattern_threshold": 3,
               "pattern_window_minutes": 30, "quiet_period_minutes": 2, "alert_ttl_minutes": 60,
               "host_aggregator": "replace", "fixed_duration": True, "max_duration_seconds": 60,
               "status_mark": "off", "takeover_repeat_minutes": 10}
    # the fleet's keys are read by fleet.settings (tests/test_fleet_settings.py)
    assert set(changed) | CORE_KEYS | set(FLEET_KEYS) == set(SCHEMA["properties"])
    for key, value in changed.items():
        assert parse_settings({key: value}) != PluginSettings(), key


@pytest.mark.parametrize(("config", "key"), [
    ({"scroll_speed": "fast"}, "scroll_speed"),
    ({"scroll_speed": 0}, "scroll_speed"),
    ({"scroll_speed": float("nan")}, "scroll_speed"),
    ({"show_dots": "false"}, "show_dots"),
    ({"min_severity": "fatal"}, "min_severity"),
    ({"takeover_severity": 3}, "takeover_severity"),
    ({"pattern_threshold": 2.5}, "pattern_threshold"),
    ({"pattern_threshold": -1}, "pattern_threshold"),
    ({"pattern_window_minutes": -5}, "pattern_window_minutes"),
    ({"colors": {"critical": [255, 10, 0]}}, "colors.critical"),
    ({"colors": {"warning": "red"}}, "colors.warning"),
    ({"colors": [1, 2, 3]}, "colors"),
    ({"dots_position": "top"}, "dots_position"),
    ({"ticker_content": "everything"}, "ticker_content"),
    ({"host_aggregator": "steal"}, "host_aggregator"),
    ({"dynamic_duration": {"max_duration_seconds": 0}}, "dynamic_duration.max_duration_seconds"),
])
def test_bad_values_are_refused_naming_the_key(config: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_settings(config)


def test_severities_parse_in_any_case() -> None:
    assert parse_settings({"takeover_severity": "ERROR"}).takeover_severity is Severity.ERROR
