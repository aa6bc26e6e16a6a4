"""The status mark: drawn onto a copy of every other plugin's frame on the host's frame path, only
while an alert is active, and never the thing that breaks the display."""

from __future__ import annotations

import itertools
import logging
import threading
import zlib
from typing import Any

import pytest
from hostdoubles import FakeDisplayManager
from PIL import Image
from plugin_world import Host, colours

from error_status.clock import ManualClock
from error_status.ledmatrix import overlay as overlay_module
from error_status.ledmatrix.overlay import Mark, StatusOverlay, attach, detach, own_frame
from error_status.model import Severity
from error_status.render.mark import CORNERS, blink_on, mark_box, mark_colour, mark_unit, stamp
from error_status.render.style import DEFAULT_SEVERITY_COLOURS

AMBER = DEFAULT_SEVERITY_COLOURS[Severity.WARNING]
ORANGE = DEFAULT_SEVERITY_COLOURS[Severity.ERROR]
RED = DEFAULT_SEVERITY_COLOURS[Severity.CRITICAL]


class HostLikeDisplayManager(FakeDisplayManager):
    """The parts of LEDMatrix's ``DisplayManager.update_display()`` the mark depends on: an RLock
    around the push, a thread-local capture mode that pushes nothing, and dirty tracking that skips
    a frame whose adler32 digest equals the last pushed one."""

    def __init__(self, width: int, height: int) -> None:
        super().__init__(width, height)
        self._update_lock = threading.RLock()
        self._capture = threading.local()
        self._last_digest: int | None = None
        self.skipped = 0

    @property
    def _capture_mode_active(self) -> bool:
        return bool(getattr(self._capture, "active", False))

    def capture(self, active: bool) -> None:
        self._capture.active = active

    def update_display(self) -> None:
        with self._update_lock:
            if self._capture_mode_active:
                return
            digest = zlib.adler32(self.image.tobytes())
            if digest == self._last_digest:
                self.skipped += 1
                return
            self._last_digest = digest
            self.pushed.append(self.image.copy())


def content(width: int = 64, height: int = 32) -> Image.Image:
    """Another plugin's frame: a bright pattern over the whole panel (the corners included)."""
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    assert pixels is not None
    for y in range(height):
        for x in range(width):
            pixels[x, y] = ((x * 7) % 256, (y * 13) % 256, 200)
    return image


def differing(a: Image.Image, b: Image.Image) -> set[tuple[int, int]]:
    """The pixels where two frames differ."""
    pa, pb = a.load(), b.load()
    assert pa is not None and pb is not None
    return {(x, y) for y in range(a.height) for x in range(a.width) if pa[x, y] != pb[x, y]}


def box_pixels(box: tuple[int, int, int, int]) -> set[tuple[int, int]]:
    left, top, right, bottom = box
    return {(x, y) for y in range(top, bottom) for x in range(left, right)}


# ---------------------------------------------------------------------- the mark itself


@pytest.mark.parametrize("corner", CORNERS)
@pytest.mark.parametrize("size", [(32, 16), (64, 32), (128, 32), (128, 64)])
def test_the_mark_replaces_only_its_box_in_its_corner(corner: str, size: tuple[int, int]) -> None:
    frame = content(*size)
    marked = frame.copy()
    stamp(marked, Severity.ERROR, ORANGE, corner, now=0.0)
    box = mark_box(corner, size)
    changed = differing(frame, marked)
    assert changed and changed <= box_pixels(box)
    left, top, right, bottom = box
    side = mark_unit(size[1]) + 1
    assert right - left == side == bottom - top
    assert (left == 0) == corner.endswith("left") and (top == 0) == corner.startswith("top")
    lit = {p for p in box_pixels(box) if marked.getpixel(p) == ORANGE}
    assert len(lit) == (side - 1) ** 2  # a full square of the shape's side
    # the border: the box's other pixels are dark, and it lies on the sides facing the content
    assert all(marked.getpixel(p) == (0, 0, 0) for p in box_pixels(box) - lit)


