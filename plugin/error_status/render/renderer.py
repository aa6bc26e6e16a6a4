"""The renderer: a pure function of (snapshot, width, height, time) to a Pillow RGB image.

Everything that depends only on the snapshot and the size (the static layer in its two blink
phases, the ticker strip) is drawn once and kept while the board hands out the same snapshot
object; a frame is then a copy of the static layer and one paste of the strip at an offset.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

from PIL import Image, ImageDraw

from .fonts import BitmapFont, load_font
from .icons import draw_check, draw_dot, draw_severity_icon
from .layout import DotGrid, Layout, TextBand, plan
from .model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity
from .style import RGB, Style
from .text import panel_safe

BLINK_HZ = 1.0
_MAX_T = 1e12  # seconds; beyond this a float has no whole-pixel resolution left
MAX_MESSAGE_CHARS = 160


@dataclass(frozen=True, slots=True)
class Scene:
    """What a snapshot looks like on one panel size, drawn once."""

    layout: Layout
    backgrounds: tuple[Image.Image, Image.Image]
    strip: Image.Image | None
    period: int
    patch: tuple[Image.Image, tuple[int, int]] | None


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
        segments = _segments(snapshot.alerts, font, self.style)
        strip = _draw_strip(segments, font, height, 0, self.style)
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
        scene = _draw_scene(snapshot, plan(width, height, self.style.show_dots, self.style.dots_position),
                            self.style)
        with self._lock:
            self._cache[key] = (snapshot, scene)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return scene


_DEFAULT = Renderer()


def render(snapshot: BoardSnapshot, width: int, height: int, t: float,
           style: Style | None = None) -> Image.Image:
    """A frame of ``snapshot`` for a ``width`` x ``height`` panel at time ``t``."""
    renderer = _DEFAULT if style is None or style == _DEFAULT.style else Renderer(style)
    return renderer.render(snapshot, width, height, t)


# ---------------------------------------------------------------------------------- the scene

def _draw_scene(snapshot: BoardSnapshot, layout: Layout, style: Style) -> Scene:
    """Draw the static layer (both blink phases) and the ticker strip."""
    size = (layout.width, layout.height)
    backgrounds = []
    blinking = any(h.state is HealthState.CRITICAL for h in snapshot.health)
    for phase in (0, 1) if blinking else (0,):
        image = Image.new("RGB", size)
        draw = ImageDraw.Draw(image)
        draw.fontmode = "1"
        if snapshot.alerts:
            _draw_header(draw, layout, snapshot, style)
            _draw_rows(draw, layout, snapshot.alerts, style)
        else:
            _draw_all_clear(draw, layout, snapshot, style)
        if layout.dots is not None:
            _draw_dots(draw, layout.dots, snapshot.health, style, lit=phase == 0)
        backgrounds.append(image)
    strip, period = None, 0
    if snapshot.alerts:
        font = load_font(layout.ticker.font)
        segments = _segments(snapshot.alerts, font, style)
        total = sum(segment[0] for segment in segments)
        scrolls = total - _gap(font) > layout.content_width
        period = total if scrolls else 0
        strip = _draw_strip(segments, font, font.height, layout.content_width if scrolls else 0, style)
    patch = None
    if strip is not None and layout.content_width < layout.width:
        box = (layout.content_width, layout.ticker.y, layout.width, layout.ticker.y + layout.ticker.height)
        patch = (backgrounds[0].crop(box), (box[0], box[1]))
    both = (backgrounds[0], backgrounds[-1])
    return Scene(layout, both, strip, period, patch)


def _draw_header(draw: ImageDraw.ImageDraw, layout: Layout, snapshot: BoardSnapshot, style: Style) -> None:
    """Worst alert's source (or, on tall panels, a count per severity) in the top band."""
    band = layout.header
    if band is None:
        return
    font = load_font(band.font)
    if layout.rows:
        _draw_tally(draw, band, font, snapshot.alerts, style, layout.content_width)
        return
    worst = snapshot.alerts[0]
    colour = style.colour(worst.severity)
    icon = _icon_size(font)
    draw_severity_icon(draw, 0, band.y + (font.height - icon) // 2, icon, worst.severity, colour)
    name = panel_safe(worst.source, font, 40)
    room = layout.content_width - icon - 2
    more = f"+{len(snapshot.alerts) - 1}" if len(snapshot.alerts) > 1 else ""
    if more and font.width(name) + font.advance + font.width(more) <= room:
        _text(draw, font, layout.content_width - font.width(more), band.y, more, colour)
    _text(draw, font, icon + 2, band.y, _fit(name, font, room), colour)


def _draw_tally(draw: ImageDraw.ImageDraw, band: TextBand, font: BitmapFont, alerts: tuple[Alert, ...],
                style: Style, width: int) -> None:
    """Icon and number of alerts per severity, worst first: the summary of a tall panel.
    Tags ("2 CRIT") when they all fit, else icons and numbers only."""
    icon = _icon_size(font)
    counts = [(s, sum(1 for a in alerts if a.severity is s)) for s in sorted(Severity, reverse=True)]
    counts = [(s, n) for s, n in counts if n]
    for labels in ([f"{n} {s.tag}" for s, n in counts], [str(n) for _, n in counts]):
        needed = sum(icon + 2 + font.width(label) for label in labels) + font.advance * (len(labels) - 1)
        if needed <= width:
            break
    x = 0
    for (severity, _), label in zip(counts, labels, strict=True):
        if x + icon + 2 + font.width(label) > width:
            break
        colour = style.colour(severity)
        draw_severity_icon(draw, x, band.y + (font.height - icon) // 2, icon, severity, colour)
        _text(draw, font, x + icon + 2, band.y, label, colour)
        x += icon + 2 + font.width(label) + font.advance


def _draw_rows(draw: ImageDraw.ImageDraw, layout: Layout, alerts: tuple[Alert, ...], style: Style) -> None:
    """One static row per alert on tall panels: icon, source, count; "+N more" when they don't fit."""
    rows = layout.rows
    for index, band in enumerate(rows):
        if index >= len(alerts):
            return
        font = load_font(band.font)
        if index == len(rows) - 1 and len(alerts) > len(rows) > 1:
            _text(draw, font, 0, band.y, f"+{len(alerts) - index} more", style.colour(alerts[index].severity))
            return
        alert = alerts[index]
        colour = style.colour(alert.severity)
        icon = _icon_size(font)
        draw_severity_icon(draw, 0, band.y + (font.height - icon) // 2, icon, alert.severity, colour)
        count = f"×{alert.count}" if font.has("×") else f"x{alert.count}"
        room = layout.content_width - icon - 2 - font.width(count) - font.advance
        _text(draw, font, icon + 2, band.y, _fit(alert.source, font, room), colour)
        _text(draw, font, layout.content_width - font.width(count), band.y, count, colour)


def _draw_all_clear(draw: ImageDraw.ImageDraw, layout: Layout, snapshot: BoardSnapshot, style: Style) -> None:
    """A check mark and "ALL OK" in the ticker band; above it, how many plugins are watched."""
    colour = style.all_clear_colour
    band = layout.ticker
    font = load_font(band.font)
    icon = _icon_size(font)
    label = "ALL OK" if icon + font.advance + font.width("ALL OK") <= layout.content_width else "OK"
    width = icon + font.advance + font.width(label)
    x = max(0, (layout.content_width - width) // 2)
    draw_check(draw, x, band.y + (font.height - icon) // 2, icon, colour)
    _text(draw, font, x + icon + font.advance, band.y, label, colour)
    if layout.header is None:
        return
    healthy = sum(1 for h in snapshot.health if h.state is HealthState.HEALTHY)
    header_font = load_font(layout.header.font)
    note = f"{healthy} plugins OK" if healthy else "no errors"
    if header_font.width(note) > layout.content_width:
        note = f"{healthy} OK"
    note = _fit(note, header_font, layout.content_width)
    x = max(0, (layout.content_width - header_font.width(note)) // 2)
    _text(draw, header_font, x, layout.header.y, note, colour)


def _draw_dots(draw: ImageDraw.ImageDraw, grid: DotGrid, health: tuple[PluginHealth, ...], style: Style,
               lit: bool) -> None:
    """One dot per plugin in id order; when they don't all fit, the worst ones and "+N"."""
    shown, hidden = _choose_dots(health, grid)
    for index, item in enumerate(shown):
        x, y = grid.cell(index)
        draw_dot(draw, x, y, grid.size, item.state, style.health_colour(item.state),
                 lit=lit or item.state is not HealthState.CRITICAL)
    if hidden:
        font = load_font("4x6")
        label = f"+{hidden}"
        x, y = grid.cell(len(shown))
        colour = style.health_colour(max((h.state for h in health), key=lambda s: s.rank))
        _text(draw, font, x, y + (grid.size - font.height) // 2, label, colour)


def _choose_dots(health: tuple[PluginHealth, ...], grid: DotGrid) -> tuple[list[PluginHealth], int]:
    """The plugins that get a dot (in id order) and how many are left out."""
    if len(health) <= grid.capacity:
        return list(health), 0
    label_width = load_font("4x6").width(f"+{len(health)}")
    label_cells = math.ceil(label_width / (grid.size + grid.gap))
    room = max(0, grid.capacity - label_cells)
    worst = sorted(health, key=lambda h: (-h.state.rank, h.plugin_id))[:room]
    return sorted(worst, key=lambda h: h.plugin_id), len(health) - room


# ---------------------------------------------------------------------------------- the ticker

_Segment = tuple[int, Alert, str]  # width on the strip (icon, text, gap), the alert, its text


def _segments(alerts: tuple[Alert, ...], font: BitmapFont, style: Style) -> list[_Segment]:
    """Each alert with the width its piece of the strip takes (icon, text, gap)."""
    icon = _icon_size(font)
    texts = [(alert, _ticker_text(alert, font)) for alert in alerts]
    return [(icon + 2 + font.width(text) + _gap(font), alert, text) for alert, text in texts]


def _ticker_text(alert: Alert, font: BitmapFont) -> str:
    """``TAG source: message ×count``, safe for the font; the count has room for three digits so
    that a changing count does not move the rest of the strip."""
    times = "×" if font.has("×") else "x"
    message = panel_safe(alert.message, font, MAX_MESSAGE_CHARS)
    source = panel_safe(alert.source, font, 40)
    text = f"{alert.severity.tag} {source}: {message}" if message else f"{alert.severity.tag} {source}"
    return f"{text} {times}{alert.count:<3}"


def _draw_strip(segments: list[_Segment], font: BitmapFont, height: int, wrap: int,
                style: Style) -> Image.Image | None:
    """The alerts side by side, followed by ``wrap`` pixels of its own start (for seamless scroll)."""
    if not segments:
        return None
    total = sum(segment[0] for segment in segments)
    strip = Image.new("RGB", (total + wrap, height))
    draw = ImageDraw.Draw(strip)
    draw.fontmode = "1"
    icon = _icon_size(font)
    top = (height - font.height) // 2
    x = 0
    for width, alert, text in segments:
        colour = style.colour(alert.severity)
        draw_severity_icon(draw, x, top + (font.height - icon) // 2, icon, alert.severity, colour)
        _text(draw, font, x + icon + 2, top, text, colour)
        x += width
    if wrap:
        strip.paste(strip.crop((0, 0, min(wrap, total), height)), (total, 0))
    return strip


# ---------------------------------------------------------------------------------- helpers

def _gap(font: BitmapFont) -> int:
    """Space between two alerts on the strip."""
    return 4 * font.advance


def _icon_size(font: BitmapFont) -> int:
    """Icons are as tall as the font's capitals (odd, so shapes have a centre)."""
    size = max(5, font.ascent)
    return size if size % 2 else size - 1


def _fit(text: str, font: BitmapFont, width: int) -> str:
    """``text`` made safe and cut (with an ellipsis) to ``width`` pixels."""
    chars = max(1, width // max(1, font.advance))
    return panel_safe(text, font, chars)


def _text(draw: ImageDraw.ImageDraw, font: BitmapFont, x: int, y: int, text: str, colour: RGB) -> None:
    """Draw ``text`` with its cell's top at ``y``."""
    font.draw(draw, (x, y), text, colour)
