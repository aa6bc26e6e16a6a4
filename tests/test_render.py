"""Renderer behaviour: scrolling, caching, blinking, shapes, +N, hostile text, sizes."""

from __future__ import annotations

import pytest
from PIL import Image

from error_status.model import BoardSnapshot, HealthState, PluginHealth
from error_status.render import Renderer
from error_status.render.examples import (
    GOLDEN_SIZES,
    forty_plugins,
    healthy,
    hostile_text,
    mixed,
    one_warning,
)
from error_status.render.layout import plan
from error_status.render.style import DEFAULT_HEALTH_COLOURS, DEFAULT_SEVERITY_COLOURS, Style


def band(image: Image.Image, y: int, height: int) -> Image.Image:
    """The rows y..y+height-1 of an image."""
    return image.crop((0, y, image.width, y + height))


def test_ticker_scrolls_whole_pixels_at_the_configured_speed_whatever_the_frame_rate() -> None:
    renderer = Renderer(Style(scroll_speed=40.0))
    snapshot = mixed()
    layout = plan(128, 32)
    ticker = layout.ticker
    first = band(renderer.render(snapshot, 128, 32, 10.0), ticker.y, ticker.height)
    later = band(renderer.render(snapshot, 128, 32, 10.0 + 5 / 40.0), ticker.y, ticker.height)
    # five pixels further along: what was at x+5 is now at x
    shifted = first.crop((5, 0, 128, ticker.height))
    assert later.crop((0, 0, 123, ticker.height)).tobytes() == shifted.tobytes()
    between = band(renderer.render(snapshot, 128, 32, 10.0 + 0.01), ticker.y, ticker.height)
    assert between.tobytes() == first.tobytes()  # 0.4 px: no half-pixel step


def test_scroll_wraps_seamlessly() -> None:
    renderer = Renderer()
    snapshot = mixed()
    period_seconds = renderer.cycle_seconds(snapshot, 64, 32)
    assert period_seconds > 0
    ticker = plan(64, 32).ticker
    a = band(renderer.render(snapshot, 64, 32, 3.0), ticker.y, ticker.height)
    b = band(renderer.render(snapshot, 64, 32, 3.0 + period_seconds), ticker.y, ticker.height)
    assert a.tobytes() == b.tobytes()


def test_scene_is_drawn_once_per_snapshot_and_frames_are_fresh_images() -> None:
    renderer = Renderer()
    snapshot = mixed()
    scene = renderer.scene(snapshot, 128, 32)
    frame1 = renderer.render(snapshot, 128, 32, 0.0)
    frame2 = renderer.render(snapshot, 128, 32, 0.0)
    assert renderer.scene(snapshot, 128, 32) is scene
    assert frame1 is not frame2 and frame1.tobytes() == frame2.tobytes()
    frame1.paste((255, 255, 255), (0, 0, 128, 32))
    assert renderer.render(snapshot, 128, 32, 0.0).tobytes() == frame2.tobytes()


def test_static_ticker_when_everything_fits() -> None:
    from error_status.model import Alert, Severity

    renderer = Renderer()
    short = Alert("k", Severity.WARNING, "clock", "E", "late", 5, 0.0, 0.0)
    snapshot = BoardSnapshot(alerts=(short,), health=(PluginHealth("clock", HealthState.DEGRADED),))
    assert renderer.cycle_seconds(snapshot, 256, 128) == 0.0
    still = renderer.render(snapshot, 256, 128, 7.3)
    assert renderer.render(snapshot, 256, 128, 0).tobytes() == still.tobytes()
    assert renderer.cycle_seconds(one_warning(), 64, 32) > 0