def test_each_severity_has_its_own_shape_and_colour() -> None:
    shapes = {}
    for severity in Severity:
        frame = Image.new("RGB", (64, 32), (40, 40, 40))
        stamp(frame, severity, DEFAULT_SEVERITY_COLOURS[severity], "top-right", now=0.0)
        shapes[severity] = frozenset(p for p in box_pixels(mark_box("top-right", (64, 32)))
                                     if frame.getpixel(p) == DEFAULT_SEVERITY_COLOURS[severity])
    assert len(shapes[Severity.WARNING]) == 5  # a plus
    assert len(shapes[Severity.ERROR]) == 9  # a square
    assert shapes[Severity.WARNING] != shapes[Severity.ERROR]


def test_only_critical_pulses_no_faster_than_2_hz_and_is_never_dark() -> None:
    assert all(blink_on(Severity.ERROR, t / 10) for t in range(40))
    phases = [blink_on(Severity.CRITICAL, t / 100) for t in range(400)]  # 4 s, every 10 ms
    changes = sum(a != b for a, b in itertools.pairwise(phases))
    assert 0 < changes <= 2 * 2 * 4  # at most 2 Hz: four changes a second
    dim = mark_colour(Severity.CRITICAL, RED, now=0.75)
    assert dim != RED and dim[0] >= 64 and dim[1:] == (0, 0)  # still red, bright enough to survive dimming
    frame = content()
    stamp(frame, Severity.CRITICAL, RED, "top-right", now=0.75)  # the dim half still shows it
    assert dim in colours(frame, mark_box("top-right", (64, 32)))


def test_an_unknown_corner_is_refused() -> None:
    with pytest.raises(ValueError, match="corner"):
        mark_box("middle", (64, 32))


# ---------------------------------------------------------------------- on the frame path


ERROR_MARK = Mark(Severity.ERROR, ORANGE, "top-right")


def overlay_on(manager: Any, mark: Mark | None, clock: ManualClock | None = None) -> StatusOverlay:
    """An overlay installed on ``manager`` whose one source shows ``mark``."""
    overlay = StatusOverlay(manager, clock=clock or ManualClock())
    overlay.add("source")
    overlay.show("source", mark)
    assert overlay.install()
    return overlay


def test_with_nothing_active_frames_are_byte_identical_to_the_hosts_own() -> None:
    manager = HostLikeDisplayManager(64, 32)
    overlay = overlay_on(manager, None)
    plugin_image = content()
    manager.image = plugin_image
    manager.update_display()
    assert manager.pushed[-1].tobytes() == plugin_image.tobytes()
    assert manager.image is plugin_image and overlay.marked == 0


def test_an_active_alert_marks_a_copy_and_gives_the_plugin_its_image_back() -> None:
    manager = HostLikeDisplayManager(64, 32)
    overlay_on(manager, ERROR_MARK)
    plugin_image = content()
    before = plugin_image.tobytes()
    manager.image = plugin_image
    manager.update_display()
    pushed = manager.pushed[-1]
    changed = differing(plugin_image, pushed)
    assert changed and changed <= box_pixels(mark_box("top-right", (64, 32)))
    assert manager.image is plugin_image and plugin_image.tobytes() == before  # never drawn into


def test_the_digest_sees_the_mark_so_a_pulse_is_pushed() -> None:
    manager = HostLikeDisplayManager(64, 32)
    clock = ManualClock(monotonic=100.0)
    overlay_on(manager, Mark(Severity.CRITICAL, RED, "bottom-left"), clock)
    manager.image = content()
    pushed_before = len(manager.pushed)
    for _ in range(8):  # the same plugin frame, four pulses' worth of half-seconds
        manager.update_display()
        clock.advance(0.5)
    frames = manager.pushed[pushed_before:]
    assert len(frames) == 8  # every half-second is a different frame: none skipped as unchanged
    box = mark_box("bottom-left", (64, 32))
    bright = [RED in colours(frame, box) for frame in frames]
    assert bright == [True, False] * 4
    assert all(mark_colour(Severity.CRITICAL, RED, 0.75) in colours(frame, box) for frame in frames[1::2])


