"""The plugin against doubles that follow the LEDMatrix host contract, end to end."""

from __future__ import annotations

import threading
import types

import pytest
from hostdoubles import (
    FakeHealthTracker,
    FakeStateManager,
    MockLikeCacheManager,
)
from PIL import Image
from plugin_world import Host, colours, header_box

from error_status.clock import ManualClock
from error_status.model import Severity
from error_status.render.layout import plan
from error_status.render.style import ALL_CLEAR_COLOUR, DEFAULT_SEVERITY_COLOURS

AMBER = DEFAULT_SEVERITY_COLOURS[Severity.WARNING]
RED = DEFAULT_SEVERITY_COLOURS[Severity.CRITICAL]
ORANGE = DEFAULT_SEVERITY_COLOURS[Severity.ERROR]


def test_a_failing_plugin_turns_the_panel_amber_on_the_next_frame_then_clears(host: Host,
                                                                              clock: ManualClock) -> None:
    plugin = host.plugin({"pattern_threshold": 3, "quiet_period_minutes": 1})
    assert plugin.display(force_clear=True) is True
    assert ALL_CLEAR_COLOUR in colours(host.display.pushed[-1])
    host.fail("weather", 3)
    clock.advance(1.0)
    host.settle()
    assert plugin.display() is True
    frame = host.display.pushed[-1]
    assert AMBER in colours(frame, header_box(64, 32))
    assert ALL_CLEAR_COLOUR not in colours(frame)
    clock.advance(10 * 60)  # the alert has resolved, but weather's errors are still in the window
    host.settle()
    plugin.display()
    assert ALL_CLEAR_COLOUR not in colours(host.display.pushed[-1])
    clock.advance(60 * 60)  # the errors have left the window: ALL OK
    host.settle()
    plugin.display()
    frame = host.display.pushed[-1]
    assert AMBER not in colours(frame) and ALL_CLEAR_COLOUR in colours(frame)


def test_escalation_to_critical_takes_over_with_live_priority(host: Host, clock: ManualClock) -> None:
    plugin = host.plugin({"pattern_threshold": 2, "live_priority": True})
    host.fail("nhl-scoreboard", 4, "KeyError 'homeTeam'", KeyError)
    clock.advance(1.0)
    host.settle()
    plugin.display()
    assert not plugin.has_live_content()
    host.fail("nhl-scoreboard", 4, "KeyError 'homeTeam'", KeyError)
    clock.advance(1.0)
    host.settle()
    assert plugin.has_live_content()  # escalated: it takes the panel
    plugin.display()
    assert RED in colours(host.display.pushed[-1], header_box(64, 32))
    assert not plugin.has_live_content()  # shown: the rotation runs again


def test_display_returns_false_when_all_clear_is_off(host: Host, clock: ManualClock) -> None:
    plugin = host.plugin({"show_all_clear": False, "pattern_threshold": 2})
    assert plugin.display(force_clear=True) is False
    host.fail("weather", 2)
    clock.advance(1.0)
    host.settle()
    assert plugin.display() is True


def test_full_redraw_after_clear_replaces_the_image(host: Host, clock: ManualClock) -> None:
    plugin = host.plugin()
    plugin.display(force_clear=True)
    first = host.display.pushed[-1]
    plugin.display(force_clear=False)  # painted in place: the same frame
    assert host.display.pushed[-1].tobytes() == first.tobytes()
    host.display.image.paste((255, 255, 255), (0, 0, 64, 32))  # another plugin drew everywhere
    old_image = host.display.image
    plugin.display(force_clear=True)  # our next turn: clear() swaps the image, the plugin draws all of it
    assert host.display.image is not old_image
    assert host.display.pushed[-1].tobytes() == first.tobytes()


def test_one_service_per_process_however_many_instances(host: Host) -> None:
    before = threading.active_count()
    instances = [host.plugin() for _ in range(16)]
    services = {id(i._driver) for i in instances}
    assert len(services) == 1
    assert threading.active_count() <= before + 1
    assert len(host.aggregator._pattern_callbacks) <= 1
    for instance in instances:
        instance.cleanup()
    host.instances.clear()
    assert threading.active_count() <= before


def test_health_from_tracker_and_state_manager_shows_as_dots(clock: ManualClock) -> None:
    tracker, states = FakeHealthTracker(), FakeStateManager()
    made = Host(clock, health_tracker=tracker, state_manager=states,
                manifests={"weather": {"name": "Weather"}, "stocks": {"name": "Stocks"}},
                plugins={"weather": object(), "stocks": object()})
    tracker.set("stocks", circuit_state="open")
    plugin = made.plugin()
    clock.advance(2.0)
    plugin.display(force_clear=True)
    grid = plan(64, 32).dots
    assert grid is not None
    snapshot = plugin._driver.snapshot  # type: ignore[union-attr]
    health = {h.plugin_id: h.state.value for h in snapshot.health}
    assert health == {"stocks": "failing", "weather": "healthy"}
    plugin.cleanup()


