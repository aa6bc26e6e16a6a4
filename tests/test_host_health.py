"""Plugin health read from the host: every state mapped, nothing missing or raising hurts."""

from __future__ import annotations

import enum
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from hostdoubles import FakeDisplayManager, FakeHealthTracker, FakePluginManager, FakeStateManager
from hostile import Raising, RaisingMapping, RaisingState

from error_status.ledmatrix.health import read_host_health
from error_status.model import HealthState

H = HealthState


def health_pairs(plugin_manager: object) -> dict[str, tuple[HealthState, str]]:
    """``read_host_health`` as (state, reason) per plugin."""
    return {pid: (report.state, report.reason) for pid, report in read_host_health(plugin_manager).items()}


def manager(tracker: FakeHealthTracker | None, states: FakeStateManager | None, loaded: list[str],
            discovered: list[str] | None = None) -> FakePluginManager:
    ids = [*loaded, *(discovered or [])]
    manifests = {pid: {"id": pid, "name": pid.title()} for pid in ids}
    return FakePluginManager(tracker, states, manifests=manifests, plugins={pid: object() for pid in loaded})


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, (H.HEALTHY, "")),
    ({"circuit_state": "open", "consecutive_failures": 3}, (H.FAILING, "circuit open")),
    ({"circuit_state": "half_open"}, (H.DEGRADED, "recovering")),
    ({"degraded": True, "degraded_reason": "config does not\nmatch the schema"},
     (H.DEGRADED, "config does not match the schema")),
    ({"degraded": True, "degraded_reason": None}, (H.DEGRADED, "degraded")),
    ({"consecutive_failures": 1}, (H.DEGRADED, "1 failure")),
    ({"consecutive_failures": 2}, (H.DEGRADED, "2 failures in a row")),
    ({"circuit_state": "open", "degraded": True, "degraded_reason": "x"}, (H.FAILING, "circuit open")),
])
def test_health_tracker_mapping(fields: dict[str, Any], expected: tuple[HealthState, str]) -> None:
    tracker = FakeHealthTracker()
    tracker.set("weather", **fields)
    assert health_pairs(manager(tracker, None, ["weather"])) == {"weather": expected}
    assert tracker.summary_calls == [(("weather",), {})]  # never force_reload
    assert tracker.skip_calls == 0  # never should_skip_plugin


class CircuitState(enum.Enum):
    OPEN = "open"


def test_circuit_state_as_an_enum_is_understood() -> None:
    tracker = FakeHealthTracker()
    tracker.set("weather", circuit_state=CircuitState.OPEN)
    assert health_pairs(manager(tracker, None, ["weather"]))["weather"] == (H.FAILING, "circuit open")


def test_state_manager_mapping() -> None:
    states = FakeStateManager()
    states.set_state("ok", "enabled")
    states.set_state("busy", "running")
    states.set_state("broken", "error", ImportError("No module named 'requests'"))
    states.set_state("off", "disabled")
    states.set_state_with_error("slow", "enabled", {"error": "update timed out after 30s",
                                                   "error_type": "PluginTimeoutError",
                                                   "timestamp": 1767225600.0, "recoverable": True})
    states.set_state_with_error("typed", "enabled", {"error_type": "KeyError", "timestamp": datetime.now()})
    pm = manager(None, states, ["ok", "busy", "off", "slow", "typed"], discovered=["broken", "never"])
    assert health_pairs(pm) == {
        "ok": (H.HEALTHY, ""),
        "busy": (H.HEALTHY, ""),
        "off": (H.DISABLED, "disabled"),
        "slow": (H.DEGRADED, "update timed out after 30s"),
        "typed": (H.DEGRADED, "KeyError"),
        "broken": (H.FAILING, "No module named 'requests'"),
        "never": (H.DISABLED, "not loaded"),
    }


def test_the_worse_of_tracker_and_state_wins() -> None:
    tracker, states = FakeHealthTracker(), FakeStateManager()
    tracker.set("a", circuit_state="half_open")
    states.set_state("a", "error", RuntimeError("crashed"))
    tracker.set("b", circuit_state="open")
    states.set_state("b", "enabled")
    tracker.set("c", degraded=True, degraded_reason="schema")
    states.set_state("c", "disabled")
    health = health_pairs(manager(tracker, states, ["a", "b", "c"]))
    assert health == {"a": (H.FAILING, "crashed"), "b": (H.FAILING, "circuit open"),
                      "c": (H.DEGRADED, "schema")}