def test_no_mark_inside_capture_mode_nor_on_a_black_frame_nor_on_our_own_frames() -> None:
    manager = HostLikeDisplayManager(64, 32)
    overlay = overlay_on(manager, ERROR_MARK)
    manager.image = content()
    manager.capture(True)
    manager.update_display()  # Vegas captures: the host pushes nothing and nothing is marked
    manager.capture(False)
    assert overlay.marked == 0 and not manager.pushed
    manager.clear()  # the host's "off" and clear frames
    manager.update_display()
    assert not manager.pushed[-1].getbbox()
    manager.image = content()
    with own_frame():
        manager.update_display()
    assert manager.pushed[-1].tobytes() == content().tobytes() and overlay.marked == 0


def test_it_composes_with_the_follower_gate_and_unwraps_to_it() -> None:
    manager = HostLikeDisplayManager(64, 32)
    real = manager.update_display
    manager._sync_render_allowed = False

    def gate() -> None:  # display_controller.py's _follower_gated_update
        if manager._sync_render_allowed:
            real()

    manager.update_display = gate
    overlay = overlay_on(manager, ERROR_MARK)
    manager.image = content()
    manager.update_display()
    assert not manager.pushed  # the gate still decides
    manager._sync_render_allowed = True
    manager.update_display()
    assert RED not in colours(manager.pushed[-1]) and ORANGE in colours(manager.pushed[-1])
    overlay.uninstall()
    assert manager.update_display is gate


def test_unwrapping_restores_the_class_method_or_passes_through_under_a_later_wrapper() -> None:
    manager = HostLikeDisplayManager(64, 32)
    overlay = overlay_on(manager, ERROR_MARK)
    overlay.uninstall()
    assert "update_display" not in vars(manager)
    overlay = overlay_on(manager, ERROR_MARK)
    ours = manager.update_display
    manager.update_display = lambda: ours()  # someone wrapped on top of us
    overlay.uninstall()
    manager.image = content()
    manager.update_display()
    assert manager.pushed[-1].tobytes() == content().tobytes()  # ours passes frames through now


def test_a_mark_that_raises_switches_itself_off_says_so_once_and_frames_still_go_out(
        caplog: pytest.LogCaptureFixture) -> None:
    class BrokenClock(ManualClock):
        def monotonic(self) -> float:
            raise RuntimeError("boom")

    manager = HostLikeDisplayManager(64, 32)
    overlay = overlay_on(manager, ERROR_MARK, BrokenClock())
    with caplog.at_level(logging.ERROR, logger=overlay_module.__name__):
        for index in range(5):
            manager.image = Image.new("RGB", (64, 32), (index + 1, 0, 0))
            manager.update_display()
    assert len(manager.pushed) == 5 and overlay.disabled
    assert all(ORANGE not in colours(frame) for frame in manager.pushed)
    said = "error-status: the status mark failed and is switched off until the display service restarts: boom"
    assert [r.getMessage() for r in caplog.records].count(said) == 1


def test_a_frame_that_cannot_be_marked_is_pushed_unmarked_and_the_mark_switches_off() -> None:
    manager = HostLikeDisplayManager(64, 32)
    overlay = overlay_on(manager, Mark(Severity.ERROR, ORANGE, "nowhere"))
    manager.image = content()
    manager.update_display()
    assert manager.pushed[-1].tobytes() == content().tobytes() and overlay.disabled
    assert manager.image.tobytes() == content().tobytes()


