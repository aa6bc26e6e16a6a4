"""The renderer: a pure function of (snapshot, width, height, time) to a Pillow RGB image.

Everything that depends only on the snapshot and the size (the static layer in its two blink
phases, the ticker strip) is drawn once and kept while the board hands out the same snapshot
object; a frame is then a copy of the static layer and one paste of the strip at an offset.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict

from PIL import Image

from ..model import BoardSnapshot
from .fonts import load_font
from .layout import plan
from .scene import Scene, draw_scene
from .style import Style
from .ticker import draw_strip, segments

BLINK_HZ = 1.0
_MAX_T = 1e12  # seconds; beyond this a float has no whole-pixel resolution left


class Renderer:
    """Draws board snapshots; keeps the scenes of the last few snapshots it saw."""

    def __init__(self, style: Style | None = None, cache_size: int = 4) -> None:
        self.style = style or Style()
        self._cache: OrderedDict[tuple[int, int, int], tuple[BoardSnapshot, Scene]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def render(self, snapshot: BoardSnapshot, width: int, height: int, t: float) -> Image.Image:
        """A new RGB frame of the snapshot at time ``t`` (seconds, any monotonic origin)."""
        scene = self.scene(snapshot, width, height)
        t = t if math.isfinite(t) and abs(t) < _MAX_T else 0.0  # a clock gone mad must not stop drawing
        frame = scene.backgrounds[int(t * 2 * BLINK_HZ) % 2].copy()
        if scene.strip is not None:
            band = scene.layout.ticker
            offset = int(self.style.scroll_speed * t) % scene.period if scene.period else 0
            frame.paste(scene.strip, (-offset, band.y))
            if scene.patch is not None:
                frame.paste(*scene.patch)
        return frame

    def cycle_seconds(self, snapshot: BoardSnapshot, width: int, height: int) -> float:
        """Seconds for every alert to scroll past once (0 when the ticker does not scroll)."""
        scene = self.scene(snapshot, width, height)
        return scene.period / self.style.scroll_speed if scene.period else 0.0

    def vegas_strip(self, snapshot: BoardSnapshot, width: int, height: int) -> Image.Image:
        """The whole ticker as one image of the panel's height (for LEDMatrix's Vegas scroll)."""
        layout = self.scene(snapshot, width, height).layout
        font = load_font(layout.ticker.font)
        strip = draw_strip(segments(snapshot.alerts, font, self.style), font, height, 0, self.style)
        if strip is None:
            return self.render(snapshot, width, height, 0.0)
        return strip

    def scene(self, snapshot: BoardSnapshot, width: int, height: int) -> Scene:
        """The scene of ``snapshot`` at this size (drawn on first use)."""
        key = (id(snapshot), width, height)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] is snapshot:
                self._cache.move_to_end(key)
                return hit[1]
        scene = draw_scene(snapshot, plan(width, height, self.style.show_dots, self.style.dots_position),
                            self.style)
        with self._lock:
            self._cache[key] = (snapshot, scene)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return scene


@functools.lru_cache(maxsize=8)
def renderer_for(style: Style) -> Renderer:
    """A shared renderer for ``style`` (its scene cache serves every caller that draws alike)."""
    return Renderer(style)


def render(snapshot: BoardSnapshot, width: int, height: int, t: float,
           style: Style | None = None) -> Image.Image:
    """A frame of ``snapshot`` for a ``width`` x ``height`` panel at time ``t``."""
    return renderer_for(style or Style()).render(snapshot, width, height, t)
