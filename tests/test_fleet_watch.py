"""``error-status watch``: a panel driven by Alertmanager's alerts alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fleetfakes import Reply, am_alert, fake_alertmanager
from PIL import Image

from error_status.board import AlertBoard
from error_status.cli import main
from error_status.fleet import AlertmanagerSource, FleetService, FleetSettings
from error_status.fleet.watch import watch
from error_status.model import HealthState, Severity
from error_status.panels import MemoryPanel
from error_status.render import Renderer
from error_status.render.style import DEFAULT_SEVERITY_COLOURS


def reddish(image: Image.Image) -> int:
    """LEDs lit in the critical colour."""
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    return int((pixels == np.array(DEFAULT_SEVERITY_COLOURS[Severity.CRITICAL])).all(axis=1).sum())


def test_watch_shows_the_fleet_alerts_worst_first_with_a_dot_per_instance() -> None:
    with fake_alertmanager() as fake:
        fake.reply = Reply([am_alert("01", severity="warning", instance="pi-hall:9100"),
                            am_alert("02", severity="critical", instance="pi-kitchen:9100",
                                     annotation_summary="/var is 95% full")])
        panel = MemoryPanel(64, 32)
        board = AlertBoard()
        settings = FleetSettings(alertmanager_url=fake.url, alertmanager_poll_seconds=5)
        fleet = FleetService(settings, version="1")
        frames = watch(panel, fleet, seconds=0.5, fps=10, board=board)
    assert frames == 5 and fleet.poller is None  # stopped on the way out
    snapshot = board.snapshot()
    assert [(a.source, a.severity) for a in snapshot.alerts] == [("pi-kitchen", Severity.CRITICAL),
                                                                 ("pi-hall", Severity.WARNING)]
    assert {h.plugin_id: h.state for h in snapshot.health} == {"pi-hall": HealthState.DEGRADED,
                                                               "pi-kitchen": HealthState.CRITICAL}
    assert panel.last is not None and reddish(panel.last) > 0
    assert panel.last.tobytes() == Renderer().render(snapshot, 64, 32, 0.4).tobytes()


def test_watch_shows_alertmanager_unreachable() -> None:
    with fake_alertmanager() as fake:
        url = fake.url
    source = AlertmanagerSource(url, unreachable_after=1)  # nobody listens there any more
    fleet = FleetService(FleetSettings(alertmanager_url=url), version="1", alertmanager=source)
    board = AlertBoard()
    watch(MemoryPanel(64, 32), fleet, seconds=0.3, fps=10, board=board)
    alert = board.snapshot().alerts[0]
    assert (alert.source, alert.severity, alert.message) == ("alertmanager", Severity.ERROR,
                                                             "unreachable: connection refused")


def test_the_watch_command_records_a_png(tmp_path: Path, capsys: object) -> None:
    out = tmp_path / "watch.png"
    with fake_alertmanager() as fake:
        fake.reply = Reply([am_alert("03", severity="critical", job="backup")])
        code = main(["watch", "--alertmanager", fake.url, "--matcher", 'severity=~"critical|error"',
                     "--output", str(out), "--seconds", "0.4", "--scale", "2", "--size", "32x16"])
        assert code == 0
        assert "filter=severity%3D~%22critical%7Cerror%22" in fake.requests[0][0]
    with Image.open(out) as image:
        assert image.size == (64, 32) and reddish(image) > 0


def test_the_watch_command_refuses_bad_arguments(capsys: object) -> None:
    assert main(["watch", "--alertmanager", "alertmanager:9093", "--seconds", "1", "--output", "x.png"]) == 2
    assert main(["watch", "--alertmanager", "http://am", "--matcher", "nope", "--output", "x.png"]) == 2
