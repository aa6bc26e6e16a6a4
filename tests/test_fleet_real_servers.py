"""Against a real Alertmanager and a real Prometheus (Debian's packages), on 127.0.0.1 with free
ports and temporary data directories. Skipped outside CI when the binaries are missing (with the
reason); in CI (ERROR_STATUS_CI=1) a missing binary fails."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fleetservers
import pytest
from fleetservers import (
    Server,
    alertmanager_args,
    free_port,
    post_alert,
    prometheus_args,
    query,
    running,
    silence,
    wait_for,
)
from prometheus_client import CollectorRegistry

from error_status import __version__
from error_status.aggregator import ErrorAggregator
from error_status.board import AlertBoard, alert_from_pattern
from error_status.cli import main
from error_status.clock import ManualClock
from error_status.fleet import UNREACHABLE_KEY, AlertmanagerSource, FleetService, FleetSettings
from error_status.model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity

ROOT = Path(__file__).resolve().parents[1]
ALERTMANAGER = "prometheus-alertmanager"


class Scraper:
    """A Prometheus scraping three ports chosen before it starts (it takes a few seconds to begin
    scraping new targets, so one instance serves every test here)."""

    def __init__(self, server: Server, ports: dict[str, int]) -> None:
        self.server = server
        self.ports = ports

    def instance(self, name: str) -> str:
        return f'instance="127.0.0.1:{self.ports[name]}"'

    def query(self, expression: str) -> list[dict[str, Any]]:
        return query(self.server, expression)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scraper]:
    ports = {name: free_port() for name in ("service", "demo", "watch")}
    workdir = tmp_path_factory.mktemp("prometheus")
    with running("prometheus", prometheus_args(list(ports.values())), workdir) as server:
        yield Scraper(server, ports)


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One Alertmanager for the tests that leave it running (each uses its own alert names)."""
    with running(ALERTMANAGER, alertmanager_args, tmp_path_factory.mktemp("alertmanager")) as server:
        yield server


class Panel:
    """The board fed by a FleetService polling Alertmanager, as the plugin's driver would."""

    def __init__(self, url: str, *matchers: str) -> None:
        settings = FleetSettings(alertmanager_url=url, alertmanager_matchers=matchers,
                                 alertmanager_poll_seconds=0.1)
        self.fleet = FleetService(settings, version=__version__)
        self.board = AlertBoard()
        self._target = self.board
        self.fleet.start(strict=True)

    def alerts(self) -> dict[str, Alert]:
        """One driver round; the alerts on the board by name."""
        self.fleet.cycle(self._target)
        self.board.refresh()
        return {a.error_type: a for a in self.board.snapshot().alerts}

    def alerts_when(self, count: int) -> dict[str, Alert] | None:
        """The alerts once there are ``count`` of them, else None (for wait_for)."""
        alerts = self.alerts()
        return alerts if len(alerts) == count else None

    def close(self) -> None:
        self.fleet.stop()
        self.board.close()


@pytest.fixture
def panels() -> Iterator[list[Panel]]:
    made: list[Panel] = []
    yield made
    for panel in made:
        panel.close()