def test_without_any_host_attributes_nothing_crashes(clock: ManualClock) -> None:
    made = Host(clock)
    made.plugins = types.SimpleNamespace()  # type: ignore[assignment]
    plugin = made.plugin(cache=MockLikeCacheManager())
    assert plugin.display(force_clear=True) is True
    plugin.update()
    assert plugin.get_vegas_content() is not None
    plugin.cleanup()


def test_state_survives_a_restart_through_the_cache(host: Host, clock: ManualClock) -> None:
    plugin = host.plugin({"pattern_threshold": 2})
    host.fail("weather", 3)
    clock.advance(1.0)
    host.settle()
    plugin.display()
    plugin.cleanup()
    host.instances.clear()
    restarted = Host(clock)
    restarted.cache = host.cache
    again = restarted.plugin()
    again.display(force_clear=True)
    assert AMBER in colours(restarted.display.pushed[-1], header_box(64, 32))
    again.cleanup()


def test_bad_config_is_refused_with_the_key_named(host: Host, caplog: pytest.LogCaptureFixture) -> None:
    before = set(threading.enumerate())
    plugin = host.plugin({"scroll_speed": "fast", "pattern_threshold": 2})
    assert plugin.validate_config() is False
    assert "scroll_speed" in caplog.text
    # The host drops a refused instance without cleanup(): it must have started nothing.
    assert plugin._driver is None and plugin._overlay is None
    assert not [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert "update_display" not in vars(host.display)
    assert plugin.display(force_clear=True) is False
    plugin.on_config_change({"scroll_speed": 40, "pattern_threshold": 2})  # fixed: it runs
    assert plugin.validate_config() is True and plugin._driver is not None
    assert plugin.display(force_clear=True) is True


def test_dynamic_duration_waits_for_the_ticker_to_pass(host: Host, clock: ManualClock) -> None:
    plugin = host.plugin({"pattern_threshold": 2})
    host.fail("weather", 2, "HTTPSConnectionPool(host='api.openweathermap.org'): Read timed out")
    clock.advance(1.0)
    host.settle()
    plugin.display(force_clear=True)
    assert plugin.supports_dynamic_duration()
    assert plugin.is_cycle_complete() is False
    assert plugin.get_dynamic_duration_cap() == 120.0


def test_display_never_raises(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = host.plugin()

    def broken(*args: object, **kwargs: object) -> Image.Image:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(plugin._renderer, "paint", broken)
    assert plugin.display(force_clear=True) is False
    assert plugin.display_failures == 1


def test_replace_mode_shows_a_new_pattern_on_the_next_frame(clock: ManualClock) -> None:
    made = Host(clock)
    module = types.SimpleNamespace(_error_aggregator=made.aggregator, _aggregator_lock=threading.Lock())
    module.get_error_aggregator = lambda: module._error_aggregator
    made.module = module  # type: ignore[assignment]
    plugin = made.plugin({"host_aggregator": "replace", "pattern_threshold": 2})
    try:
        assert module.get_error_aggregator() is plugin._driver.aggregator  # type: ignore[union-attr]
        plugin.display(force_clear=True)
        for _ in range(2):
            module.get_error_aggregator().record_error(TimeoutError("slow"), plugin_id="weather")
        made.settle()  # the driver is woken by the events; here it runs its cycle at once
        plugin.display()  # no time has passed: only the pending events can have brought it
        assert AMBER in colours(made.display.pushed[-1], header_box(64, 32))
    finally:
        plugin.cleanup()
    assert module.get_error_aggregator() is made.aggregator


def test_with_all_clear_off_the_turn_is_skipped_only_when_all_is_ok(host: Host, clock: ManualClock) -> None:
    plugin = host.plugin({"show_all_clear": False})
    assert plugin.display(force_clear=True) is False
    host.fail("weather", 1)  # one failure: no pattern yet, but not all OK either
    clock.advance(1.0)
    host.settle()
    assert plugin.display() is True
    frame = host.display.pushed[-1]
    assert ALL_CLEAR_COLOUR not in colours(frame) and AMBER in colours(frame)


def test_an_open_circuit_is_on_the_panel_before_any_pattern(clock: ManualClock) -> None:
    tracker = FakeHealthTracker()
    made = Host(clock, health_tracker=tracker, manifests={"weather": {}, "error-status": {}},
                plugins={"weather": object(), "error-status": object()})
    plugin = made.plugin({"pattern_threshold": 1000})
    try:
        tracker.set("weather", circuit_state="open", consecutive_failures=3, last_error="update failed")
        clock.advance(2.0)
        made.settle()
        plugin.display(force_clear=True)
        snapshot = plugin._driver.snapshot  # type: ignore[union-attr]
        assert [(a.plugin_id, a.severity, a.origin) for a in snapshot.alerts] == [
            ("weather", Severity.ERROR, "health")]
        assert [h.plugin_id for h in snapshot.health] == ["weather"]  # error-status is not a dot
        assert ORANGE in colours(made.display.pushed[-1], header_box(64, 32))
    finally:
        plugin.cleanup()
