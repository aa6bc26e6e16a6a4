"""A scene: everything a snapshot looks like on one panel size that does not move (the static
layer in both blink phases: the header, the rows, the dots or the all-clear) plus its ticker strip."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw

from ..model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity
from .causes import cause
from .draw import Pen, Placed, cut, fit, gap, icon_size
from .face import Face, load_face
from .icons import draw_check, draw_dot, draw_severity_icon
from .layout import DotGrid, Layout, TextBand
from .style import Style
from .text import panel_safe
from .ticker import draw_strip, segments

DOT_LABEL_FONT = "4x6"
MIN_KEPT = 4  # characters (with the ellipsis) a shortened plugin name or cause keeps, or it is left out


@dataclass(frozen=True, slots=True)
class Scene:
    """What a snapshot looks like on one panel size, drawn once. ``strip`` is None when nothing
    scrolls (a ticker that fits is part of the backgrounds); ``patches`` (one per blink phase)
    restore what the strip covers right of the content; ``texts`` and ``strip_texts`` record every
    text drawn on the backgrounds and on the strip, for tests that measure them."""

    layout: Layout
    backgrounds: tuple[Image.Image, Image.Image]
    strip: Image.Image | None
    period: int
    patches: tuple[tuple[Image.Image, tuple[int, int]], ...]
    texts: tuple[Placed, ...] = ()
    strip_texts: tuple[Placed, ...] = ()

    @property
    def blinks(self) -> bool:
        """Whether the two blink phases differ."""
        return self.backgrounds[0] is not self.backgrounds[1]


def draw_scene(snapshot: BoardSnapshot, layout: Layout, style: Style,
               pause: Callable[[], None] | None = None) -> Scene:
    """Draw the static layer (both blink phases) and the ticker strip; ``pause`` is called now and
    then (a scene drawn on one thread lets another run)."""
    strip, period, strip_texts = _strip(snapshot, layout, style, pause)
    blinking = any(h.state is HealthState.CRITICAL for h in snapshot.health)
    backgrounds = []
    texts: list[Placed] = []
    for phase in (0, 1) if blinking else (0,):
        image = Image.new("RGB", (layout.width, layout.height))
        pen = Pen(ImageDraw.Draw(image))
        pen.draw.fontmode = "1"
        if snapshot.alerts:
            _draw_header(pen, layout, snapshot, style)
            _draw_rows(pen, layout, snapshot.alerts, style)
        elif snapshot.all_clear:
            _draw_all_clear(pen, layout, snapshot, style)
        else:
            _draw_notice(pen, layout, snapshot, style, lit=phase == 0)
        if layout.dots is not None:
            _draw_dots(pen, layout.dots, snapshot.health, style, lit=phase == 0)
        if strip is not None and not period:  # a ticker that fits does not move: part of the layer
            image.paste(strip.crop((0, 0, min(strip.width, layout.content_width), strip.height)),
                        (0, layout.ticker.y))
        backgrounds.append(image)
        texts = texts or pen.placed
    if strip is not None and not period:
        texts += [Placed(p.x, p.y + layout.ticker.y, p.face, p.text) for p in strip_texts]
        strip = None
    both = (backgrounds[0], backgrounds[-1])
    patches: tuple[tuple[Image.Image, tuple[int, int]], ...] = ()
    if strip is not None and layout.content_width < layout.width:  # what the strip covers, per phase
        band = layout.ticker
        box = (layout.content_width, band.y, layout.width, band.y + band.height)
        patches = tuple((image.crop(box), (box[0], box[1])) for image in both)
    return Scene(layout, both, strip, period, patches, tuple(texts), tuple(strip_texts))


def _strip(snapshot: BoardSnapshot, layout: Layout, style: Style,
           pause: Callable[[], None] | None) -> tuple[Image.Image | None, int, list[Placed]]:
    """The ticker strip, its scroll period (0: it fits and stands still) and its texts."""
    if not snapshot.alerts:
        return None, 0, []
    face = layout.ticker.face
    pieces = segments(snapshot.alerts, face, style)
    total = sum(piece.width for piece in pieces)
    scrolls = total - gap(face) > layout.content_width
    strip, placed = draw_strip(pieces, face, face.height, layout.content_width if scrolls else 0, style,
                               pause)
    return strip, total if scrolls else 0, placed


def label(source: str, why: str, face: Face, width: int) -> str:
    """``source: cause`` in ``width`` pixels: the source shortened first, then the cause; the
    source alone when neither can keep ``MIN_KEPT`` characters."""
    name = panel_safe(source, face.font, 40)
    why = panel_safe(why, face.font, 24)
    whole = f"{name}: {why}"
    if face.width(whole) <= width:
        return whole
    tail = f": {why}"
    short = cut(name, face, width - face.width(tail) - face.tracking)
    if len(short) >= MIN_KEPT:
        return short + tail
    head = f"{name}: "
    short = cut(why, face, width - face.width(head) - face.tracking)
    if len(short) >= MIN_KEPT:
        return head + short
    return cut(name, face, width)


def _draw_header(pen: Pen, layout: Layout, snapshot: BoardSnapshot, style: Style) -> None:
    """The worst alert's plugin and cause (or, on tall panels, a count per severity) at the top."""
    band = layout.header
    if band is None:
        return
    face = band.face
    if layout.rows:
        _draw_tally(pen, band, face, snapshot.alerts, style, layout.content_width)
        return
    worst = snapshot.alerts[0]
    colour = style.colour(worst.severity)
    icon = icon_size(face)
    draw_severity_icon(pen.draw, 0, band.y + (face.height - icon) // 2, icon, worst.severity, colour)
    room = layout.content_width - icon - 2
    more = f"+{len(snapshot.alerts) - 1}" if len(snapshot.alerts) > 1 else ""
    spare = room - face.width(more) - face.advance if more else room
    if layout.cause is not None:
        title = fit(worst.source, face, room, 40)
        pen.text(layout.cause.face, 0, layout.cause.y, fit(cause(worst), layout.cause.face,
                                                           layout.content_width, 24), colour)
    else:
        title = label(worst.source, cause(worst), face, room)
    if more and face.width(title) <= spare:
        pen.text(face, layout.content_width - face.width(more), band.y, more, colour)
    pen.text(face, icon + 2, band.y, title, colour)


def _draw_tally(pen: Pen, band: TextBand, face: Face, alerts: tuple[Alert, ...], style: Style,
                width: int) -> None:
    """Icon and number of alerts per severity, worst first: the summary of a tall panel.
    Tags ("2 CRIT") when they all fit, else icons and numbers only."""
    icon = icon_size(face)
    counts = [(s, sum(1 for a in alerts if a.severity is s)) for s in sorted(Severity, reverse=True)]
    counts = [(s, n) for s, n in counts if n]
    for labels in ([f"{n} {s.tag}" for s, n in counts], [str(n) for _, n in counts]):
        needed = sum(icon + 2 + face.width(text) for text in labels) + face.advance * (len(labels) - 1)
        if needed <= width:
            break
    x = 0
    for (severity, _), text in zip(counts, labels, strict=True):
        if x + icon + 2 + face.width(text) > width:
            break
        colour = style.colour(severity)
        draw_severity_icon(pen.draw, x, band.y + (face.height - icon) // 2, icon, severity, colour)
        pen.text(face, x + icon + 2, band.y, text, colour)
        x += icon + 2 + face.width(text) + face.advance


def _draw_rows(pen: Pen, layout: Layout, alerts: tuple[Alert, ...], style: Style) -> None:
    """One static row per alert on tall panels: icon, plugin and cause, count; "+N more" when they
    don't all fit."""
    rows = layout.rows
    for index, band in enumerate(rows):
        if index >= len(alerts):
            return
        face = band.face
        if index == len(rows) - 1 and len(alerts) > len(rows) > 1:
            colour = style.colour(alerts[index].severity)
            pen.text(face, 0, band.y, f"+{len(alerts) - index} more", colour)
            return
        alert = alerts[index]
        colour = style.colour(alert.severity)
        icon = icon_size(face)
        draw_severity_icon(pen.draw, 0, band.y + (face.height - icon) // 2, icon, alert.severity, colour)
        count = f"×{alert.count}" if face.has("×") else f"x{alert.count}"
        room = layout.content_width - icon - 2 - face.width(count) - face.advance
        pen.text(face, icon + 2, band.y, label(alert.source, cause(alert), face, room), colour)
        pen.text(face, layout.content_width - face.width(count), band.y, count, colour)


def _draw_all_clear(pen: Pen, layout: Layout, snapshot: BoardSnapshot, style: Style) -> None:
    """A check mark and "ALL OK" in the ticker band; above it, how many plugins are watched."""
    colour = style.all_clear_colour
    band = layout.ticker
    face = band.face
    icon = icon_size(face)
    text = "ALL OK" if icon + face.advance + face.width("ALL OK") <= layout.content_width else "OK"
    width = icon + face.advance + face.width(text)
    x = max(0, (layout.content_width - width) // 2)
    draw_check(pen.draw, x, band.y + (face.height - icon) // 2, icon, colour)
    pen.text(face, x + icon + face.advance, band.y, text, colour)
    if layout.header is None:
        return
    healthy = sum(1 for h in snapshot.health if h.state is HealthState.HEALTHY)
    header = layout.header.face
    note = f"{healthy} plugin{'s' if healthy != 1 else ''} OK" if healthy else "no errors"
    if header.width(note) > layout.content_width:
        note = f"{healthy} OK"
    note = fit(note, header, layout.content_width)
    x = max(0, (layout.content_width - header.width(note)) // 2)
    pen.text(header, x, layout.header.y, note, colour)


def _draw_notice(pen: Pen, layout: Layout, snapshot: BoardSnapshot, style: Style, lit: bool) -> None:
    """No alert to show, yet not all OK (errors below the threshold, alerts muted or below the
    lowest severity shown): the worst plugin and why, without scrolling; above it, how many."""
    unhealthy = snapshot.unhealthy
    state = unhealthy[0].state if unhealthy else HealthState.UNKNOWN
    colour = style.health_colour(state)
    band = layout.ticker
    face = band.face
    icon = icon_size(face)
    draw_dot(pen.draw, 0, band.y + (face.height - icon) // 2, icon, state, colour,
             lit=lit or state is not HealthState.CRITICAL)
    room = layout.content_width - icon - 2
    if unhealthy:
        worst = unhealthy[0]
        text = label(worst.plugin_id, worst.reason, face, room) if worst.reason else \
            fit(worst.plugin_id, face, room)
    else:
        text = fit(f"{snapshot.muted} muted", face, room)
    pen.text(face, icon + 2, band.y, text, colour)
    if layout.header is None:
        return
    header = layout.header.face
    note = f"{len(unhealthy)} not OK" if unhealthy else "muted"
    pen.text(header, 0, layout.header.y, fit(note, header, layout.content_width), colour)


def _draw_dots(pen: Pen, grid: DotGrid, health: tuple[PluginHealth, ...], style: Style, lit: bool) -> None:
    """One dot per plugin in id order; when they don't all fit, the worst ones and "+N"."""
    shown, hidden = _choose_dots(health, grid)
    for index, item in enumerate(shown):
        x, y = grid.cell(index)
        draw_dot(pen.draw, x, y, grid.size, item.state, style.health_colour(item.state),
                 lit=lit or item.state is not HealthState.CRITICAL)
    if hidden:
        face = load_face(DOT_LABEL_FONT)
        x, y = grid.cell(len(shown))
        colour = style.health_colour(max((h.state for h in health), key=lambda s: s.rank))
        pen.text(face, x, y + (grid.size - face.height) // 2, f"+{hidden}", colour)


def _choose_dots(health: tuple[PluginHealth, ...], grid: DotGrid) -> tuple[list[PluginHealth], int]:
    """The plugins that get a dot (in id order) and how many are left out."""
    if len(health) <= grid.capacity:
        return list(health), 0
    label_width = load_face(DOT_LABEL_FONT).width(f"+{len(health)}")
    label_cells = math.ceil((label_width + grid.gap) / (grid.size + grid.gap))  # n cells: n*pitch - gap px
    room = max(0, grid.capacity - label_cells)
    worst = sorted(health, key=lambda h: (-h.state.rank, h.plugin_id))[:room]
    return sorted(worst, key=lambda h: h.plugin_id), len(health) - room
