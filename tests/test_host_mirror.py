"""Mirroring the host's aggregator is exact, and replacing it carries everything over."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hostdoubles import SEED_STACK_TRACE, SeedAggregator, SummaryOnlyAggregator, make_seed_module

import error_status.ledmatrix.wake as host_module
from error_status.aggregator import ErrorAggregator
from error_status.ledmatrix.install import install_as_host_aggregator
from error_status.ledmatrix.mirror import NO_DETAILS, HostMirror

Build = Callable[..., ErrorAggregator]


class PluginTimeoutError(Exception):
    pass


def counts(aggregator: ErrorAggregator) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    summary = aggregator.get_error_summary()
    return summary["error_counts_by_type"], summary["plugin_error_counts"]


def host_counts(seed: SeedAggregator) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    return dict(seed._error_counts), {p: dict(t) for p, t in seed._plugin_error_counts.items()}


def records(aggregator: ErrorAggregator) -> list[Any]:
    with aggregator._lock:
        return list(aggregator._records)


@pytest.fixture
def ours(make_aggregator: Build) -> ErrorAggregator:
    return make_aggregator(pattern_threshold=1000, max_records=100_000)


# ---------------------------------------------------------------------- baseline and details


def test_first_poll_is_the_baseline_and_later_increments_carry_details(ours: ErrorAggregator) -> None:
    seed = SeedAggregator()
    for _ in range(3):
        seed.record_error(ValueError("old"), plugin_id="weather", operation="execute")
    mirror = HostMirror(seed, ours)
    assert mirror.poll() == 0 and mirror.baselined
    assert counts(ours) == ({}, {})
    seed.record_error(PluginTimeoutError("plugin clock operation timed out after 30s"), plugin_id="clock",
                      operation="timeout")
    seed.record_error(KeyError("temp"), context={"city": "Oslo"}, plugin_id="weather", operation="execute")
    assert mirror.poll() == 2
    assert mirror.poll() == 0
    assert counts(ours) == ({"PluginTimeoutError": 1, "KeyError": 1},
                            {"clock": {"PluginTimeoutError": 1}, "weather": {"KeyError": 1}})
    timeout, key_error = records(ours)
    assert (timeout.plugin_id, timeout.operation) == ("clock", "timeout")
    assert timeout.message == "plugin clock operation timed out after 30s"
    assert key_error.message == "'temp'"
    assert key_error.context == {"source": "host", "city": "Oslo"}
    assert timeout.stack_trace is None and key_error.stack_trace is None  # 'NoneType: None\n' dropped
    assert seed._records[-1].stack_trace == SEED_STACK_TRACE


def test_replay_existing_feeds_the_history_on_the_first_poll(ours: ErrorAggregator) -> None:
    seed = SeedAggregator()
    for plugin in ("a", "b", "a"):
        seed.record_error(ValueError("x"), plugin_id=plugin)
    assert HostMirror(seed, ours, replay_existing=True).poll() == 3
    assert counts(ours) == ({"ValueError": 3}, {"a": {"ValueError": 2}, "b": {"ValueError": 1}})


def test_records_without_plugin_count_by_type_only(ours: ErrorAggregator) -> None:
    seed = SeedAggregator()
    mirror = HostMirror(seed, ours)
    mirror.poll()
    seed.record_error(OSError("disk"))
    seed.record_error(OSError("disk"), plugin_id="")  # falsy: the host does not count it per plugin
    seed.record_error(OSError("disk"), plugin_id="weather")
    assert mirror.poll() == 3
    assert counts(ours) == ({"OSError": 3}, {"weather": {"OSError": 1}})
    assert [r.plugin_id for r in records(ours)] == [None, None, "weather"]


def test_overflow_beyond_max_records_is_fed_from_the_counts(ours: ErrorAggregator) -> None:
    seed = SeedAggregator(max_records=5)
    mirror = HostMirror(seed, ours)
    mirror.poll()
    for i in range(7):
        seed.record_error(ValueError(f"v{i}"), plugin_id="a")
    for i in range(5):
        seed.record_error(KeyError(f"k{i}"), plugin_id="b" if i % 2 else None)
    assert mirror.poll() == 12
    assert counts(ours) == host_counts(seed)
    kept = records(ours)
    assert [r.message for r in kept[:7]] == [NO_DETAILS] * 7
    assert [r.message for r in kept[7:]] == [f"'k{i}'" for i in range(5)]


def test_backlog_beyond_max_per_poll_is_fed_by_later_polls(ours: ErrorAggregator) -> None:
    seed = SeedAggregator(max_records=5)
    mirror = HostMirror(seed, ours, max_per_poll=10)
    mirror.poll()
    for _ in range(30):
        seed.record_error(ValueError("v"), plugin_id="a")
    assert (mirror.poll(), mirror.backlog) == (15, 15)
    assert (mirror.poll(), mirror.backlog) == (10, 5)
    assert (mirror.poll(), mirror.backlog) == (5, 0)
    assert counts(ours) == host_counts(seed)


def test_exact_under_concurrent_recording(ours: ErrorAggregator) -> None:
    seed = SeedAggregator(max_records=40, pattern_threshold=10**9)
    mirror = HostMirror(seed, ours)
    mirror.poll()
    errors = [ValueError, KeyError, OSError]
    per_thread = 600

    def record(worker: int) -> None:
        for i in range(per_thread):
            plugin = None if i % 7 == 0 else f"plugin-{(worker + i) % 4}"
            seed.record_error(errors[(worker * i) % 3](f"w{worker} #{i}"), plugin_id=plugin,
                              operation="execute")
            if i % 50 == 0:
                time.sleep(0.0005)  # let the poller in between

    workers = [threading.Thread(target=record, args=(w,)) for w in range(6)]
    polls: list[int] = []
    done = threading.Event()

    def poll_until_done() -> None:
        while not done.is_set():
            polls.append(mirror.poll())

    poller = threading.Thread(target=poll_until_done)
    poller.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    done.set()
    poller.join()
    polls.append(mirror.poll())
    assert sum(polls) == mirror.fed == 6 * per_thread
    assert len([p for p in polls if p]) > 1, "the poller should have overlapped the recording"
    assert counts(ours) == host_counts(seed)
    assert mirror.failures == 0 and mirror.backlog == 0
    detailed = [r for r in records(ours) if r.message != NO_DETAILS]
    assert len({r.message for r in detailed}) == len(detailed), "a detailed record was fed twice"


def test_summary_fallback_when_private_state_is_missing(ours: ErrorAggregator) -> None:
    seed = SeedAggregator()
    mirror = HostMirror(SummaryOnlyAggregator(seed), ours)
    seed.record_error(ValueError("before"), plugin_id="a")
    mirror.poll()
    for i in range(25):
        seed.record_error(KeyError(f"k{i}"), plugin_id="b" if i % 2 else None, operation="execute")
    assert mirror.poll() == 25
    assert counts(ours) == ({"KeyError": 25}, {"b": {"KeyError": 12}})
    messages = [r.message for r in records(ours)]
    assert messages[:5] == [NO_DETAILS] * 5  # recent_errors holds the last 20
    assert messages[5:] == [f"'k{i}'" for i in range(5, 25)]


# ---------------------------------------------------------------------- robustness


def test_poll_never_raises_and_counts_failures(ours: ErrorAggregator) -> None:
    broken = SeedAggregator()
    broken._error_counts["X"] = "many"  # type: ignore[assignment]
    mirror = HostMirror(broken, ours)
    assert mirror.poll() == 0 and mirror.failures == 1
    nothing = HostMirror(object(), ours)
    assert nothing.poll() == 0 and nothing.failures == 1
    assert nothing.attach(lambda: None) is False


def test_busy_host_lock_skips_the_poll_without_losing_anything(ours: ErrorAggregator) -> None:
    seed = SeedAggregator()
    mirror = HostMirror(seed, ours, lock_timeout=0.01)
    mirror.poll()
    seed.record_error(ValueError("x"), plugin_id="a")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with seed._lock:
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        assert mirror.poll() == 0 and mirror.skipped == 1
    finally:
        release.set()
        holder.join()
    assert mirror.poll() == 1


def test_mirroring_ourselves_is_a_no_op(ours: ErrorAggregator) -> None:
    ours.record_error(ValueError("x"), plugin_id="a")
    mirror = HostMirror(ours, ours, replay_existing=True)
    assert mirror.poll() == 0 and mirror.attach(lambda: None) is False
    assert counts(ours)[0] == {"ValueError": 1}


# ---------------------------------------------------------------------- wake-ups


def burst(seed: SeedAggregator, error_type: type[Exception], times: int = 5) -> None:
    for _ in range(times):
        seed.record_error(error_type("x"), plugin_id="p")


def test_one_callback_per_host_however_many_mirrors_attach(make_aggregator: Build) -> None:
    seed = SeedAggregator()
    events = [threading.Event() for _ in range(16)]
    mirrors = [HostMirror(seed, make_aggregator()) for _ in events]
    assert all(m.attach(e.set) for m, e in zip(mirrors, events, strict=True))
    assert len(seed._pattern_callbacks) == 1
    assert all(m.baselined for m in mirrors)
    burst(seed, ValueError)
    assert all(e.is_set() for e in events)
    assert all(m.pending for m in mirrors)
    assert mirrors[0].poll() == 5 and not mirrors[0].pending


def test_another_copy_of_the_module_reuses_the_registered_callback(ours: ErrorAggregator,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seed = SeedAggregator()
    HostMirror(seed, ours).attach(lambda: None)
    monkeypatch.setattr(host_module, "_dispatchers", {})  # what a second import of the module sees
    woken = threading.Event()
    mirror = HostMirror(seed, ours)
    assert mirror.attach(woken.set)
    assert len(seed._pattern_callbacks) == 1
    burst(seed, KeyError)
    assert woken.is_set()


def test_harmless_after_detach_and_after_the_mirror_is_gone(ours: ErrorAggregator,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    seed = SeedAggregator()
    calls: list[str] = []
    kept = HostMirror(seed, ours)
    kept.attach(lambda: calls.append("kept"))
    dropped = HostMirror(seed, ours)
    dropped.attach(lambda: calls.append("dropped"))
    kept.detach()
    kept.detach()
    del dropped
    gc.collect()
    with caplog.at_level(logging.ERROR, logger="src.error_aggregator"):
        burst(seed, ValueError)
    assert calls == []
    assert not [r for r in caplog.records if "callback failed" in r.getMessage()]
    [dispatcher] = seed._pattern_callbacks
    assert dispatcher.calls == 1 and dispatcher.listeners == 0  # type: ignore[attr-defined]


def test_a_raising_wake_is_contained(ours: ErrorAggregator, caplog: pytest.LogCaptureFixture) -> None:
    seed = SeedAggregator()
    mirror = HostMirror(seed, ours)

    def wake() -> None:
        raise RuntimeError("wake bug")

    mirror.attach(wake)
    with caplog.at_level(logging.ERROR, logger="src.error_aggregator"):
        burst(seed, ValueError)
    assert mirror.pending
    assert not [r for r in caplog.records if "callback failed" in r.getMessage()]


def test_attach_again_replaces_the_wake(ours: ErrorAggregator) -> None:
    seed = SeedAggregator()
    calls: list[str] = []
    mirror = HostMirror(seed, ours)
    mirror.attach(lambda: calls.append("first"))
    mirror.attach(lambda: calls.append("second"))
    burst(seed, ValueError)
    assert calls == ["second"]


# ---------------------------------------------------------------------- installing ours


def wait_for(predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def test_install_carries_records_and_callbacks_and_uninstall_restores(make_aggregator: Build) -> None:
    ours = make_aggregator(pattern_threshold=3)
    seed = SeedAggregator()
    module = make_seed_module(seed)
    announced: list[Any] = []
    seed.on_pattern_detected(announced.append)
    HostMirror(seed, ours).attach(lambda: None)  # our dispatcher is not carried over
    for _ in range(2):
        module.record_error(ValueError("old"), plugin_id="weather", operation="execute")
    uninstall = install_as_host_aggregator(module, ours)
    assert module.get_error_aggregator() is ours
    assert counts(ours) == ({"ValueError": 2}, {"weather": {"ValueError": 2}})
    assert ours.stats()["subscribers"] == 1
    for _ in range(3):
        module.record_error(KeyError("new"), plugin_id="clock", operation="execute")
    assert wait_for(lambda: len(announced) == 1)
    assert announced[0].error_type == "KeyError" and announced[0].plugin_id == "clock"
    assert len(seed._records) == 2
    uninstall()
    uninstall()
    assert module.get_error_aggregator() is seed
    assert ours.stats()["subscribers"] == 0


def test_install_is_idempotent(ours: ErrorAggregator) -> None:
    seed = SeedAggregator()
    seed.record_error(ValueError("x"), plugin_id="a")
    module = make_seed_module(seed)
    first = install_as_host_aggregator(module, ours)
    second = install_as_host_aggregator(module, ours)
    assert first == second
    assert counts(ours)[0] == {"ValueError": 1}
    second()
    assert module._error_aggregator is seed


def test_install_another_aggregator_replaces_the_first(make_aggregator: Build) -> None:
    seed = SeedAggregator()
    module = make_seed_module(seed)
    first, second = make_aggregator(), make_aggregator()
    install_as_host_aggregator(module, first)
    uninstall = install_as_host_aggregator(module, second)
    assert module._error_aggregator is second
    uninstall()
    assert module._error_aggregator is seed


def test_install_before_the_host_created_its_singleton(ours: ErrorAggregator) -> None:
    module = make_seed_module(None)
    uninstall = install_as_host_aggregator(module, ours)
    module.record_error(ValueError("x"), plugin_id="a")
    assert counts(ours)[0] == {"ValueError": 1}
    uninstall()
    assert module._error_aggregator is None


def test_install_with_a_mirror_carries_only_what_it_had_not_fed(ours: ErrorAggregator) -> None:
    seed = SeedAggregator()
    module = make_seed_module(seed)
    module.record_error(ValueError("history"), plugin_id="a")
    mirror = HostMirror(seed, ours)
    woken: list[int] = []
    mirror.attach(lambda: woken.append(1))
    module.record_error(ValueError("fed"), plugin_id="a")
    assert mirror.poll() == 1
    module.record_error(KeyError("not yet fed"), plugin_id="a")
    uninstall = install_as_host_aggregator(module, ours, mirror=mirror)
    assert counts(ours) == ({"ValueError": 1, "KeyError": 1}, {"a": {"ValueError": 1, "KeyError": 1}})
    burst(seed, OSError)
    assert woken == []  # the mirror was detached
    uninstall()


def test_install_replays_overflowed_history_from_the_counts(ours: ErrorAggregator) -> None:
    seed = SeedAggregator(max_records=3)
    for i in range(8):
        seed.record_error(ValueError(f"v{i}"), plugin_id="a")
    uninstall = install_as_host_aggregator(make_seed_module(seed), ours)
    assert counts(ours) == ({"ValueError": 8}, {"a": {"ValueError": 8}})
    assert [r.message for r in records(ours)] == [NO_DETAILS] * 5 + ["v5", "v6", "v7"]
    uninstall()
