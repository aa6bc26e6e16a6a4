"""Painting in place and preparing scenes off the display thread (issue 9, "frame cost at every size")."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from PIL import Image

from error_status.model import BoardSnapshot
from error_status.render import Canvas, Renderer, renderer
from error_status.render.examples import SCENES, mixed

SIZES = ((32, 16), (64, 32), (128, 32), (256, 32), (64, 64), (256, 128))


def bumped(snapshot: BoardSnapshot, by: int = 1) -> BoardSnapshot:
    """The same board with the first alert's count raised: a new snapshot, as in a storm."""
    first = replace(snapshot.alerts[0], count=snapshot.alerts[0].count + by)
    return replace(snapshot, alerts=(first, *snapshot.alerts[1:]))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scene", sorted(SCENES))
def test_paint_puts_the_same_pixels_as_render(scene: str, size: tuple[int, int]) -> None:
    snapshot = SCENES[scene]()
    ours = Renderer()
    canvas = Canvas(Image.new("RGB", size))
    for t in (0.0, 0.01, 0.3, 0.6, 1.0, 1.4, 7.77, 33.3, 0.2, 250.0):  # in and out of order, both phases
        ours.paint(canvas, snapshot, t)
        assert canvas.image.tobytes() == ours.render(snapshot, *size, t).tobytes(), t


def test_a_frame_pastes_only_the_ticker_band_until_the_scene_or_the_phase_changes() -> None:
    ours = Renderer()
    snapshot = mixed()  # a critical plugin: its dot blinks at 1 Hz
    canvas = Canvas(Image.new("RGB", (64, 32)))
    ours.paint(canvas, snapshot, 0.0)
    band = ours.scene(snapshot, 64, 32).layout.ticker
    canvas.image.putpixel((0, 31), (9, 9, 9))  # a mark outside the ticker band
    ours.paint(canvas, snapshot, 0.2)
    assert canvas.image.getpixel((0, 31)) == (9, 9, 9)  # same scene, same phase: not repainted
    assert canvas.image.crop((0, band.y, 64, band.y + band.height)).tobytes() == (
        ours.render(snapshot, 64, 32, 0.2).crop((0, band.y, 64, band.y + band.height)).tobytes())
    ours.paint(canvas, snapshot, 0.6)  # the other blink phase: all of it
    assert canvas.image.getpixel((0, 31)) == (0, 0, 0)
    canvas.image.putpixel((0, 31), (9, 9, 9))
    canvas.invalidate()  # someone else drew into it
    ours.paint(canvas, snapshot, 0.7)
    assert canvas.image.getpixel((0, 31)) == (0, 0, 0)
    canvas.image.putpixel((0, 31), (9, 9, 9))
    ours.paint(canvas, bumped(snapshot), 0.7)  # a new scene
    assert canvas.image.getpixel((0, 31)) == (0, 0, 0)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_paint_into_a_larger_image_stays_inside_the_panel(size: tuple[int, int]) -> None:
    """LEDMatrix's harness pads the display manager's image to catch drawing past the panel."""
    ours = Renderer()
    snapshot = mixed()
    image = Image.new("RGB", (size[0] + 40, size[1] + 20), (1, 2, 3))
    canvas = Canvas(image, size)
    for t in (0.0, 0.6, 3.3, 17.0):
        ours.paint(canvas, snapshot, t)
        assert image.crop((0, 0, *size)).tobytes() == ours.render(snapshot, *size, t).tobytes()
        margin = {c for _, c in image.crop((size[0], 0, image.width, image.height)).getcolors(1 << 16) or []}
        below = {c for _, c in image.crop((0, size[1], size[0], image.height)).getcolors(1 << 16) or []}
        assert margin == below == {(1, 2, 3)}
    with pytest.raises(ValueError, match="at least"):
        Canvas(Image.new("RGB", (10, 10)), (64, 32))


def test_a_canvas_must_be_rgb() -> None:
    with pytest.raises(ValueError, match="RGB"):
        Canvas(Image.new("RGBA", (64, 32)))


class Counting:
    """Counts the scenes drawn, per thread."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        real = renderer.draw_scene

        def draw(*args: object, **kwargs: object) -> object:
            self.calls.append(threading.current_thread().name)
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(renderer, "draw_scene", draw)

    def on(self, name: str) -> int:
        return sum(1 for call in self.calls if call == name)


def test_frames_show_the_newest_prepared_scene_and_never_draw_one(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    ours = Renderer()
    first = mixed()
    canvas = Canvas(Image.new("RGB", (128, 32)))
    ours.paint(canvas, first, 0.0)  # nothing prepared yet: the first frame draws its scene
    assert len(counting.calls) == 1
    prepared = ours.prepare(first, 128, 32)
    newer = bumped(first)
    for frame in range(50):
        assert ours.paint(canvas, newer, frame / 125) is prepared  # the old scene, nothing drawn
    assert len(counting.calls) == 1
    assert ours.cycle_seconds(newer, 128, 32) == prepared.period / ours.style.scroll_speed
    ready = ours.prepare(newer, 128, 32)
    assert ours.paint(canvas, newer, 0.5) is ready and canvas.image.tobytes() == (
        ours.render(newer, 128, 32, 0.5).tobytes())
    assert len(counting.calls) == 2


def test_a_preparer_that_falls_behind_for_a_second_is_overtaken() -> None:
    from error_status.render.renderer import STALE_FRAMES

    ours = Renderer()
    snapshot = mixed()
    ours.prepare(snapshot, 64, 32)
    canvas = Canvas(Image.new("RGB", (64, 32)))
    stale = ours.scene(snapshot, 64, 32)
    newer = snapshot
    for frame in range(STALE_FRAMES - 1):  # the board changes every frame; the preparer has stopped
        newer = bumped(newer)
        assert ours.paint(canvas, newer, frame / 125) is stale
    last = bumped(newer)
    shown = ours.paint(canvas, last, 1.0)
    assert shown is not stale and shown is ours.scene(last, 64, 32)  # drawn inline, and cached


def test_prepare_on_another_thread_while_frames_are_painted() -> None:
    ours = Renderer()
    snapshots = [mixed()]
    for _ in range(40):
        snapshots.append(bumped(snapshots[-1]))
    errors: list[BaseException] = []

    def driver() -> None:
        try:
            for snapshot in snapshots:
                ours.prepare(snapshot, 128, 32)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    canvas = Canvas(Image.new("RGB", (128, 32)))
    ours.paint(canvas, snapshots[0], 0.0)
    thread = threading.Thread(target=driver, name="driver")
    thread.start()
    frame = 0
    while thread.is_alive() or frame < 10:
        ours.paint(canvas, snapshots[min(frame, len(snapshots) - 1)], frame / 125)
        frame += 1
    thread.join()
    assert not errors
    ours.paint(canvas, snapshots[-1], 2.0)
    assert canvas.image.tobytes() == ours.render(snapshots[-1], 128, 32, 2.0).tobytes()


def test_render_is_pure_whatever_was_prepared() -> None:
    ours = Renderer()
    snapshot = mixed()
    ours.prepare(bumped(snapshot, 100), 64, 32)
    assert ours.render(snapshot, 64, 32, 3.0).tobytes() == Renderer().render(snapshot, 64, 32, 3.0).tobytes()
