"""Hostile input to what draws the panel: the alert board, the renderer (odd snapshots, sizes and
times) and the plugin's config. Safe handling, or a TypeError/ValueError naming the setting; the
render loop never dies."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable
from typing import Any

import pytest
from hostdoubles import FakeCacheManager, FakeDisplayManager, FakePluginManager
from hostile import (
    BAD_CONFIGS,
    BAD_SIZES,
    ERRORS,
    FINITE_TIMES,
    IDS,
    NON_FINITE_TIMES,
    TEN_MB,
    Unprintable,
)

from error_status import ErrorStatusPlugin
from error_status.aggregator import ErrorAggregator
from error_status.board import AlertBoard
from error_status.clock import ManualClock
from error_status.ledmatrix.config import parse_settings
from error_status.model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity
from error_status.render import Renderer
from error_status.render import examples as scenes
from error_status.render.examples import GOLDEN_SIZES

Build = Callable[..., ErrorAggregator]


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"min_severity": "warning"}, "min_severity"), ({"min_severity": None}, "min_severity"),
    ({"alert_ttl": -1}, "alert_ttl"), ({"alert_ttl": math.nan}, "alert_ttl"),
    ({"alert_ttl": "1h"}, "alert_ttl"),
    ({"max_alerts": 0}, "max_alerts"), ({"max_plugins": "3"}, "max_plugins"),
    ({"quiet_period": -1}, "quiet_period"), ({"threshold": 0}, "threshold"),
])
def test_bad_board_settings_name_themselves(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises((TypeError, ValueError), match=name):
        AlertBoard(**kwargs)


def hostile_board(make_aggregator: Build, clock: ManualClock) -> tuple[ErrorAggregator, AlertBoard]:
    """A board showing one alert per hostile error and plugin id (threshold 1: all detected)."""
    aggregator = make_aggregator(pattern_threshold=1)
    board = AlertBoard(clock=clock, max_alerts=256)
    board.follow(aggregator.subscribe(name="board"))
    for make_error, make_id in zip(ERRORS.values(), itertools.cycle(IDS.values()), strict=False):
        aggregator.record_error(make_error(), plugin_id=make_id(), operation=make_id())
    board.refresh()
    return aggregator, board


def test_board_survives_junk_health_events_and_saved_state(make_aggregator: Build,
                                                           clock: ManualClock) -> None:
    _, board = hostile_board(make_aggregator, clock)
    before = board.snapshot()
    assert len(before.alerts) >= len(ERRORS) - 2  # (errors of one type and text share a pattern)
    with pytest.raises(TypeError, match="events"):
        board.apply([None])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="health"):
        board.set_health(None)  # type: ignore[arg-type]
    junk: dict[Any, Any] = {5: (HealthState.FAILING, "int id"), "": (HealthState.FAILING, ""),
                            "bad": "failing", "odd": ("failing", Unprintable()), "none": (None, None),
                            "long": (HealthState.CRITICAL, "r" * 100_000), "ok": (HealthState.HEALTHY, "")}
    board.set_health(junk)
    for state in ({}, {"patterns": 5, "plugins": 7},
                  {"patterns": [None, 5, {"key": 1}], "plugins": {None: 1}},
                  {"patterns": [{"key": "k", "severity": "error", "error_type": "E", "count": math.inf,
                                 "first_seen": math.nan, "last_seen": 0}]}):
        board.restore(state, expire_after=60)
    with pytest.raises(TypeError, match="state"):
        board.restore(None, 60)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expire_after"):
        board.restore({}, math.nan)
    with pytest.raises(ValueError, match="seconds"):
        board.snooze(before.alerts[0].key, math.nan)
    snapshot = board.snapshot()
    shown = {h.plugin_id: h.state for h in snapshot.health}
    assert all(isinstance(pid, str) and pid for pid in shown)
    assert shown["odd"] is HealthState.FAILING and shown["long"] is HealthState.CRITICAL and "ok" in shown
    assert "bad" not in shown and "none" not in shown
    assert len(snapshot.alerts) == len(before.alerts)
    json.dumps(board.state(), allow_nan=False)
    assert Renderer().render(snapshot, 64, 32, 1.0).size == (64, 32)


def test_renderer_draws_odd_snapshots_at_every_size_and_time(make_aggregator: Build,
                                                             clock: ManualClock) -> None:
    _, board = hostile_board(make_aggregator, clock)
    alert = Alert("k", Severity.CRITICAL, "\u202e" * 50, "E" * 100, "m" * TEN_MB, 10**18, 0.0, 0.0)
    crowd = tuple(PluginHealth(f"p{n:04d}", HealthState.CRITICAL) for n in range(2000))
    snapshots = [board.snapshot(), scenes.hostile_text(), BoardSnapshot(),
                 BoardSnapshot(alerts=(alert,) * 40, health=crowd)]
    renderer = Renderer()
    for snapshot, (width, height), t in itertools.product(snapshots, GOLDEN_SIZES, FINITE_TIMES):
        frame = renderer.render(snapshot, width, height, t)
        assert frame.size == (width, height) and frame.mode == "RGB"
    for width, height in BAD_SIZES:
        with pytest.raises((TypeError, ValueError), match=r"width|height"):
            renderer.render(snapshots[0], width, height, 0.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("t", NON_FINITE_TIMES)
def test_renderer_draws_at_non_finite_times(t: float) -> None:
    frame = Renderer().render(scenes.mixed(), 64, 32, t)
    assert frame.tobytes() == Renderer().render(scenes.mixed(), 64, 32, 0.0).tobytes()


class MadClock(ManualClock):
    """A clock whose monotonic time the test sets to anything, NaN included."""

    value: float | None = None

    def monotonic(self) -> float:
        return super().monotonic() if self.value is None else self.value


def test_the_render_loop_survives_a_clock_gone_mad() -> None:
    display = FakeDisplayManager(64, 32)
    clock = MadClock()
    plugin = ErrorStatusPlugin("error-status", {}, display, FakeCacheManager(), FakePluginManager(),
                               service_options={"clock": clock, "host_module": lambda: None,
                                                "poll_interval": 3600.0})
    try:
        for value in (*NON_FINITE_TIMES, -1e300, 1e300, 0.0):
            clock.value = value
            assert plugin.display(force_clear=True) in (True, False)
        clock.value = None
        pushed = len(display.pushed)
        assert plugin.display(force_clear=True) is True and len(display.pushed) == pushed + 1
    finally:
        plugin.cleanup()


# ---------------------------------------------------------------------- the plugin's config


@pytest.mark.parametrize(("config", "key"), BAD_CONFIGS, ids=[key for _, key in BAD_CONFIGS])
def test_bad_config_is_refused_by_name_and_the_plugin_starts_nothing(
        config: dict[str, Any], key: str, clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ValueError, match=re.escape(key)) as refused:
        parse_settings(config)
    assert len(str(refused.value)) < 300  # a 10 MB value is not copied into the message
    display = FakeDisplayManager(64, 32)
    plugin = ErrorStatusPlugin("error-status", config, display, FakeCacheManager(), FakePluginManager(),
                               service_options={"clock": clock, "host_module": lambda: None,
                                                "poll_interval": 3600.0})
    try:
        # The host drops a refused instance without cleanup(): nothing may run or draw.
        assert plugin.validate_config() is False and key in caplog.text
        plugin.on_config_change(config)  # ignored, logged
        assert plugin._driver is None and "update_display" not in vars(display)
        assert plugin.display(force_clear=True) is False and not display.pushed
    finally:
        plugin.cleanup()


@pytest.mark.parametrize("config", [5, "str", [], ["pattern_threshold"], b"{}"])
def test_a_config_that_is_not_an_object_is_refused(config: object) -> None:
    with pytest.raises(ValueError, match="config must be an object"):
        parse_settings(config)  # type: ignore[arg-type]
