"""The renderer: board snapshots to frames.

``render(snapshot, width, height, t)`` is a pure function to a new RGB image (tests, goldens, the
command line). ``paint(canvas, snapshot, t)`` puts the same pixels into an image the caller owns
(the display manager's): the static layer is pasted only when the scene or the blink phase changed
since the last paint into that canvas, otherwise only the ticker band moves.

A scene (static layer, ticker strip) is drawn once per snapshot and size. ``prepare`` draws it
ahead on any thread (the driver's, when the board hands out a new snapshot). While an older
prepared scene for the size exists, ``paint`` never draws one itself: it shows the newest prepared
scene until the new one is ready, so a storm that changes counts every second costs the display
thread nothing. It draws inline only when nothing was ever prepared for the size (the first frame,
or nobody prepares), or when the prepared scene has been behind the board for ``STALE_FRAMES``
frames in a row (the preparer is late or gone).
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from PIL import Image

from ..model import BoardSnapshot
from .layout import plan
from .scene import Scene, draw_scene
from .style import Style
from .ticker import draw_strip, segments

BLINK_HZ = 1.0
STALE_FRAMES = 125  # one second at the host's 8 ms cadence
_MAX_T = 1e12  # seconds; beyond this a float has no whole-pixel resolution left


class Canvas:
    """An RGB image that ``Renderer.paint`` draws frames into, and what it painted there last.

    ``size`` is the panel's (default: the image's): frames go into its top-left corner and nothing
    is drawn outside it, even when the image is larger (LEDMatrix's test harness pads the display
    manager's image to catch drawing past the panel). Call ``invalidate()`` after drawing into the
    image yourself: the next paint then repaints it all.
    """

    def __init__(self, image: Image.Image, size: tuple[int, int] | None = None) -> None:
        if image.mode != "RGB":
            raise ValueError(f"a canvas must be an 'RGB' image, got {image.mode!r}")
        self.size = size or image.size
        if self.size[0] > image.width or self.size[1] > image.height:
            raise ValueError(f"a {self.size[0]}x{self.size[1]} canvas needs an image at least that large, "
                             f"got {image.width}x{image.height}")
        self.image = image
        self.exact = self.size != image.size  # the strip must be cut to the panel, not clipped by the image
        self.scene: Scene | None = None
        self.phase = -1

    def invalidate(self) -> None:
        """Forget what is in the image."""
        self.scene = None


class Renderer:
    """Draws board snapshots; keeps the scenes of the last few snapshots it saw. Thread-safe:
    ``prepare`` may run on one thread while ``paint`` runs on another."""

    def __init__(self, style: Style | None = None, cache_size: int = 4) -> None:
        self.style = style or Style()
        self._cache: OrderedDict[tuple[int, int, int], tuple[BoardSnapshot, Scene]] = OrderedDict()
        self._cache_size = max(2, cache_size)
        self._prepared: dict[tuple[int, int], Scene] = {}
        self._behind: dict[tuple[int, int], int] = {}
        self._lock = threading.Lock()

    def prepare(self, snapshot: BoardSnapshot, width: int, height: int) -> Scene:
        """Draw the scene of ``snapshot`` at this size now (any thread), for the frames to come.

        It pauses after each alert's piece of the strip: ``time.sleep(0)`` releases the interpreter
        lock long enough for a display thread waiting on it to take it, so a frame due meanwhile is
        not held up for the interpreter's 5 ms switch interval (a Pi draws a storm's scene for tens
        of ms)."""
        scene = self.scene(snapshot, width, height, pause=_let_others_run)
        with self._lock:
            self._prepared[(width, height)] = scene
        return scene

    def render(self, snapshot: BoardSnapshot, width: int, height: int, t: float) -> Image.Image:
        """A new RGB frame of the snapshot at time ``t`` (seconds, any monotonic origin)."""
        scene = self.scene(snapshot, width, height)
        t = _sane(t)
        phase = _phase(scene, t)
        frame = scene.backgrounds[phase].copy()
        self._paste_strip(frame, scene, t, phase)
        return frame

    def paint(self, canvas: Canvas, snapshot: BoardSnapshot, t: float) -> Scene:
        """Put the frame at time ``t`` into ``canvas`` (the newest prepared scene while the
        snapshot's own is not ready); returns the scene shown."""
        width, height = canvas.size
        scene = self._frame_scene(snapshot, width, height, count=True)
        t = _sane(t)
        phase = _phase(scene, t)
        if canvas.scene is not scene or canvas.phase != phase:
            canvas.image.paste(scene.backgrounds[phase], (0, 0))
            canvas.scene, canvas.phase = scene, phase
        self._paste_strip(canvas.image, scene, t, phase, exact=canvas.exact)
        return scene

    def cycle_seconds(self, snapshot: BoardSnapshot, width: int, height: int) -> float:
        """Seconds for every alert to scroll past once (0 when the ticker does not scroll), for the
        scene a frame would show now."""
        scene = self._frame_scene(snapshot, width, height, count=False)
        return scene.period / self.style.scroll_speed if scene.period else 0.0

    def vegas_strip(self, snapshot: BoardSnapshot, width: int, height: int) -> Image.Image:
        """The whole ticker as one image of the panel's height (for LEDMatrix's Vegas scroll)."""
        face = plan(width, height, self.style.show_dots, self.style.dots_position).ticker.face
        strip, _ = draw_strip(segments(snapshot.alerts, face, self.style), face, height, 0, self.style)
        if strip is None:
            return self.render(snapshot, width, height, 0.0)
        return strip

    def scene(self, snapshot: BoardSnapshot, width: int, height: int,
              pause: Callable[[], None] | None = None) -> Scene:
        """The scene of ``snapshot`` at this size (drawn now if it is not cached)."""
        with self._lock:
            hit = self._lookup(snapshot, width, height)
        if hit is not None:
            return hit
        layout = plan(width, height, self.style.show_dots, self.style.dots_position)
        scene = draw_scene(snapshot, layout, self.style, pause)
        with self._lock:
            self._cache[(id(snapshot), width, height)] = (snapshot, scene)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return scene

    def _frame_scene(self, snapshot: BoardSnapshot, width: int, height: int, *, count: bool) -> Scene:
        """The snapshot's scene if drawn, else the newest prepared one (unless it is stale), else
        the snapshot's scene drawn now."""
        size = (width, height)
        with self._lock:
            exact = self._lookup(snapshot, width, height)
            if exact is not None:
                if count:
                    self._behind.pop(size, None)
                return exact
            prepared = self._prepared.get(size)
            if prepared is not None:
                behind = self._behind.get(size, 0) + count
                if behind < STALE_FRAMES:
                    self._behind[size] = behind
                    return prepared
        scene = self.scene(snapshot, width, height)
        with self._lock:
            self._behind.pop(size, None)
        return scene

    def _lookup(self, snapshot: BoardSnapshot, width: int, height: int) -> Scene | None:
        """The cached scene (call with the lock held)."""
        key = (id(snapshot), width, height)
        hit = self._cache.get(key)
        if hit is None or hit[0] is not snapshot:
            return None
        self._cache.move_to_end(key)
        return hit[1]

    def _paste_strip(self, image: Image.Image, scene: Scene, t: float, phase: int,
                     exact: bool = False) -> None:
        """The ticker band at time ``t``: the strip pasted at an offset, clipped by the image's edge
        (then what it covered right of the content restored); or, ``exact``, only the window the
        panel shows (into an image larger than the panel)."""
        if scene.strip is None:
            return
        offset = int(self.style.scroll_speed * t) % scene.period
        band = scene.layout.ticker
        if exact:
            window = scene.strip.crop((offset, 0, offset + scene.layout.content_width, scene.strip.height))
            image.paste(window, (0, band.y))
            return
        image.paste(scene.strip, (-offset, band.y))
        if scene.patches:
            patch, where = scene.patches[phase]
            image.paste(patch, where)


def _let_others_run() -> None:
    """Release the interpreter lock for a moment (a thread waiting for it gets it)."""
    time.sleep(0)


def _sane(t: float) -> float:
    """``t``, or 0 for a clock gone mad (non-finite or absurd): drawing must not stop."""
    return t if math.isfinite(t) and abs(t) < _MAX_T else 0.0


def _phase(scene: Scene, t: float) -> int:
    """The blink phase at ``t`` (always 0 for a scene that does not blink)."""
    return int(t * 2 * BLINK_HZ) % 2 if scene.blinks else 0


@functools.lru_cache(maxsize=8)
def renderer_for(style: Style) -> Renderer:
    """A shared renderer for ``style`` (its scene cache serves every caller that draws alike)."""
    return Renderer(style)


def render(snapshot: BoardSnapshot, width: int, height: int, t: float,
           style: Style | None = None) -> Image.Image:
    """A frame of ``snapshot`` for a ``width`` x ``height`` panel at time ``t``."""
    return renderer_for(style or Style()).render(snapshot, width, height, t)