def test_tracker_is_asked_about_loaded_plugins_only() -> None:
    tracker, states = FakeHealthTracker(), FakeStateManager()
    states.set_state("loaded", "enabled")
    health_pairs(manager(tracker, states, ["loaded"], discovered=["disabled", "failed"]))
    assert [args for args, _ in tracker.summary_calls] == [("loaded",)]
    assert sorted(tracker._health_state) == ["loaded"]  # disabled ones not added to its table


def test_no_information_means_healthy_if_loaded_else_unknown() -> None:
    pm = manager(None, None, ["running"], discovered=["elsewhere"])
    assert health_pairs(pm) == {"running": (H.HEALTHY, ""), "elsewhere": (H.UNKNOWN, "")}


def test_ids_come_from_manifests_and_plugins_without_duplicates() -> None:
    pm = FakePluginManager(manifests={"a": {}, "b": {}}, plugins={"b": object(), "c": object()})
    assert list(health_pairs(pm)) == ["a", "b", "c"]


def test_without_plugins_attribute_every_id_is_asked() -> None:
    tracker = FakeHealthTracker()
    tracker.set("a", circuit_state="open")
    pm = SimpleNamespace(plugin_manifests={"a": {}, "b": {}}, health_tracker=tracker)
    assert health_pairs(pm) == {"a": (H.FAILING, "circuit open"), "b": (H.HEALTHY, "")}


@pytest.mark.parametrize("pm", [
    object(),
    None,
    FakePluginManager(),  # the harness's MockPluginManager: empty plugins and manifests
    SimpleNamespace(plugins=None, plugin_manifests=None, health_tracker=None, state_manager=None),
    SimpleNamespace(plugins=42, plugin_manifests=""),
])
def test_nothing_available_gives_an_empty_dict(pm: object) -> None:
    assert health_pairs(pm) == {}


class RaisingPluginManager:
    @property
    def plugin_manifests(self) -> dict[str, Any]:
        raise RuntimeError("rediscovery in progress")

    def __init__(self) -> None:
        self.plugins = {"a": object(), "b": object(), 7: object(), "": object(), "x" * 65: object()}
        self.health_tracker = Raising()

    class state_manager:  # a namespace standing in for the host's object
        @staticmethod
        def get_state_info(pid: str) -> Any:
            if pid == "a":
                raise KeyError(pid)
            return ["not", "a", "dict"]


def test_attributes_that_raise_or_return_garbage_never_crash() -> None:
    assert health_pairs(Raising()) == {}
    assert health_pairs(RaisingPluginManager()) == {"a": (H.HEALTHY, ""), "b": (H.HEALTHY, "")}


def test_one_raising_summary_does_not_lose_the_others() -> None:
    tracker = FakeHealthTracker()
    tracker.set("b", circuit_state="open")
    original = tracker.get_health_summary

    def flaky(pid: str, force_reload: bool = False) -> dict[str, Any]:
        if pid == "a":
            raise RuntimeError("cache read failed")
        return original(pid)

    tracker.get_health_summary = flaky  # type: ignore[method-assign,assignment]
    health = health_pairs(manager(tracker, None, ["a", "b"]))
    assert health == {"a": (H.HEALTHY, ""), "b": (H.FAILING, "circuit open")}


def test_fake_display_manager_follows_the_host_contract() -> None:
    display = FakeDisplayManager(64, 32)
    image, draw = display.image, display.draw
    draw.point((0, 0), fill=(255, 0, 0))
    display.update_display()
    display.clear()
    assert display.image is not image and display.draw is not draw
    assert display.image.getpixel((0, 0)) == (0, 0, 0)
    assert (display.matrix.width, display.matrix.height) == (64, 32) == display.image.size
    assert len(display.pushed) == 1 and display.pushed[0].getpixel((0, 0)) == (255, 0, 0)


def test_summaries_and_states_that_raise_when_read_are_survived() -> None:
    tracker, states = FakeHealthTracker(), FakeStateManager()
    tracker.get_health_summary = lambda pid, force_reload=False: RaisingMapping()  # type: ignore[method-assign]
    states.get_state_info = lambda pid: {"state": RaisingState.BROKEN}  # type: ignore[method-assign]
    assert health_pairs(manager(tracker, states, ["a"])) == {"a": (H.HEALTHY, "")}
    states.get_state_info = lambda pid: RaisingMapping()  # type: ignore[method-assign]
    assert health_pairs(manager(tracker, states, ["a"])) == {"a": (H.HEALTHY, "")}
