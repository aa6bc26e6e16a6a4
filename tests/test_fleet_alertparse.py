"""Alertmanager's v2 alert list read into board alerts: every field checked, texts redacted."""

from __future__ import annotations

from typing import Any

import pytest
from fleetfakes import am_alert

from error_status.fleet.alertparse import MAX_SUMMARY, BadResponse, parse_alerts, severity_of
from error_status.model import Severity

NOW = 1_767_225_600.0


def one(entry: dict[str, Any]) -> Any:
    parsed = parse_alerts([entry], NOW)
    assert parsed.malformed == 0 and len(parsed.alerts) == 1, parsed
    return parsed.alerts[0]


@pytest.mark.parametrize(("label", "severity"), [
    ("critical", Severity.CRITICAL), ("CRITICAL", Severity.CRITICAL), (" error ", Severity.ERROR),
    ("warning", Severity.WARNING), ("info", Severity.WARNING), ("page", Severity.WARNING),
    ("", Severity.WARNING), (None, Severity.WARNING),
])
def test_severity_comes_from_the_severity_label_and_anything_else_is_a_warning(
        label: str | None, severity: Severity) -> None:
    labels = {} if label is None else {"severity": label}
    assert severity_of(labels) is severity
    assert one(am_alert(**labels)).severity is severity


def test_an_alert_reads_name_where_summary_key_and_times() -> None:
    alert = one(am_alert(severity="critical", instance="pi-kitchen:9100", job="node",
                         annotation_summary="/var is 95% full"))
    assert alert.key == "alertmanager:a1b2c3d4e5f60718" and alert.origin == "alertmanager"
    assert alert.plugin_id == "pi-kitchen" and alert.source == "pi-kitchen"
    assert alert.error_type == "DiskFull" and alert.message == "DiskFull: /var is 95% full"
    assert alert.first_seen == pytest.approx(1_767_261_600.123456)
    assert alert.last_seen == pytest.approx(1_767_261_900.0)


@pytest.mark.parametrize(("labels", "where"), [
    ({"instance": "10.0.0.5:9100"}, "10.0.0.5"),
    ({"instance": "[fe80::1]:9100"}, "[fe80::1]"),
    ({"instance": "fe80::1"}, "fe80::1"),
    ({"instance": "pi-hall"}, "pi-hall"),
    ({"job": "backup"}, "backup"),
    ({"instance": "", "job": "backup"}, "backup"),
    ({}, None),
])
def test_where_is_the_instance_without_port_else_the_job(labels: dict[str, str], where: str | None) -> None:
    assert one(am_alert(**labels)).plugin_id == where


def test_without_a_where_the_ticker_names_the_alert_and_shows_the_summary() -> None:
    alert = one(am_alert(annotation_description="backups are late"))
    assert alert.source == "DiskFull" and alert.message == "backups are late"


def test_texts_are_redacted_shortened_and_made_one_line() -> None:
    secret = "ghp_" + "A" * 36
    summary = f"push failed\n token={secret} " + "x" * 500
    alert = one(am_alert(instance="pi\u202e:9100", annotation_summary=summary))
    assert secret not in alert.message and "[REDACTED]" in alert.message
    assert "\n" not in alert.message and "\u202e" not in (alert.plugin_id or "")
    assert len(alert.message) <= len("DiskFull: ") + MAX_SUMMARY and alert.message.endswith("...")


def test_silenced_inhibited_and_inactive_entries_are_left_out_without_counting_them() -> None:
    entries = [am_alert("01"), am_alert("02"), am_alert("03"), am_alert("04")]
    entries[1]["status"]["silencedBy"] = ["s1"]
    entries[2]["status"]["inhibitedBy"] = ["a"]
    entries[3]["status"]["state"] = "suppressed"
    parsed = parse_alerts(entries, NOW)
    assert [a.key for a in parsed.alerts] == ["alertmanager:01"] and parsed.malformed == 0


@pytest.mark.parametrize("data", [{}, "alerts", 3, None, {"data": []}])
def test_a_response_that_is_not_a_list_is_a_bad_response(data: object) -> None:
    with pytest.raises(BadResponse):
        parse_alerts(data, NOW)


def test_malformed_entries_are_counted_and_the_rest_still_show() -> None:
    good = am_alert("ab", severity="error")
    bad: list[object] = [None, 7, "x", [], {}, {"fingerprint": "cd"}, {"fingerprint": 5, "labels": {}},
                         {"fingerprint": "bad fingerprint!", "labels": {}},
                         {"fingerprint": "x" * 65, "labels": {}}, {"fingerprint": "ef", "labels": []}]
    odd = am_alert("ff", severity=["critical"], alertname={"x": 1})  # type: ignore[arg-type]
    odd["annotations"] = "nope"
    odd["startsAt"] = "yesterday"
    parsed = parse_alerts([*bad, good, odd], NOW)
    assert parsed.malformed == len(bad) + 1
    assert [a.key for a in parsed.alerts] == ["alertmanager:ab"]
    fallback = dict(am_alert("aa"), startsAt="not a time", updatedAt=12)
    assert one(fallback).first_seen == NOW and one(fallback).last_seen == NOW


def test_the_worst_alerts_are_kept_when_there_are_too_many() -> None:
    entries = [am_alert(f"{i:04x}", severity="warning") for i in range(100)]
    entries.append(am_alert("ffff", severity="critical"))
    parsed = parse_alerts(entries, NOW, max_alerts=10)
    assert len(parsed.alerts) == 10 and parsed.dropped == 91
    assert parsed.alerts[0].severity is Severity.CRITICAL


def test_duplicate_fingerprints_are_one_alert() -> None:
    assert len(parse_alerts([am_alert("ab"), am_alert("ab")], NOW).alerts) == 1
