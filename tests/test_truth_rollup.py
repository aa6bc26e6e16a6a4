"""No fragmentation into silence: one plugin's occurrences of one error type whose messages vary
roll up into one pattern, distinct real problems keep their own, and a plugin with N failures in
the window never looks healthier than the seed (one pattern per error type) would show it."""

from __future__ import annotations

import random
import string
from collections.abc import Callable

import pytest

from error_status.aggregator import ErrorAggregator, EventKind
from error_status.aggregator.pattern import Thresholds
from error_status.clock import ManualClock

Build = Callable[..., ErrorAggregator]


def random_id(rng: random.Random) -> str:
    """A word-like random id: letters only, so no normaliser can tell it from a word."""
    return "".join(rng.choice(string.ascii_letters) for _ in range(11))


def test_random_ids_in_one_plugins_messages_raise_an_alert_within_the_threshold(make_aggregator: Build,
                                                                                 clock: ManualClock) -> None:
    aggregator = make_aggregator(pattern_threshold=5)
    events = aggregator.subscribe()
    rng = random.Random(1)
    for n in range(5):
        aggregator.ingest("LoggedError", f"YouTube video {random_id(rng)} unavailable", plugin_id="youtube",
                          operation="log")
        clock.advance(1.0)
        assert bool(aggregator.active_patterns()) == (n == 4)
    (pattern,) = aggregator.active_patterns()
    assert (pattern.plugin_id, pattern.error_type, pattern.count, pattern.severity) == (
        "youtube", "LoggedError", 5, "warning")
    assert len(set(pattern.sample_messages)) == 3  # the distinct messages are kept as samples
    assert [e.kind for e in events.drain()] == [EventKind.DETECTED]
    for _ in range(7):
        aggregator.ingest("LoggedError", f"YouTube video {random_id(rng)} unavailable", plugin_id="youtube")
    assert aggregator.active_patterns()[0].severity == "error"  # and it escalates like any pattern


def test_distinct_real_problems_in_one_plugin_keep_their_own_patterns(make_aggregator: Build,
                                                                     clock: ManualClock) -> None:
    aggregator = make_aggregator(pattern_threshold=5)
    for n in range(10):  # interleaved: neither reaches the threshold before the other has begun
        message = "bad JSON in response" if n % 2 else "missing field 'temp'"
        aggregator.record_error(ValueError(message), plugin_id="weather", operation="update")
        clock.advance(1.0)
    patterns = aggregator.active_patterns()
    assert sorted(p.sample_messages[0] for p in patterns) == ["bad JSON in response", "missing field 'temp'"]
    assert all(p.count == 5 and p.operation == "update" for p in patterns)


def test_one_message_never_makes_a_roll_up(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=5)
    events = aggregator.subscribe()
    for _ in range(5):
        aggregator.record_error(TimeoutError("Read timed out"), plugin_id="weather", operation="update")
    assert [(e.kind, e.pattern.operation) for e in events.drain()] == [(EventKind.DETECTED, "update")]


@pytest.mark.parametrize("failures", [5, 8, 11, 16, 40])
def test_never_healthier_than_the_seed(make_aggregator: Build, clock: ManualClock, failures: int) -> None:
    aggregator = make_aggregator(pattern_threshold=5)
    rng = random.Random(failures)
    for n in range(failures):  # one type, several operations, messages that mostly differ
        operation = ("update", "display", "log")[n % 3]
        message = rng.choice(["token expired", f"video {random_id(rng)} gone", f"id {random_id(rng)}"])
        aggregator.record_error(PermissionError(message), plugin_id="calendar", operation=operation)
        clock.advance(0.5)
    seed = Thresholds(5, 0.2).severity(failures, None)  # the seed: one pattern for the type
    worst = max(Thresholds(5, 0.2).severity(p.count, None) for p in aggregator.active_patterns())
    assert worst >= seed


def test_a_fingerprint_of_the_callers_choosing_is_not_rolled_up(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=3)
    for n in range(6):
        aggregator.record_error(ValueError(f"x {n}"), plugin_id="p", fingerprint=f"group-{n}")
    assert aggregator.active_patterns() == []


def test_roll_up_keys_cannot_be_mistaken_for_a_plugin_named_like_them() -> None:
    clock = ManualClock()
    aggregator = ErrorAggregator(pattern_threshold=2, clock=clock)
    for n in range(2):
        aggregator.record_error(ValueError(f"a {random_id(random.Random(n))}"), plugin_id="rollup")
    (pattern,) = aggregator.active_patterns()
    assert pattern.plugin_id == "rollup" and pattern.key.startswith("rollup/ValueError/*/")
    aggregator.close()