def test_posted_alerts_show_with_their_severity_and_go_when_resolved_or_silenced(
        alertmanager: Server, panels: list[Panel]) -> None:
    run = {"test": "lifecycle"}
    post_alert(alertmanager, {"alertname": "DiskFull", "severity": "critical", "instance": "pi-kitchen:9100",
                              **run}, {"summary": "/var is 95% full, token=hunter2hunter2"})
    post_alert(alertmanager, {"alertname": "BackupLate", "severity": "error", "job": "backup", **run})
    post_alert(alertmanager, {"alertname": "Odd", "severity": "page", "instance": "pi-hall", **run})
    panel = Panel(alertmanager.url, 'test="lifecycle"')
    panels.append(panel)
    shown = wait_for("three alerts on the board", lambda: panel.alerts_when(3))
    assert {name: a.severity for name, a in shown.items()} == {
        "DiskFull": Severity.CRITICAL, "BackupLate": Severity.ERROR, "Odd": Severity.WARNING}
    disk = shown["DiskFull"]
    assert disk.source == "pi-kitchen" and disk.origin == "alertmanager"
    assert disk.key.startswith("alertmanager:")
    assert "hunter2" not in disk.message and disk.message.startswith("DiskFull: /var is 95% full")
    assert list(shown) == ["DiskFull", "BackupLate", "Odd"]  # worst first
    health = {h.plugin_id: h.state for h in panel.board.snapshot().health}
    assert health["pi-kitchen"] is HealthState.CRITICAL

    post_alert(alertmanager, {"alertname": "DiskFull", "severity": "critical", "instance": "pi-kitchen:9100",
                              **run}, ends_in=-1)
    assert set(wait_for("the resolved alert to go", lambda: panel.alerts_when(2))) == {"BackupLate", "Odd"}
    silence(alertmanager, "BackupLate")
    assert set(wait_for("the silenced alert to go", lambda: panel.alerts_when(1))) == {"Odd"}


def test_matchers_filter_in_alertmanager(alertmanager: Server, panels: list[Panel]) -> None:
    for name, severity in (("Hot", "critical"), ("Warm", "warning"), ("Broken", "error")):
        post_alert(alertmanager, {"alertname": name, "severity": severity, "test": "matchers"})
    panel = Panel(alertmanager.url, 'test="matchers"', 'severity=~"critical|error"')
    panels.append(panel)
    assert set(wait_for("two alerts", lambda: panel.alerts_when(2))) == {"Hot", "Broken"}
    assert panel.fleet.source is not None and panel.fleet.source.counters.polls_ok >= 1


def test_alertmanager_stopped_mid_test_becomes_the_unreachable_alert(tmp_path: Path) -> None:
    clock = ManualClock()
    with running(ALERTMANAGER, alertmanager_args, tmp_path / "am") as am:
        post_alert(am, {"alertname": "Flaky", "severity": "error", "instance": "pi-den:9100"})
        source = AlertmanagerSource(am.url, unreachable_after=2, keep_for=120.0, clock=clock, timeout=1.0)
        known = wait_for("the alert", lambda: source.poll() or None)
        assert [a.error_type for a in known] == ["Flaky"]
        am.stop()
        assert source.poll() == known  # one failed poll: nothing said yet
        clock.advance(30)
        failing = source.poll()
        assert [a.key for a in failing] == [UNREACHABLE_KEY, known[0].key]
        assert failing[0].message == "unreachable: connection refused"
        assert failing[0].severity is Severity.ERROR
        clock.advance(120)
        assert [a.key for a in source.poll()] == [UNREACHABLE_KEY]  # the last alerts aged out
        board = AlertBoard()
        board.set_external("alertmanager", source.poll())
        assert board.snapshot().alerts[0].source == "alertmanager"


