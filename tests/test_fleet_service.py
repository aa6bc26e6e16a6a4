"""FleetService, the one object the driver owns: what starts, what each cycle does, what stop frees;
and life without prometheus_client."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import urllib.request
from pathlib import Path

import pytest
from fleetfakes import Reply, StandInBoard, am_alert, fake_alertmanager
from fleetservers import free_port
from prometheus_client import CollectorRegistry

from error_status.aggregator import ErrorAggregator
from error_status.cli import main
from error_status.clock import ManualClock
from error_status.fleet import (
    AlertmanagerSource,
    ErrorSummaries,
    FleetBoard,
    FleetService,
    FleetSettings,
    MetricsUnavailable,
)
from error_status.fleet.metrics import prometheus

ROOT = Path(__file__).resolve().parents[1]


def wait_until(check: object, timeout: float = 5.0) -> None:
    event = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if callable(check) and check():
            return
        event.wait(0.02)
    raise AssertionError("timed out")


def test_nothing_runs_until_start_and_stop_ends_it_all(tmp_path: Path) -> None:
    threads = threading.active_count()
    with fake_alertmanager() as fake:
        fake.reply = Reply([am_alert("ab", severity="critical", instance="pi:9100")])
        port = free_port()
        settings = FleetSettings(metrics_port=port, metrics_textfile=str(tmp_path / "m.prom"),
                                 alertmanager_url=fake.url, alertmanager_poll_seconds=0.05)
        fleet = FleetService(settings, version="1", registry=CollectorRegistry(), metrics_refresh=0.0)
        assert threading.active_count() == threads + 1 and fake.requests == []  # only the fake's own thread
        fleet.start()
        board = StandInBoard()
        assert fleet.poller is not None and fleet.poller.wait_first(5)
        wait_until(lambda: (fleet.cycle(board), board.external.get("alertmanager"))[1])
        assert [a.key for a in board.external["alertmanager"]] == ["alertmanager:ab"]
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        assert 'ledmatrix_alertmanager_polls_total{result="ok"}' in text
        assert 'plugin="pi"' not in text  # the fleet's alerts are not exported back
        assert (tmp_path / "m.prom").exists()
        calls = board.calls
        fleet.cycle(board)
        assert board.calls == calls  # set_external only when the poller has something new
        fleet.stop()
    assert threading.active_count() == threads
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_the_summary_is_read_only_when_the_metrics_are_due() -> None:
    clock = ManualClock()
    aggregator = ErrorAggregator(clock=clock)
    reads = []
    original = aggregator.get_error_summary

    def counting() -> dict[str, object]:
        reads.append(1)
        return original()

    aggregator.get_error_summary = counting  # type: ignore[method-assign]
    fleet = FleetService(FleetSettings(metrics_port=free_port()), version="1", clock=clock,
                         registry=CollectorRegistry(), metrics_refresh=5.0)
    fleet.start(strict=True)
    try:
        board = StandInBoard()
        for _ in range(20):
            fleet.cycle(board, aggregator)
            clock.advance(1.0)
        assert len(reads) == 4  # at 0, 5, 10, 15 s
        idle = FleetService(FleetSettings(), version="1")
        idle.cycle(board, aggregator)
        assert len(reads) == 4  # metrics off: never read
    finally:
        fleet.stop()
        aggregator.close()


def test_a_port_in_use_is_a_problem_not_a_crash_unless_strict() -> None:
    with fake_alertmanager() as fake:
        taken = fake.url.rsplit(":", 1)[1]
        settings = FleetSettings(metrics_port=int(taken), alertmanager_url=fake.url,
                                 alertmanager_poll_seconds=5)
        fleet = FleetService(settings, version="1", registry=CollectorRegistry())
        fleet.start()
        try:
            assert fleet.endpoint is None and fleet.poller is not None and "metrics" in fleet.problems[0]
        finally:
            fleet.stop()
        with pytest.raises(OSError):
            FleetService(settings, version="1", registry=CollectorRegistry()).start(strict=True)


def test_a_port_in_use_stops_the_endpoint_only_and_says_so(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    textfile = tmp_path / "error_status.prom"
    with fake_alertmanager() as fake:
        taken = int(fake.url.rsplit(":", 1)[1])
        settings = FleetSettings(metrics_port=taken, metrics_textfile=str(textfile))
        fleet = FleetService(settings, version="1", registry=CollectorRegistry(), clock=ManualClock())
        with caplog.at_level("ERROR"):
            fleet.start()
        try:
            assert fleet.endpoint is None and fleet.textfile is not None
            assert fleet.problems and fleet.problems[0].startswith("the metrics endpoint: ")
            assert "error-status: the metrics endpoint is off: " in caplog.text
            assert "metrics are off" not in caplog.text
            fleet.cycle(StandInBoard())
            assert "ledmatrix_error_status_info" in textfile.read_text()  # the textfile is still written
        finally:
            fleet.stop()


def test_without_prometheus_client_metrics_say_what_to_install_and_alerts_still_come(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # import now raises ImportError
    with pytest.raises(MetricsUnavailable, match="pip install prometheus_client"):
        prometheus()
    with fake_alertmanager() as fake:
        fake.reply = Reply([am_alert("cd", severity="error")])
        assert [a.key for a in AlertmanagerSource(fake.url).poll()] == ["alertmanager:cd"]
        fleet = FleetService(FleetSettings(metrics_port=free_port(), alertmanager_url=fake.url,
                                           alertmanager_poll_seconds=5), version="1")
        fleet.start()
        try:
            assert fleet.poller is not None and fleet.poller.wait_first(5)
            board = StandInBoard()
            fleet.cycle(board)
            assert board.external["alertmanager"][0].key == "alertmanager:cd"
        finally:
            fleet.stop()
    assert "pip install prometheus_client" in fleet.problems[0]
    assert "pip install prometheus_client" in caplog.text


def test_the_cli_says_what_to_install(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    code = main(["demo", "--seconds", "1", "--output", str(tmp_path / "d.png"), "--metrics-port", "9466"])
    assert code == 2 and "pip install prometheus_client" in capsys.readouterr().err
    assert main(["demo", "--seconds", "1", "--output", str(tmp_path / "d.png")]) == 0  # the rest works


def test_importing_starts_nothing_and_needs_no_prometheus_client() -> None:
    code = textwrap.dedent("""
        import sys, threading
        sys.modules["prometheus_client"] = None
        before = threading.active_count()
        import error_status.fleet, error_status.fleet.watch, error_status.cli
        assert threading.active_count() == before, "a thread at import time"
        assert "prometheus_client" not in sys.modules or sys.modules["prometheus_client"] is None
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=ROOT, env={"PYTHONPATH": str(ROOT / "plugin"), "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "ok", result.stderr


def test_demo_metrics_follow_the_storm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A recorded demo runs on its own clock; the metrics refresh on that clock too (scraped mid-run)."""
    seen: list[str] = []
    original = FleetService.cycle

    def scrape_after(self: FleetService, board: FleetBoard, aggregator: ErrorSummaries | None = None) -> None:
        original(self, board, aggregator)
        if self.endpoint is not None and not seen and self.metrics_view().errors:
            seen.append(urllib.request.urlopen(self.endpoint.url, timeout=5).read().decode())

    monkeypatch.setattr(FleetService, "cycle", scrape_after)
    assert main(["demo", "--seconds", "12", "--output", str(tmp_path / "d.png"),
                 "--metrics-port", str(free_port())]) == 0
    assert seen and 'ledmatrix_plugin_errors_total{plugin="weather",type="HTTPError"}' in seen[0]


def test_the_external_board_uses_set_external_when_the_board_has_it() -> None:
    from error_status.board import AlertBoard

    class Newer(AlertBoard):
        def __init__(self) -> None:
            super().__init__()
            self.got: list[tuple[str, int]] = []

        def set_external(self, source: str, alerts: tuple[object, ...]) -> bool:
            self.got.append((source, len(alerts)))
            return True

    board = Newer()
    board.set_external("alertmanager", ())
    assert board.got == [("alertmanager", 0)]