def test_critical_dots_blink_and_others_do_not() -> None:
    renderer = Renderer()
    snapshot = mixed()
    grid = plan(64, 32).dots
    assert grid is not None
    ids = [h.plugin_id for h in snapshot.health]
    crit_x, crit_y = grid.cell(ids.index("nhl-scoreboard"))
    ok_x, ok_y = grid.cell(ids.index("calendar"))
    on, off = renderer.render(snapshot, 64, 32, 0.0), renderer.render(snapshot, 64, 32, 0.5)
    red = DEFAULT_SEVERITY_COLOURS[max(DEFAULT_SEVERITY_COLOURS)]
    assert on.getpixel((crit_x, crit_y)) == red and off.getpixel((crit_x, crit_y)) == (0, 0, 0)
    blue = DEFAULT_HEALTH_COLOURS[HealthState.HEALTHY]
    assert on.getpixel((ok_x, ok_y)) == off.getpixel((ok_x, ok_y)) == blue


@pytest.mark.parametrize("state", list(HealthState))
def test_each_health_state_has_its_own_shape(state: HealthState) -> None:
    """Shape alone tells states apart: compare lit-pixel masks of the dots."""
    masks = {}
    for other in HealthState:
        snapshot = BoardSnapshot(health=(PluginHealth("p", other),))
        image = Renderer().render(snapshot, 64, 32, 0.0)
        grid = plan(64, 32).dots
        assert grid is not None
        x, y = grid.cell(0)
        cell = image.crop((x, y, x + grid.size, y + grid.size))
        masks[other] = tuple(cell.getpixel((i, j)) != (0, 0, 0)
                              for j in range(grid.size) for i in range(grid.size))
    same_shape = [s for s, m in masks.items() if m == masks[state] and s is not state]
    assert same_shape == [] or {state, *same_shape} == {HealthState.FAILING, HealthState.CRITICAL}


@pytest.mark.parametrize("size", GOLDEN_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_more_plugins_than_dots_shows_the_worst_and_a_count(size: tuple[int, int]) -> None:
    from error_status.render.scene import _choose_dots

    snapshot = forty_plugins()
    image = Renderer().render(snapshot, *size, 0.0)
    grid = plan(*size).dots
    assert grid is not None
    shown, hidden = _choose_dots(snapshot.health, grid)
    if grid.capacity >= 40:
        assert (len(shown), hidden) == (40, 0)
        return
    assert len(shown) + hidden == 40 and hidden > 0
    for index in range(len(shown)):  # every dot cell before the label is lit
        x, y = grid.cell(index)
        assert image.crop((x, y, x + grid.size, y + grid.size)).getbbox(), index
    x, y = grid.cell(len(shown))  # the "+N" label starts in the next cell and ends inside the grid
    label = image.crop((x, y, image.width, y + grid.size)).getbbox()
    assert label is not None and x + label[2] <= grid.x + grid.width
    red = DEFAULT_SEVERITY_COLOURS[max(DEFAULT_SEVERITY_COLOURS)]
    assert red in {c for _, c in image.crop((grid.x, grid.y, grid.x + grid.width, grid.y + grid.height))
                   .getcolors(4096) or []}  # the critical plugin is among the dots shown


@pytest.mark.parametrize("size", GOLDEN_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_hostile_text_renders_at_every_size(size: tuple[int, int]) -> None:
    renderer = Renderer()
    for t in (0.0, 1.0, 123.4):
        image = renderer.render(hostile_text(), size[0], size[1], t)
        assert image.size == size and image.getbbox() is not None


def test_all_clear_is_shown_without_alerts() -> None:
    image = Renderer().render(healthy(), 64, 32, 0.0)
    green = Style().all_clear_colour
    assert green in {c for _, c in image.getcolors(4096) or []}


@pytest.mark.parametrize(("width", "height"), [(31, 16), (64, 15), (0, 0), (1024, 32)])
def test_unsupported_sizes_are_refused_clearly(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="panel"):
        Renderer().render(mixed(), width, height, 0.0)


def test_style_refuses_colours_that_vanish_when_dimmed() -> None:
    from error_status.model import Severity

    with pytest.raises(ValueError, match=">= 64"):
        Style(severity_colours={Severity.WARNING: (255, 30, 0)})
    with pytest.raises(ValueError, match="scroll_speed"):
        Style(scroll_speed=0)