def test_prometheus_scrapes_our_series_from_the_metrics_port(prometheus: Scraper) -> None:
    aggregator = ErrorAggregator(pattern_threshold=2)
    for _ in range(3):
        aggregator.record_error(TimeoutError("read timed out"), plugin_id="weather")
    fleet_alert = Alert("alertmanager:ff", Severity.CRITICAL, "pi-kitchen", "DiskFull", "full", 1, 0.0, 0.0,
                        origin="alertmanager")
    local = tuple(alert_from_pattern(p) for p in aggregator.active_patterns())
    snapshot = BoardSnapshot(alerts=(*local, fleet_alert), health=(
        PluginHealth("clock", HealthState.HEALTHY), PluginHealth("pi-kitchen", HealthState.CRITICAL),
        PluginHealth("weather", HealthState.DEGRADED)))
    settings = FleetSettings(metrics_port=prometheus.ports["service"])
    fleet = FleetService(settings, version=__version__, registry=CollectorRegistry())

    class Board:
        def set_external(self, source: str, alerts: tuple[Alert, ...]) -> None: ...

        def snapshot(self) -> BoardSnapshot:
            return snapshot

    fleet.start(strict=True)
    try:
        fleet.cycle(Board(), aggregator)
        target = prometheus.instance("service")
        errors = wait_for("the error counter in Prometheus", lambda: prometheus.query(
            f'ledmatrix_plugin_errors_total{{{target},plugin="weather"}}'), timeout=20)
        assert errors[0]["metric"]["type"] == "TimeoutError" and float(errors[0]["value"][1]) == 3
        assert prometheus.query(f"up{{{target}}}")[0]["value"][1] == "1"
        alerts = prometheus.query(f"ledmatrix_error_alerts{{{target}}} > 0")
        assert [(a["metric"]["plugin"], a["metric"]["severity"]) for a in alerts] == [("weather", "warning")]
        health = prometheus.query(f"ledmatrix_plugin_health{{{target}}} == 1")
        assert {h["metric"]["plugin"]: h["metric"]["state"] for h in health} == {
            "clock": "healthy", "weather": "degraded"}
        info = prometheus.query(f"ledmatrix_error_status_info{{{target}}}")
        assert info[0]["metric"]["version"] == __version__
        assert prometheus.query(f'{{{target},plugin="pi-kitchen"}}') == []  # fleet alerts: not exported back
    finally:
        fleet.stop()
        aggregator.close()


def test_prometheus_scrapes_the_demo_and_the_watch_commands(tmp_path: Path, alertmanager: Server,
                                                            prometheus: Scraper) -> None:
    demo = subprocess.Popen([sys.executable, "-m", "error_status.cli", "demo", "--panel", "emulator",
                             "--seconds", "30", "--metrics-port", str(prometheus.ports["demo"])],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={"PYTHONPATH": str(ROOT / "plugin"), "PATH": "/usr/bin:/bin",
                                 "HOME": str(tmp_path)})
    try:
        post_alert(alertmanager, {"alertname": "Watched", "severity": "critical", "test": "watch"})
        watch = ["watch", "--alertmanager", alertmanager.url, "--matcher", 'test="watch"', "--poll", "5",
                 "--seconds", "3", "--output", str(tmp_path / "w.png"),
                 "--metrics-port", str(prometheus.ports["watch"])]
        assert main(watch) == 0  # 3 s in real time, scraped every second
        # the watch has stopped, so its series are stale now: look back over the last minute
        watched = prometheus.instance("watch")
        polls = prometheus.query(
            f'max_over_time(ledmatrix_alertmanager_polls_total{{{watched},result="ok"}}[1m])')
        assert float(polls[0]["value"][1]) >= 1
        errors = wait_for("the demo's errors in Prometheus", lambda: prometheus.query(
            f'ledmatrix_plugin_errors_total{{{prometheus.instance("demo")},plugin="weather"}}'), timeout=20)
        assert float(errors[0]["value"][1]) >= 1
    finally:
        demo.terminate()
        _, stderr = demo.communicate(timeout=10)
    assert b"Traceback" not in stderr, stderr.decode()


@pytest.mark.parametrize("in_ci", [False, True])
def test_a_missing_binary_skips_outside_ci_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch,
                                                           in_ci: bool) -> None:
    monkeypatch.setattr(fleetservers.os, "access", lambda path, mode: False)
    monkeypatch.setattr(fleetservers.shutil, "which", lambda name: None)
    monkeypatch.setattr(fleetservers, "IN_CI", in_ci)
    expected = pytest.fail.Exception if in_ci else pytest.skip.Exception
    with pytest.raises(expected, match="apt-get install --no-install-recommends prometheus-alertmanager"):
        fleetservers.binary("prometheus-alertmanager")
