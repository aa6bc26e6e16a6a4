"""The command line and the demo storm."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from error_status import cli
from error_status.aggregator import ErrorAggregator, EventKind, PatternEvent
from error_status.cli import main, snapshot_from_export
from error_status.clock import ManualClock
from error_status.demo import CYCLE, QUIET_MINUTES, THRESHOLD, WINDOW_MINUTES, Storm
from error_status.model import HealthState, Severity
from error_status.pipeline import Pipeline
from error_status.render.style import DEFAULT_SEVERITY_COLOURS


def test_storm_goes_through_every_lifecycle_transition() -> None:
    clock = ManualClock()
    aggregator = ErrorAggregator(pattern_threshold=3, pattern_window_minutes=WINDOW_MINUTES,
                                 quiet_period_minutes=QUIET_MINUTES, clock=clock)
    subscription = aggregator.subscribe()
    storm = Storm(aggregator)
    steps = int(CYCLE * 4)
    for step in range(steps):
        clock.advance(0.25)
        storm.advance(step / 4)
        aggregator.tick()
    storm.close()
    events: list[PatternEvent] = subscription.drain()
    assert {e.kind for e in events} >= set(EventKind)
    logged = [e for e in events if e.pattern.plugin_id == "calendar"]
    assert logged and logged[0].pattern.error_type == "LoggedError"
    assert storm.recorded > 50


def test_demo_records_an_animated_gif(tmp_path: Path) -> None:
    out = tmp_path / "demo.gif"
    assert main(["demo", "--seconds", "14", "--output", str(out), "--size", "32x16", "--scale", "2"]) == 0
    with Image.open(out) as gif:
        assert gif.size == (64, 32) and gif.n_frames > 1  # all clear first (one frame), then scrolling
        total = 0
        for index in range(gif.n_frames):
            gif.seek(index)
            total += gif.info["duration"]
    assert total == pytest.approx(14_000, abs=20)


def test_demo_png_is_the_last_frame(tmp_path: Path) -> None:
    out = tmp_path / "last.png"
    assert main(["demo", "--seconds", "12", "--output", str(out), "--scale", "1", "--flat"]) == 0
    with Image.open(out) as image:
        assert image.size == (64, 32) and image.getbbox() is not None


def test_render_a_scene_and_an_export(tmp_path: Path) -> None:
    scene = tmp_path / "scene.png"
    assert main(["render", "--scene", "mixed", "--output", str(scene), "--size", "128x32"]) == 0
    aggregator = ErrorAggregator(pattern_threshold=2)
    for _ in range(3):
        aggregator.record_error(TimeoutError("slow"), plugin_id="weather")
    export = tmp_path / "errors.json"
    aggregator.export_to_file(export)
    snapshot = snapshot_from_export(export)
    assert [a.plugin_id for a in snapshot.alerts] == ["weather"]
    out = tmp_path / "export.png"
    assert main(["render", str(export), "--output", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size == (64, 32)


@pytest.mark.parametrize("argv", [["demo", "--size", "8x8", "--output", "x.gif"],
                                  ["render", "--scene", "mixed", "--output", "x.png", "--size", "big"]])
def test_bad_arguments_exit_with_a_message(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "size" in capsys.readouterr().err


def test_bad_export_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2, 3]")
    assert main(["render", str(bad), "--output", str(tmp_path / "x.png")]) == 2
    assert "not an error-status" in capsys.readouterr().err


# ---------------------------------------------------------------- issue 9: the demo shows errors at once

SEVERITY_COLOURS = {s: DEFAULT_SEVERITY_COLOURS[s] for s in Severity}


Timeline = list[tuple[float, set[tuple[int, int, int]], bytes]]


def gif_timeline(path: Path) -> Timeline:
    """Each frame of a GIF: when it starts (s), its colours, its pixels."""
    frames = []
    at = 0.0
    with Image.open(path) as gif:
        for index in range(gif.n_frames):
            gif.seek(index)
            rgb = gif.convert("RGB")
            frames.append((at, {c for _, c in rgb.getcolors(1 << 16) or []}, rgb.tobytes()))
            at += gif.info["duration"] / 1000
    return frames


def first_seen(frames: Timeline, colour: tuple[int, int, int]) -> float:
    return min((at for at, colours, _ in frames if colour in colours), default=float("inf"))


def test_a_four_second_demo_gif_moves_and_is_amber_within_two_seconds(tmp_path: Path) -> None:
    out = tmp_path / "demo.gif"
    assert main(["demo", "--seconds", "4", "--output", str(out)]) == 0
    frames = gif_timeline(out)
    assert len({pixels for _, _, pixels in frames}) >= 20
    assert first_seen(frames, SEVERITY_COLOURS[Severity.WARNING]) < 2.0


def test_every_severity_shows_within_fifteen_seconds(tmp_path: Path) -> None:
    out = tmp_path / "demo.gif"
    assert main(["demo", "--seconds", "15", "--output", str(out), "--size", "128x32", "--scale", "2"]) == 0
    frames = gif_timeline(out)
    for severity, colour in SEVERITY_COLOURS.items():
        assert first_seen(frames, colour) < 15.0, severity


def test_the_storm_raises_every_severity_early_and_reports_a_circuit_breaker() -> None:
    clock = ManualClock()
    pipeline = Pipeline.build(pattern_threshold=THRESHOLD, pattern_window_minutes=WINDOW_MINUTES,
                              quiet_period_minutes=QUIET_MINUTES, clock=clock)
    storm = Storm(pipeline.aggregator)
    first: dict[Severity, float] = {}
    circuit = None
    try:
        for step in range(15 * 4):
            t = step / 4
            clock.advance(0.25)
            storm.advance(t)
            pipeline.cycle(storm.health())
            for alert in pipeline.snapshot.alerts:
                first.setdefault(alert.severity, t)
            if circuit is None and storm.health()["mlb"] == (HealthState.FAILING, "circuit open"):
                circuit = t
    finally:
        storm.close()
        pipeline.close()
    assert first[Severity.WARNING] <= 1.0
    assert first[Severity.ERROR] <= 5.0 and first[Severity.CRITICAL] <= 10.0
    assert circuit is not None and circuit < 15.0


@pytest.mark.parametrize("argv", [
    ["demo", "--seconds", "0", "--output", "{tmp}/x.gif"],
    ["demo", "--seconds", "-3", "--panel", "memory"],
    ["demo", "--seconds", "nan"],
    ["demo", "--fps", "0", "--output", "{tmp}/x.gif"],
    ["demo", "--fps", "-25", "--panel", "emulator-browser"],
    ["demo", "--fps", "inf", "--panel", "rgbmatrix"],
    ["demo", "--fps", "fast"],
])
def test_seconds_and_fps_must_be_positive_in_every_mode(argv: list[str], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(cli, "open_panel", lambda kind, *a, **k: opened.append(kind))  # must not be reached
    with pytest.raises(SystemExit) as exit_info:
        main([part.replace("{tmp}", str(tmp_path)) for part in argv])
    assert exit_info.value.code == 2 and not opened and not list(tmp_path.iterdir())
    assert "must be a positive number" in capsys.readouterr().err


def test_the_demo_loop_refuses_what_is_not_positive() -> None:
    from error_status.demo import run
    from error_status.panels import MemoryPanel

    for seconds, fps in ((0, 25.0), (-1, 25.0), (5, 0), (5, float("nan")), (5, True)):
        with pytest.raises(ValueError, match="positive"):
            run(MemoryPanel(64, 32), seconds, fps)  # type: ignore[arg-type]


@pytest.mark.parametrize("argv", [["demo", "--seconds", "1", "--output", "{tmp}/missing/demo.gif"],
                                  ["render", "--scene", "mixed", "--output", "{tmp}/missing/x.png"],
                                  ["pictures", "{tmp}/missing"]])
def test_output_into_a_missing_directory_is_an_error(argv: list[str], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([part.replace("{tmp}", str(tmp_path)) for part in argv])
    assert exit_info.value.code == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()


class _Interrupting:
    """A panel that takes a few frames, then acts like Ctrl-C."""

    size = (64, 32)

    def __init__(self) -> None:
        self.shown = 0
        self.url = "http://localhost:9123/"

    def show(self, image: Image.Image) -> None:
        self.shown += 1
        if self.shown >= 3:
            raise KeyboardInterrupt

    def close(self) -> None:
        pass


@pytest.mark.parametrize("kind", ["emulator", "emulator-browser"])
def test_the_emulator_demo_shows_in_the_browser_on_the_given_port(kind: str, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    opened: list[tuple[str, int]] = []
    panel = _Interrupting()

    def fake_open(kind: str, width: int, height: int, **options: object) -> _Interrupting:
        opened.append((kind, options["port"]))  # type: ignore[arg-type]
        return panel

    monkeypatch.setattr(cli, "open_panel", fake_open)
    assert main(["demo", "--panel", kind, "--port", "9123", "--fps", "100"]) == 130
    assert opened == [("emulator-browser", 9123)] and panel.shown == 3
    out = capsys.readouterr().out
    assert "http://localhost:9123/" in out
    if kind == "emulator":
        assert "headless" in out and "browser" in out


def test_a_bad_port_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--port", "70000"])
    assert "port" in capsys.readouterr().err
