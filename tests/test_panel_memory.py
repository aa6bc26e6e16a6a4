"""MemoryPanel and the Recorder wrapper: frame checks, recording, dedup, timestamps, PNG and GIF output."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageSequence

from error_status.panels import MemoryPanel, Panel, Recorder
from error_status.panels.picture import render_picture

RED = (255, 0, 0)
BLUE = (0, 128, 255)


def frame(colour: tuple[int, int, int] = RED, size: tuple[int, int] = (8, 4), dot: int = 0) -> Image.Image:
    """A black frame with one lit pixel at (dot, 0)."""
    image = Image.new("RGB", size)
    image.putpixel((dot, 0), colour)
    return image


def gif_durations(path: Path) -> tuple[list[int], int]:
    """Per-frame durations (ms) and the loop count of a GIF."""
    with Image.open(path) as gif:
        durations = [int(part.info["duration"]) for part in ImageSequence.Iterator(gif)]
        return durations, int(gif.info["loop"])


def test_is_a_panel() -> None:
    assert isinstance(MemoryPanel(8, 4), Panel)


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "1"])
def test_rejects_non_rgb(mode: str) -> None:
    with pytest.raises(ValueError, match="mode 'RGB'"):
        MemoryPanel(8, 4).show(Image.new(mode, (8, 4)))


def test_rejects_wrong_size() -> None:
    with pytest.raises(ValueError, match=r"8x4.*9x4"):
        MemoryPanel(8, 4).show(Image.new("RGB", (9, 4)))


def test_keeps_copies_of_frames() -> None:
    panel = MemoryPanel(8, 4)
    image = frame()
    panel.show(image)
    image.putpixel((1, 1), BLUE)
    assert panel.last is not None
    assert panel.last.tobytes() == frame().tobytes()
    assert panel.last.getpixel((1, 1)) == (0, 0, 0)


def test_last_is_none_before_any_frame() -> None:
    assert MemoryPanel(8, 4).last is None


class Timed:
    """A Recorder around a MemoryPanel, on a clock the test sets before each frame."""

    def __init__(self) -> None:
        self.now = 0.0
        self.inner = MemoryPanel(8, 4)
        self.recorder = Recorder(self.inner, clock=lambda: self.now)

    def show(self, image: Image.Image, at: float) -> None:
        self.now = at
        self.recorder.show(image)


def test_frame_bound_drops_oldest() -> None:
    panel = MemoryPanel(8, 4, keep=3)
    for dot in range(5):
        panel.show(frame(dot=dot))
    assert [f.image.getpixel((dot, 0)) for f, dot in zip(panel.frames, [2, 3, 4], strict=True)] == [RED] * 3
    assert panel.shown == 5


def test_identical_consecutive_frames_are_stored_once() -> None:
    panel = MemoryPanel(8, 4, keep=2)
    for _ in range(1000):
        panel.show(frame())
    panel.show(frame(BLUE))
    panel.show(frame())
    assert [f.repeats for f in panel.frames] == [1, 1]
    timed = Timed()
    for at in range(1000):
        timed.show(frame(), at=at / 10)
    (only,) = timed.recorder.log.frames
    assert (only.repeats, only.at, only.last_at) == (1000, 0.0, 99.9)


def test_timestamps_must_not_go_backwards() -> None:
    timed = Timed()
    timed.show(frame(), at=2.0)
    with pytest.raises(ValueError, match="backwards"):
        timed.show(frame(), at=1.0)


def test_the_recorder_passes_every_frame_on() -> None:
    timed = Timed()
    timed.show(frame(), at=1.0)
    timed.show(frame(BLUE), at=2.0)
    assert isinstance(timed.recorder, Panel) and timed.recorder.size == (8, 4)
    assert timed.inner.shown == 2 and timed.inner.last is not None
    assert timed.inner.last.tobytes() == frame(BLUE).tobytes()
    timed.recorder.close()
    with pytest.raises(RuntimeError, match="closed"):
        timed.inner.show(frame())


def test_closed_panel_refuses_frames() -> None:
    panel = MemoryPanel(8, 4)
    panel.close()
    panel.close()
    with pytest.raises(RuntimeError, match="closed"):
        panel.show(frame())


def test_png_round_trip_at_scale_1(tmp_path: Path) -> None:
    panel = MemoryPanel(8, 4)
    image = Image.frombytes("RGB", (8, 4), bytes(range(96)))
    panel.show(image)
    panel.save_png(tmp_path / "f.png")
    with Image.open(tmp_path / "f.png") as saved:
        assert saved.mode == "RGB"
        assert saved.tobytes() == image.tobytes()


def test_scaled_png_is_nearest_neighbour(tmp_path: Path) -> None:
    panel = MemoryPanel(8, 4)
    panel.show(frame(dot=1))
    panel.save_png(tmp_path / "f.png", scale=5)
    with Image.open(tmp_path / "f.png") as saved:
        assert saved.size == (40, 20)
        assert {saved.getpixel((x, y)) for x in range(5, 10) for y in range(5)} == {RED}
        assert saved.getpixel((4, 0)) == saved.getpixel((10, 4)) == (0, 0, 0)


@pytest.mark.parametrize("scale", [2, 4, 8, 12])
def test_led_picture_has_lit_dots_and_dark_gaps(scale: int) -> None:
    image = Image.new("RGB", (3, 2), BLUE)
    picture = render_picture(image, scale=scale, led=True)
    assert picture.size == (3 * scale, 2 * scale)
    gap = max(1, scale // 4)
    centre = gap // 2 + (scale - gap) // 2
    for cx in range(3):
        for cy in range(2):
            x0, y0 = cx * scale, cy * scale
            assert picture.getpixel((x0 + centre, y0 + centre)) == BLUE
            assert picture.getpixel((x0 + scale - 1, y0 + scale - 1)) == (0, 0, 0)


def test_led_needs_room_for_a_gap() -> None:
    with pytest.raises(ValueError, match="scale >= 2"):
        render_picture(frame(), scale=1, led=True)


def test_gif_frames_durations_and_loop(tmp_path: Path) -> None:
    panel = MemoryPanel(8, 4)
    for dot in range(8):
        panel.show(frame(dot=dot))
    panel.save_gif(tmp_path / "a.gif", fps=30)
    durations, loop = gif_durations(tmp_path / "a.gif")
    assert len(durations) == 8
    assert all(d % 10 == 0 and d >= 30 for d in durations)
    assert sum(durations) == round(8 / 30 * 1000, -1)
    assert loop == 0


def test_gif_uses_timestamps_and_merges_repeats(tmp_path: Path) -> None:
    timed = Timed()
    for at in (0.0, 0.5, 1.0):
        timed.show(frame(), at=at)
    timed.show(frame(BLUE), at=1.25)
    timed.show(frame(), at=2.0)
    timed.recorder.log.save_gif(tmp_path / "t.gif", fps=10, scale=3, led=True)
    durations, _ = gif_durations(tmp_path / "t.gif")
    assert durations == [1250, 750, 100]
    with Image.open(tmp_path / "t.gif") as gif:
        assert gif.size == (24, 12)


def test_gif_rounding_keeps_the_total(tmp_path: Path) -> None:
    timed = Timed()
    for dot in range(60):
        timed.show(frame(dot=dot % 8, colour=(dot * 4, 0, 0) if dot else RED), at=dot * 0.0166)
    timed.recorder.log.save_gif(tmp_path / "r.gif", fps=60)
    durations, _ = gif_durations(tmp_path / "r.gif")
    expected = 59 * 0.0166 + 1 / 60
    assert abs(sum(durations) / 1000 - expected) <= 0.005
    assert set(durations) <= {10, 20}


def test_empty_recording_cannot_be_saved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not been shown"):
        MemoryPanel(8, 4).save_gif(tmp_path / "x.gif", fps=10)