class SlowDisplayManager(HostLikeDisplayManager):
    """A push that holds its lock until told to go on (SetImage and SwapOnVSync take time); with
    ``hidden_lock`` the lock is not the host's ``_update_lock`` (a display manager without one)."""

    def __init__(self, width: int, height: int, hidden_lock: bool) -> None:
        super().__init__(width, height)
        self.inside, self.go_on = threading.Event(), threading.Event()
        self.slow: threading.Thread | None = None
        self._lock = self._update_lock
        if hidden_lock:
            del self._update_lock

    def update_display(self) -> None:
        with self._lock:
            if threading.current_thread() is self.slow:
                self.inside.set()
                self.go_on.wait(5)
            if self._capture_mode_active:
                return
            self.pushed.append(self.image.copy())


@pytest.mark.parametrize("hidden_lock", [False, True])
def test_a_push_from_another_thread_never_takes_a_marked_copy_for_the_plugins_image(
        hidden_lock: bool) -> None:
    manager = SlowDisplayManager(64, 32, hidden_lock)
    overlay_on(manager, ERROR_MARK)
    plugin_image = content()
    manager.image = plugin_image
    first = threading.Thread(target=manager.update_display)
    manager.slow = first
    first.start()
    assert manager.inside.wait(5)  # the first push is inside, its marked copy in manager.image
    second = threading.Thread(target=manager.update_display)  # another thread pushes what is there
    second.start()
    second.join(0.02)
    manager.go_on.set()
    first.join(5)
    second.join(5)
    assert manager.image is plugin_image  # not a marked copy left behind
    box = box_pixels(mark_box("top-right", (64, 32)))
    assert len(manager.pushed) == 2 and all(differing(plugin_image, frame) <= box for frame in manager.pushed)
    assert ORANGE in colours(manager.pushed[0])


def test_attach_installs_once_per_display_manager_and_the_last_detach_removes_it() -> None:
    manager = HostLikeDisplayManager(64, 32)
    overlay = attach(manager, "first")
    assert overlay is not None and attach(manager, "second") is overlay
    overlay.show("second", ERROR_MARK)
    wrapper = manager.update_display
    detach(overlay, "first")
    assert manager.update_display is wrapper
    manager.image = content()
    manager.update_display()
    assert ORANGE in colours(manager.pushed[-1])  # the second source still shows its mark
    detach(overlay, "second")
    assert "update_display" not in vars(manager)


def test_the_first_source_with_a_mark_is_drawn() -> None:
    overlay = StatusOverlay(HostLikeDisplayManager(64, 32))
    overlay.add("a")
    overlay.add("b")
    overlay.show("b", ERROR_MARK)
    assert overlay.current is ERROR_MARK
    critical = Mark(Severity.CRITICAL, RED, "top-left")
    overlay.show("a", critical)
    assert overlay.current is critical
    overlay.show("a", None)
    assert overlay.current is ERROR_MARK
    overlay.remove("b")
    assert overlay.current is None
    overlay.show("b", ERROR_MARK)  # a source that left shows nothing
    assert overlay.current is None


def test_a_manager_that_cannot_be_wrapped_gets_no_mark() -> None:
    class Frozen:
        __slots__ = ("image",)

        def update_display(self) -> None:
            pass

    assert attach(Frozen(), "source") is None


# ---------------------------------------------------------------------- the plugin's mark


def marked_world(clock: ManualClock, config: dict[str, Any] | None = None) -> tuple[Host, Any]:
    host = Host(clock)
    host.display = HostLikeDisplayManager(64, 32)
    plugin = host.plugin({"pattern_threshold": 2, **(config or {})})
    return host, plugin


def other_plugin_frame(host: Host) -> Image.Image:
    """Another plugin's turn: its own image assigned to the manager, then pushed."""
    image = content()
    host.display.image = image
    host.display.update_display()
    assert host.display.image is image
    return host.display.pushed[-1]


