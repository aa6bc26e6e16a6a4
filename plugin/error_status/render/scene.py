"""A scene: everything a snapshot looks like on one panel size that does not move (the static
layer in both blink phases, the header, rows, dots or the all-clear) plus its ticker strip."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from ..model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity
from .draw import draw_text, fit, gap, icon_size
from .fonts import BitmapFont, load_font
from .icons import draw_check, draw_dot, draw_severity_icon
from .layout import DotGrid, Layout, TextBand
from .style import Style
from .text import panel_safe
from .ticker import draw_strip, segments


@dataclass(frozen=True, slots=True)
class Scene:
    """What a snapshot looks like on one panel size, drawn once."""

    layout: Layout
    backgrounds: tuple[Image.Image, Image.Image]
    strip: Image.Image | None
    period: int
    patch: tuple[Image.Image, tuple[int, int]] | None



def draw_scene(snapshot: BoardSnapshot, layout: Layout, style: Style) -> Scene:
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
        elif snapshot.all_clear:
            _draw_all_clear(draw, layout, snapshot, style)
        else:
            _draw_notice(draw, layout, snapshot, style, lit=phase == 0)
        if layout.dots is not None:
            _draw_dots(draw, layout.dots, snapshot.health, style, lit=phase == 0)
        backgrounds.append(image)
    strip, period = None, 0
    if snapshot.alerts:
        font = load_font(layout.ticker.font)
        pieces = segments(snapshot.alerts, font, style)
        total = sum(piece[0] for piece in pieces)
        scrolls = total - gap(font) > layout.content_width
        period = total if scrolls else 0
        strip = draw_strip(pieces, font, font.height, layout.content_width if scrolls else 0, style)
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
    icon = icon_size(font)
    draw_severity_icon(draw, 0, band.y + (font.height - icon) // 2, icon, worst.severity, colour)
    name = panel_safe(worst.source, font, 40)
    room = layout.content_width - icon - 2
    more = f"+{len(snapshot.alerts) - 1}" if len(snapshot.alerts) > 1 else ""
    if more and font.width(name) + font.advance + font.width(more) <= room:
        draw_text(draw, font, layout.content_width - font.width(more), band.y, more, colour)
    draw_text(draw, font, icon + 2, band.y, fit(name, font, room), colour)


def _draw_tally(draw: ImageDraw.ImageDraw, band: TextBand, font: BitmapFont, alerts: tuple[Alert, ...],
                style: Style, width: int) -> None:
    """Icon and number of alerts per severity, worst first: the summary of a tall panel.
    Tags ("2 CRIT") when they all fit, else icons and numbers only."""
    icon = icon_size(font)
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
        draw_text(draw, font, x + icon + 2, band.y, label, colour)
        x += icon + 2 + font.width(label) + font.advance


def _draw_rows(draw: ImageDraw.ImageDraw, layout: Layout, alerts: tuple[Alert, ...], style: Style) -> None:
    """One static row per alert on tall panels: icon, source, count; "+N more" when they don't fit."""
    rows = layout.rows
    for index, band in enumerate(rows):
        if index >= len(alerts):
            return
        font = load_font(band.font)
        if index == len(rows) - 1 and len(alerts) > len(rows) > 1:
            colour = style.colour(alerts[index].severity)
            draw_text(draw, font, 0, band.y, f"+{len(alerts) - index} more", colour)
            return
        alert = alerts[index]
        colour = style.colour(alert.severity)
        icon = icon_size(font)
        draw_severity_icon(draw, 0, band.y + (font.height - icon) // 2, icon, alert.severity, colour)
        count = f"×{alert.count}" if font.has("×") else f"x{alert.count}"
        room = layout.content_width - icon - 2 - font.width(count) - font.advance
        draw_text(draw, font, icon + 2, band.y, fit(alert.source, font, room), colour)
        draw_text(draw, font, layout.content_width - font.width(count), band.y, count, colour)


def _draw_all_clear(draw: ImageDraw.ImageDraw, layout: Layout, snapshot: BoardSnapshot, style: Style) -> None:
    """A check mark and "ALL OK" in the ticker band; above it, how many plugins are watched."""
    colour = style.all_clear_colour
    band = layout.ticker
    font = load_font(band.font)
    icon = icon_size(font)
    label = "ALL OK" if icon + font.advance + font.width("ALL OK") <= layout.content_width else "OK"
    width = icon + font.advance + font.width(label)
    x = max(0, (layout.content_width - width) // 2)
    draw_check(draw, x, band.y + (font.height - icon) // 2, icon, colour)
    draw_text(draw, font, x + icon + font.advance, band.y, label, colour)
    if layout.header is None:
        return
    healthy = sum(1 for h in snapshot.health if h.state is HealthState.HEALTHY)
    header_font = load_font(layout.header.font)
    note = f"{healthy} plugin{'s' if healthy != 1 else ''} OK" if healthy else "no errors"
    if header_font.width(note) > layout.content_width:
        note = f"{healthy} OK"
    note = fit(note, header_font, layout.content_width)
    x = max(0, (layout.content_width - header_font.width(note)) // 2)
    draw_text(draw, header_font, x, layout.header.y, note, colour)


def _draw_notice(draw: ImageDraw.ImageDraw, layout: Layout, snapshot: BoardSnapshot, style: Style,
                 lit: bool) -> None:
    """No alert to show, yet not all OK (errors below the threshold, alerts muted or below the
    lowest severity shown): the worst plugin and why, without scrolling; above it, how many."""
    unhealthy = snapshot.unhealthy
    state = unhealthy[0].state if unhealthy else HealthState.UNKNOWN
    colour = style.health_colour(state)
    if unhealthy:
        worst = unhealthy[0]
        text = f"{worst.plugin_id}: {worst.reason}" if worst.reason else worst.plugin_id
    else:
        text = f"{snapshot.muted} muted"
    band = layout.ticker
    font = load_font(band.font)
    icon = icon_size(font)
    draw_dot(draw, 0, band.y + (font.height - icon) // 2, icon, state, colour,
             lit=lit or state is not HealthState.CRITICAL)
    draw_text(draw, font, icon + 2, band.y, fit(text, font, layout.content_width - icon - 2), colour)
    if layout.header is None:
        return
    header_font = load_font(layout.header.font)
    note = f"{len(unhealthy)} not OK" if unhealthy else "muted"
    draw_text(draw, header_font, 0, layout.header.y, fit(note, header_font, layout.content_width), colour)


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
        draw_text(draw, font, x, y + (grid.size - font.height) // 2, label, colour)


def _choose_dots(health: tuple[PluginHealth, ...], grid: DotGrid) -> tuple[list[PluginHealth], int]:
    """The plugins that get a dot (in id order) and how many are left out."""
    if len(health) <= grid.capacity:
        return list(health), 0
    label_width = load_font("4x6").width(f"+{len(health)}")
    label_cells = math.ceil(label_width / (grid.size + grid.gap))
    room = max(0, grid.capacity - label_cells)
    worst = sorted(health, key=lambda h: (-h.state.rank, h.plugin_id))[:room]
    return sorted(worst, key=lambda h: h.plugin_id), len(health) - room
