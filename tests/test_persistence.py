"""State saved through the host's cache: written on change, rate-limited, validated on load."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hostdoubles import FakeCacheManager, MockLikeCacheManager

from error_status.board.saved_state import (
    MAX_SAVED_PATTERNS,
    MAX_SAVED_PLUGINS,
    MAX_SAVED_SERVED,
    InvalidState,
    normalise_state,
    validate_state,
)
from error_status.clock import ManualClock
from error_status.ledmatrix.persistence import StatePersistence
from error_status.model import HealthState, Severity

KEY = "error-status:state"
Cache = FakeCacheManager | MockLikeCacheManager


def pattern(key: str = "weather/KeyError/execute/ab12", **fields: Any) -> dict[str, Any]:
    return {"key": key, "severity": "critical", "error_type": "KeyError", "message": "'temp'",
            "plugin_id": "weather", "operation": "execute", "count": 17, "total_count": 40,
            "first_seen": 1767225600.5, "last_seen": 1767229200.0, "acknowledged": False, **fields}


def state(*patterns: dict[str, Any], **plugins: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "patterns": list(patterns),
            "plugins": plugins or {"weather": {"state": "failing", "reason": "circuit open", "errors": 3}}}


@pytest.fixture(params=[FakeCacheManager, MockLikeCacheManager])
def cache(request: pytest.FixtureRequest) -> Cache:
    made: Cache = request.param()
    return made


def writes(cache: Cache) -> int:
    return len(cache.set_calls)


def test_round_trip_with_both_caches(cache: Cache, clock: ManualClock) -> None:
    saved = state(pattern())
    assert StatePersistence(cache, clock=clock).save(saved) is True
    assert StatePersistence(cache, clock=clock).load() == saved
    assert cache.get_calls[-1]["max_age"] is None
    assert "memory_ttl" not in cache.get_calls[-1] or cache.get_calls[-1]["memory_ttl"] is None


def test_the_real_cache_stores_an_envelope_without_ttl(clock: ManualClock) -> None:
    cache = FakeCacheManager()
    StatePersistence(cache, clock=clock).save(state())
    assert set(cache.store[KEY]) == {"data", "timestamp"}
    assert cache.set_calls[0]["ttl"] is None


def test_writes_only_on_change(cache: Cache, clock: ManualClock) -> None:
    store = StatePersistence(cache, clock=clock)
    assert store.save(state(pattern())) is True
    clock.advance(60)
    assert store.save(state(pattern())) is False
    unversioned = {"patterns": [pattern()], "plugins": state()["plugins"]}
    assert store.save(unversioned) is False  # the same once normalised
    assert writes(cache) == 1 and not store.pending


def test_rate_limit_holds_changes_until_the_interval_passed(cache: Cache, clock: ManualClock) -> None:
    store = StatePersistence(cache, min_interval=10.0, clock=clock)
    assert store.save(state(pattern(count=1)))
    clock.advance(3)
    assert store.save(state(pattern(count=2))) is False
    assert store.pending and writes(cache) == 1
    clock.advance(3)
    assert store.save(state(pattern(count=3))) is False
    clock.advance(4)
    assert store.save(state(pattern(count=4))) is True
    assert writes(cache) == 2 and not store.pending
    assert StatePersistence(cache).load() == state(pattern(count=4))


def test_a_change_reverted_before_it_was_written_is_not_written(cache: Cache, clock: ManualClock) -> None:
    store = StatePersistence(cache, clock=clock)
    store.save(state(pattern(count=1)))
    store.save(state(pattern(count=2)))
    assert store.pending
    store.save(state(pattern(count=1)))
    assert not store.pending
    assert store.flush() is False and writes(cache) == 1


def test_flush_writes_the_pending_change_at_once(cache: Cache, clock: ManualClock) -> None:
    store = StatePersistence(cache, clock=clock)
    assert store.flush() is False
    store.save(state(pattern(count=1)))
    store.save(state(pattern(count=2)))
    assert store.flush() is True and writes(cache) == 2
    assert store.flush() is False
    assert StatePersistence(cache).load() == state(pattern(count=2))


def test_load_sets_the_baseline_so_an_unchanged_state_is_not_rewritten(cache: Cache,
                                                                        clock: ManualClock) -> None:
    StatePersistence(cache, clock=clock).save(state(pattern()))
    restarted = StatePersistence(cache, clock=clock)
    loaded = restarted.load()
    assert loaded is not None
    assert restarted.save(loaded) is False and writes(cache) == 1


def test_nothing_saved_loads_none_quietly(cache: Cache, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert StatePersistence(cache).load() is None
    assert caplog.records == []


def test_stored_copy_is_independent_of_the_callers_state(clock: ManualClock) -> None:
    cache = MockLikeCacheManager()
    live = state(pattern())
    StatePersistence(cache, clock=clock).save(live)
    live["patterns"][0]["count"] = 999
    assert cache.get(KEY)["patterns"][0]["count"] == 17


def test_save_normalises_enums_and_bounds(clock: ManualClock) -> None:
    cache = MockLikeCacheManager()
    many = [pattern(f"k{i}", severity=Severity.ERROR, message="x" * 2000) for i in range(100)]
    plugins = {f"p{i}": {"state": HealthState.DEGRADED} for i in range(300)}
    assert StatePersistence(cache, clock=clock).save({"patterns": many, "plugins": plugins})
    stored = cache.get(KEY)
    assert len(stored["patterns"]) == MAX_SAVED_PATTERNS and len(stored["plugins"]) == MAX_SAVED_PLUGINS
    assert stored["patterns"][0]["severity"] == "error" and len(stored["patterns"][0]["message"]) == 500
    assert stored["plugins"]["p0"] == {"state": "degraded"}
    assert validate_state(stored) == stored


@pytest.mark.parametrize("bad", [
    {"patterns": "nope", "plugins": {}},
    {"patterns": [], "plugins": ["a"]},
    {"version": 2, "patterns": [], "plugins": {}},
    {"version": "1", "patterns": [], "plugins": {}},
    ["not", "a", "dict"],
])
def test_save_refuses_what_is_not_a_state(bad: Any, clock: ManualClock,
                                          caplog: pytest.LogCaptureFixture) -> None:
    cache = MockLikeCacheManager()
    store = StatePersistence(cache, clock=clock)
    with caplog.at_level(logging.WARNING):
        assert store.save(bad) is False
    assert store.failures == 1 and writes(cache) == 0
    assert "state not saved" in caplog.text


def test_save_leaves_out_entries_that_do_not_fit(clock: ManualClock) -> None:
    cache = MockLikeCacheManager()
    good = pattern("good")
    bad_patterns = [{"key": "k"}, pattern(severity="fatal"), pattern(count=float("nan")),
                    pattern(first_seen=float("inf")), pattern(message=object()), pattern(plugin_id=""), "x"]
    plugins = {"a": {"state": "on fire"}, "b": {"state": "healthy"}, 7: {"state": "healthy"}}
    saved = {"patterns": [*bad_patterns, good], "plugins": plugins, "saved_at": "now"}
    assert StatePersistence(cache, clock=clock).save(saved) is True
    assert cache.get(KEY) == {"version": 1, "patterns": [good], "plugins": {"b": {"state": "healthy"}}}


HUGE_TEXT = "x" * 10_000
CORRUPT: list[tuple[str, Any]] = [
    ("json text", '{"version": 1, "patterns": [], "plu'),
    ("bytes", b"\x00\x01"),
    ("list", [1, 2, 3]),
    ("number", 42),
    ("no version", {"patterns": [], "plugins": {}}),
    ("other version", {"version": 2, "patterns": [], "plugins": {}}),
    ("version as text", {"version": "1", "patterns": [], "plugins": {}}),
    ("version as bool", {"version": True, "patterns": [], "plugins": {}}),
    ("truncated: no plugins", {"version": 1, "patterns": []}),
    ("truncated: no patterns", {"version": 1, "plugins": {}}),
    ("truncated entry", {"version": 1, "patterns": [{"key": "k", "severity": "error"}], "plugins": {}}),
    ("patterns not a list", {"version": 1, "patterns": {"k": {}}, "plugins": {}}),
    ("plugins not a dict", {"version": 1, "patterns": [], "plugins": ["a"]}),
    ("entry not a dict", {"version": 1, "patterns": ["k"], "plugins": {}}),
    ("severity tag", state(pattern(severity="CRIT"))),
    ("severity enum value", state(pattern(severity=3))),
    ("negative count", state(pattern(count=-1))),
    ("float count", state(pattern(count=1.5))),
    ("bool count", state(pattern(count=True))),
    ("huge count", state(pattern(count=10**30))),
    ("time as text", state(pattern(first_seen="yesterday"))),
    ("acknowledged as text", state(pattern(acknowledged="yes"))),
    ("plugin id as number", state(pattern(plugin_id=7))),
    ("empty key", state(pattern(key=""))),
    ("huge message", state(pattern(message=HUGE_TEXT))),
    ("huge key", state(pattern(key=HUGE_TEXT))),
    ("too many patterns", state(*[pattern(f"k{i}") for i in range(MAX_SAVED_PATTERNS + 1)])),
    ("too many plugins", {"version": 1, "patterns": [],
                          "plugins": {f"p{i}": {"state": "healthy"} for i in range(MAX_SAVED_PLUGINS + 1)}}),
    ("huge plugin id", {"version": 1, "patterns": [], "plugins": {HUGE_TEXT: {"state": "healthy"}}}),
    ("unknown health", {"version": 1, "patterns": [], "plugins": {"a": {"state": "HEALTHY"}}}),
    ("plugin without state", {"version": 1, "patterns": [], "plugins": {"a": {"reason": "x"}}}),
    ("saved_at not a number", {**state(), "saved_at": "now"}),
    ("takeover not an object", {**state(), "takeover": []}),
    ("takeover served not a list", {**state(), "takeover": {"served": {"k": 1}}}),
    ("takeover entry without severity", {**state(), "takeover": {"served": [{"key": "k"}]}}),
    ("takeover too many served", {**state(), "takeover": {
        "served": [{"key": f"k{i}", "severity": "error"} for i in range(MAX_SAVED_SERVED + 1)]}}),
    ("takeover served_wall not a number", {**state(), "takeover": {"served": [], "served_wall": "then"}}),
]


@pytest.mark.parametrize(("label", "raw"), CORRUPT, ids=[label for label, _ in CORRUPT])
def test_corrupted_or_foreign_state_is_rejected_with_a_warning(label: str, raw: Any,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    cache = MockLikeCacheManager()
    cache.set(KEY, raw)
    with caplog.at_level(logging.WARNING):
        assert StatePersistence(cache).load() is None
    assert "ignoring saved state" in caplog.text
    with pytest.raises(InvalidState):
        validate_state(raw)


def test_unknown_keys_are_dropped_on_load() -> None:
    cache = MockLikeCacheManager()
    cache.set(KEY, {**state(pattern(extra="x")), "saved_at": 1.5, "future": [1]})
    loaded = StatePersistence(cache).load()
    assert loaded == {**state(pattern()), "saved_at": 1.5}


def test_what_the_takeovers_showed_is_saved_and_read_back() -> None:
    saved = {**state(pattern()), "takeover": {"served": [
        {"key": "k", "severity": "critical", "first_seen": 12.5}, {"key": "health/a", "severity": "error",
                                                                  "first_seen": None}], "served_wall": 99.0}}
    assert validate_state(saved) == saved
    fitted = normalise_state({**saved, "takeover": {"served": [{"key": "k", "severity": "nope"}, *saved[
        "takeover"]["served"]], "served_wall": "then"}})
    assert fitted["takeover"] == {"served": saved["takeover"]["served"]}


def test_missing_optional_fields_are_fine() -> None:
    minimal = {"version": 1, "patterns": [{"key": "k", "severity": "warning", "error_type": "E"}],
               "plugins": {"a": {"state": "unknown"}}}
    assert validate_state(minimal) == minimal
    assert normalise_state({"patterns": minimal["patterns"]}) == {**minimal, "plugins": {}}


class BrokenCache:
    def __init__(self) -> None:
        self.fail = True
        self.stored: dict[str, Any] = {}

    def get(self, key: str, max_age: float | None = None) -> Any:
        raise OSError("disk gone")

    def set(self, key: str, value: Any, ttl: float | None = None) -> None:
        if self.fail:
            raise OSError("read-only file system")
        self.stored[key] = value


def test_a_failing_cache_is_counted_and_retried(clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    cache = BrokenCache()
    store = StatePersistence(cache, clock=clock)
    with caplog.at_level(logging.WARNING):
        assert store.load() is None
        assert store.save(state()) is False
    assert store.failures == 2 and store.pending
    clock.advance(1)
    cache.fail = False
    assert store.save(state()) is False  # still inside the interval since the failed attempt
    assert store.flush() is True and cache.stored[KEY] == state()
    assert store.writes == 1


def test_the_boards_state_round_trips_through_the_cache(cache: Cache, clock: ManualClock) -> None:
    from error_status.board import AlertBoard

    before = AlertBoard(clock=clock)
    before.restore(state(pattern()), expire_after=300)
    assert StatePersistence(cache, clock=clock).save(before.state())
    loaded = StatePersistence(cache, clock=clock).load()
    assert loaded is not None and loaded["patterns"] == normalise_state(before.state())["patterns"]
    after = AlertBoard(clock=clock)
    after.restore(loaded, expire_after=300)
    assert after.state() == before.state()


def test_a_cache_returning_a_mapping_that_raises_does_not_stop_the_plugin() -> None:
    class Hostile(dict):  # type: ignore[type-arg]
        def get(self, *args: object, **kwargs: object) -> object:
            raise RuntimeError("corrupt")

        def __getitem__(self, key: object) -> object:
            raise RuntimeError("corrupt")

    cache = FakeCacheManager()
    cache.get = lambda key, max_age=None: Hostile(version=1)  # type: ignore[method-assign,assignment,misc]
    persistence = StatePersistence(cache, KEY)
    assert persistence.load() is None and persistence.failures == 1
    from hostdoubles import FakeDisplayManager, FakePluginManager

    from error_status import ErrorStatusPlugin

    plugin = ErrorStatusPlugin("error-status", {}, FakeDisplayManager(64, 32), cache, FakePluginManager(),
                               service_options={"host_module": lambda: None, "poll_interval": 3600.0})
    try:
        assert plugin.display(force_clear=True) is True
    finally:
        plugin.cleanup()