def test_the_plugin_marks_other_frames_while_an_alert_is_active_and_not_after(clock: ManualClock) -> None:
    host, plugin = marked_world(clock, {"quiet_period_minutes": 1, "pattern_window_minutes": 1})
    try:
        assert other_plugin_frame(host).tobytes() == content().tobytes()  # healthy: the host's own frame
        host.fail("weather", 2)
        clock.advance(1.0)
        host.settle()
        frame = other_plugin_frame(host)
        assert differing(content(), frame) <= box_pixels(mark_box("top-right", (64, 32)))
        assert AMBER in colours(frame, mark_box("top-right", (64, 32)))
        assert plugin._overlay is not None
        marked = plugin._overlay.marked
        assert plugin.display(force_clear=True)  # error-status's own frame carries no mark
        assert plugin._overlay.marked == marked
        clock.advance(3 * 60 * 60)  # resolved and out of the window
        host.settle()
        assert other_plugin_frame(host).tobytes() == content().tobytes()
    finally:
        plugin.cleanup()
    assert "update_display" not in vars(host.display)  # cleanup() took it off the frame path


def test_the_corner_is_configurable_and_off_means_no_wrapper(clock: ManualClock) -> None:
    host, plugin = marked_world(clock, {"status_mark": "bottom-left"})
    try:
        host.fail("weather", 2)
        clock.advance(1.0)
        host.settle()
        frame = other_plugin_frame(host)
        assert differing(content(), frame) <= box_pixels(mark_box("bottom-left", (64, 32)))
        plugin.on_config_change({"pattern_threshold": 2, "status_mark": "off"})
        assert "update_display" not in vars(host.display)
        assert other_plugin_frame(host).tobytes() == content().tobytes()
        plugin.on_config_change({"pattern_threshold": 2, "status_mark": "top-left"})
        frame = other_plugin_frame(host)
        assert differing(content(), frame) <= box_pixels(mark_box("top-left", (64, 32)))
    finally:
        plugin.cleanup()


def test_no_mark_while_the_display_is_scheduled_off(clock: ManualClock) -> None:
    host, plugin = marked_world(clock)
    try:
        host.fail("weather", 2)
        clock.advance(1.0)
        host.settle()
        assert other_plugin_frame(host).tobytes() != content().tobytes()
        host.cache.set("display_current_state", {"is_display_active": False, "mode": "clock"})
        clock.advance(2.0)
        host.settle()
        assert other_plugin_frame(host).tobytes() == content().tobytes()
        host.cache.set("display_current_state", {"is_display_active": True, "mode": "clock"})
        clock.advance(2.0)
        host.settle()
        assert other_plugin_frame(host).tobytes() != content().tobytes()
    finally:
        plugin.cleanup()


def test_acknowledged_alerts_and_a_snoozed_board_leave_no_mark_but_a_critical_one_does(
        clock: ManualClock) -> None:
    host, plugin = marked_world(clock)
    try:
        host.fail("weather", 2)
        clock.advance(1.0)
        host.settle()
        driver = plugin._driver
        assert driver is not None
        driver.board.acknowledge_all()
        driver.cycle(block=True)
        assert other_plugin_frame(host).tobytes() == content().tobytes()
        host.fail("nhl", 2)
        clock.advance(1.0)
        host.settle()
        driver.board.snooze_all(3600.0)
        driver.cycle(block=True)
        assert other_plugin_frame(host).tobytes() == content().tobytes()
        for _ in range(3):  # nhl escalates to critical: it shows through the snooze
            host.fail("nhl", 6)
            clock.advance(1.0)
            host.settle()
        assert driver.snapshot.worst is Severity.CRITICAL
        clock.advance(-clock.monotonic() % 1.0)  # the lit half of the blink
        assert RED in colours(other_plugin_frame(host), mark_box("top-right", (64, 32)))
    finally:
        plugin.cleanup()
