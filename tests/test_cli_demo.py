"""The command line and the demo storm."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from error_status.aggregator import ErrorAggregator, EventKind, PatternEvent
from error_status.cli import main, snapshot_from_export
from error_status.clock import ManualClock
from error_status.demo import CYCLE, QUIET_MINUTES, WINDOW_MINUTES, Storm


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
