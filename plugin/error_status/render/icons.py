"""Severity icons and health dots drawn as shapes: no bitmap font has ⚠ ✓ ✗, and shape must carry
meaning on its own (red and green look alike to about one man in twelve)."""

from __future__ import annotations

from PIL import ImageDraw

from ..model import HealthState, Severity

RGB = tuple[int, int, int]
BLACK: RGB = (0, 0, 0)


def draw_severity_icon(draw: ImageDraw.ImageDraw, x: int, y: int, size: int, severity: Severity,
                       colour: RGB) -> None:
    """Warning: a triangle. Error: a diamond. Critical: a square with an X cut out."""
    s = max(3, size)
    if severity is Severity.WARNING:
        _triangle(draw, x, y, s, colour)
    elif severity is Severity.ERROR:
        _diamond(draw, x, y, s, colour)
    else:
        draw.rectangle((x, y, x + s - 1, y + s - 1), fill=colour)
        if s >= 5:
            draw.line((x + 1, y + 1, x + s - 2, y + s - 2), fill=BLACK)
            draw.line((x + 1, y + s - 2, x + s - 2, y + 1), fill=BLACK)


def draw_check(draw: ImageDraw.ImageDraw, x: int, y: int, size: int, colour: RGB) -> None:
    """A check mark in a ``size`` square (the all-clear sign)."""
    s = max(4, size)
    knee = (x + s // 3, y + s - 2)
    width = 2 if s >= 9 else 1
    draw.line((x, y + s - 2 - s // 3, *knee), fill=colour, width=width)
    draw.line((*knee, x + s - 1, y + 1), fill=colour, width=width)


def draw_dot(draw: ImageDraw.ImageDraw, x: int, y: int, size: int, state: HealthState, colour: RGB,
             lit: bool = True) -> None:
    """One plugin's health: filled = healthy, hollow = degraded, X = failing/critical,
    dash = disabled, centre point = unknown. ``lit=False`` is a blinking critical dot's off phase."""
    right, bottom = x + size - 1, y + size - 1
    if state is HealthState.HEALTHY:
        draw.rectangle((x, y, right, bottom), fill=colour)
    elif state is HealthState.DEGRADED:
        draw.rectangle((x, y, right, bottom), outline=colour)
    elif state in (HealthState.FAILING, HealthState.CRITICAL):
        if lit:
            draw.line((x, y, right, bottom), fill=colour)
            draw.line((x, bottom, right, y), fill=colour)
    elif state is HealthState.DISABLED:
        mid = y + size // 2
        draw.line((x, mid, right, mid), fill=colour)
    else:
        centre = size // 2
        draw.rectangle((x + centre - (size >= 5), y + centre - (size >= 5), x + centre, y + centre),
                       fill=colour)


def _triangle(draw: ImageDraw.ImageDraw, x: int, y: int, s: int, colour: RGB) -> None:
    """An upward triangle with a dark exclamation mark when there is room."""
    half = (s - 1) / 2
    draw.polygon([(x + half, y), (x + s - 1, y + s - 1), (x, y + s - 1)], fill=colour)
    if s >= 7:
        cx = x + s // 2
        draw.line((cx, y + 2, cx, y + s - 4), fill=BLACK)
        draw.point((cx, y + s - 2), fill=BLACK)


def _diamond(draw: ImageDraw.ImageDraw, x: int, y: int, s: int, colour: RGB) -> None:
    """A diamond with a dark centre when there is room."""
    h = (s - 1) // 2
    draw.polygon([(x + h, y), (x + 2 * h, y + h), (x + h, y + 2 * h), (x, y + h)], fill=colour)
    if s >= 7:
        draw.point((x + h, y + h), fill=BLACK)
