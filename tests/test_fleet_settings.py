"""The fleet's config keys: off by default, each read, bad values refused naming the key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from error_status.fleet.settings import KEYS, FleetConfigError, FleetSettings, parse_fleet_settings

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "config_schema.json").read_text())


def test_every_feature_is_off_by_default_and_the_schema_defaults_agree() -> None:
    defaults = {key: SCHEMA["properties"][key]["default"] for key in KEYS}
    assert parse_fleet_settings(defaults) == parse_fleet_settings({}) == parse_fleet_settings(None) \
        == FleetSettings()
    settings = FleetSettings()
    assert not settings.metrics_enabled and not settings.alertmanager_enabled


def test_the_schema_describes_every_key_for_the_web_form() -> None:
    for key in KEYS:
        spec = SCHEMA["properties"][key]
        assert spec["description"] and "default" in spec, key
        assert spec.get("type") != "boolean" and "enum" not in spec, key  # unset = off, whatever the form


def test_every_key_is_read() -> None:
    changed = {"metrics_port": 9466, "metrics_bind": "0.0.0.0", "metrics_textfile": "/tmp/x/e.prom",
               "alertmanager_url": "http://am:9093", "alertmanager_matchers": ['severity=~"critical|error"'],
               "alertmanager_token_file": "/etc/am-token", "alertmanager_poll_seconds": 10}
    assert set(changed) == set(KEYS)
    for key, value in changed.items():
        assert parse_fleet_settings({key: value}) != FleetSettings(), key
    settings = parse_fleet_settings(changed)
    assert settings.metrics_enabled and settings.alertmanager_enabled
    assert settings.alertmanager_matchers == ('severity=~"critical|error"',)


def test_one_matcher_may_be_a_string_and_empty_entries_are_ignored() -> None:
    def matchers(value: object) -> tuple[str, ...]:
        return parse_fleet_settings({"alertmanager_matchers": value}).alertmanager_matchers

    assert matchers("team=home") == ("team=home",)
    assert matchers(["", "a!~b.*"]) == ("a!~b.*",)


@pytest.mark.parametrize(("config", "key"), [
    ({"metrics_port": 70000}, "metrics_port"),
    ({"metrics_port": -1}, "metrics_port"),
    ({"metrics_port": 9100.5}, "metrics_port"),
    ({"metrics_port": "9100"}, "metrics_port"),
    ({"metrics_port": True}, "metrics_port"),
    ({"metrics_bind": "not an address!"}, "metrics_bind"),
    ({"metrics_bind": 127}, "metrics_bind"),
    ({"metrics_textfile": "relative.prom"}, "metrics_textfile"),
    ({"metrics_textfile": "/var/lib/x.txt"}, "metrics_textfile"),
    ({"alertmanager_url": "alertmanager:9093"}, "alertmanager_url"),
    ({"alertmanager_url": "http://am:9093/?filter=x"}, "alertmanager_url"),
    ({"alertmanager_matchers": ["severity"]}, "alertmanager_matchers"),
    ({"alertmanager_matchers": [3]}, "alertmanager_matchers"),
    ({"alertmanager_matchers": {"severity": "critical"}}, "alertmanager_matchers"),
    ({"alertmanager_matchers": ["a=b"] * 17}, "alertmanager_matchers"),
    ({"alertmanager_token_file": ["x"]}, "alertmanager_token_file"),
    ({"alertmanager_poll_seconds": 1}, "alertmanager_poll_seconds"),
    ({"alertmanager_poll_seconds": float("nan")}, "alertmanager_poll_seconds"),
    ({"alertmanager_poll_seconds": 10**400}, "alertmanager_poll_seconds"),
])
def test_bad_values_are_refused_naming_the_key(config: dict[str, Any], key: str) -> None:
    with pytest.raises(FleetConfigError, match=key):
        parse_fleet_settings(config)
    assert issubclass(FleetConfigError, ValueError)


def test_a_password_in_the_url_stays_out_of_the_repr() -> None:
    settings = parse_fleet_settings({"alertmanager_url": "https://panel:hunter2@am.example:9093/am"})
    assert "hunter2" not in repr(settings) and settings.alertmanager_enabled


def test_null_means_the_default() -> None:
    assert parse_fleet_settings({key: None for key in KEYS}) == FleetSettings()
