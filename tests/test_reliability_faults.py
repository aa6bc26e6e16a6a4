"""Faults around the aggregator: hostile subscribers, export failures (missing or read-only
directory, full disk), a broken saved snapshot, writers killed mid-write, a wall clock stepped by a
year. Recording goes on, counts stay exact, files are always whole, nothing fires by accident."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hostdoubles import FakeDisplayManager, FakePluginManager
from hostile import BROKEN_STATES, FAULTS, BrokenCache
from stress import YEAR, kill_during_writes, wall_clock_trial

from error_status import ErrorStatusPlugin
from error_status.aggregator import ErrorAggregator, EventKind, PatternEvent, export
from error_status.board.saved_state import validate_state
from error_status.clock import ManualClock
from error_status.ledmatrix.persistence import StatePersistence

Build = Callable[..., ErrorAggregator]
KEY = "error-status:state"
TRIALS = 3
KILL_TRIALS = 30  # ~2 s; benchmarks/reliability.py --soak runs thousands


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_raising_blocking_and_recording_subscribers_all_at_once(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=2)
    release, good, feedback = threading.Event(), [], []

    def raises(event: PatternEvent) -> None:
        raise RuntimeError("subscriber bug")

    def records(event: PatternEvent) -> None:  # records an error of its own for each event
        feedback.append(aggregator.record_error(ValueError("seen"), plugin_id="observer"))

    aggregator.subscribe(raises)
    aggregator.on_pattern_detected(lambda pattern: 1 / 0)
    aggregator.subscribe(lambda event: release.wait(10), name="blocks for seconds")
    aggregator.subscribe(records)
    aggregator.subscribe(good.append, kinds=[EventKind.DETECTED])
    slowest = [0.0]

    def work(n: int) -> None:
        for i in range(200):
            started = time.perf_counter()
            aggregator.record_error(TimeoutError(f"t{i}"), plugin_id=f"plugin-{n}-{i % 10}")
            slowest[0] = max(slowest[0], time.perf_counter() - started)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_for(lambda: len(good) >= 40)
    finally:
        release.set()
    settle(feedback)  # the recording subscriber runs on its own thread: let it finish first
    assert slowest[0] < 0.5, f"a record_error call waited {slowest[0]:.2f}s for subscribers"
    assert sorted(e.pattern.plugin_id or "" for e in good if e.pattern.plugin_id != "observer") == sorted(
        f"plugin-{n}-{i}" for n in range(4) for i in range(10))
    summary = aggregator.get_error_summary()
    assert summary["plugin_error_counts"]["plugin-0-0"] == {"TimeoutError": 20}
    assert sum(summary["error_counts_by_type"].values()) == 800 + len(feedback)
    assert aggregator.stats()["subscriber_failures"] >= 40 and aggregator.stats()["internal_errors"] == 0


def settle(items: list[object], quiet: float = 0.3, limit: float = 10.0) -> None:
    """Wait until ``items`` has stopped growing for ``quiet`` seconds."""
    deadline = time.monotonic() + limit
    size, since = len(items), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.02)
        if len(items) != size:
            size, since = len(items), time.monotonic()


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failed_export_keeps_the_old_file_and_leaves_no_debris(fault: str, make_aggregator: Build,
                                                                 tmp_path: Path) -> None:
    aggregator = make_aggregator()
    aggregator.record_error(ValueError("first"), plugin_id="p")
    target = tmp_path / "errors_manual.json"
    aggregator.export_to_file(target)
    old = target.read_bytes()
    for _ in range(TRIALS):
        aggregator.record_error(ValueError("more"), plugin_id="p")
        with pytest.MonkeyPatch.context() as patch:
            FAULTS[fault](patch)
            with pytest.raises(OSError):
                aggregator.export_to_file(target)
        assert target.read_bytes() == old
        assert [p.name for p in tmp_path.iterdir()] == [target.name], "a temporary file was left"
    aggregator.export_to_file(target)  # the fault is gone: exporting works again
    assert json.loads(target.read_text("utf-8"))["summary"]["total_errors"] == 1 + TRIALS


def test_automatic_export_survives_every_fault_and_recovers(make_aggregator: Build, clock: ManualClock,
                                                            tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    directory = tmp_path / "missing" / "exports"
    aggregator = make_aggregator(pattern_threshold=1, export_path=directory, export_min_interval=0.001)
    stats = aggregator.stats
    aggregator.record_error(ValueError("x"), plugin_id="first")
    wait_for(lambda: stats()["exports_written"] == 1)
    assert directory.is_dir()  # created when missing
    for n, fault in enumerate([*FAULTS, "directory removed", "directory is a file"]):
        with pytest.MonkeyPatch.context() as patch:
            if fault in FAULTS:
                FAULTS[fault](patch)
            else:
                for path in directory.iterdir():
                    path.unlink()
                directory.rmdir()
                if fault == "directory is a file":
                    directory.write_text("in the way")
            clock.advance(1.0)
            started = time.perf_counter()
            aggregator.record_error(ValueError("x"), plugin_id=f"plugin-{n}")  # a new pattern: export
            assert time.perf_counter() - started < 0.2, "record_error waited for the export"
            if fault == "directory removed":
                wait_for(lambda: stats()["exports_written"] == 2)  # recreated
            else:
                wait_for(lambda n=n: stats()["exports_failed"] >= n + 1 - (n > len(FAULTS)))
        if fault == "directory is a file":
            directory.unlink()
    assert "Auto-export" in caplog.text
    aggregator.record_error(ValueError("x"), plugin_id="after")
    wait_for(lambda: stats()["exports_written"] == 3)
    assert not [p for p in directory.iterdir() if p.name.endswith(".tmp")]
    assert sum(aggregator.get_error_summary()["error_counts_by_type"].values()) == len(FAULTS) + 4


@pytest.mark.parametrize("label", list(BROKEN_STATES))
def test_a_broken_saved_snapshot_is_ignored_then_replaced(label: str, clock: ManualClock,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    cache = BrokenCache(BROKEN_STATES[label])
    assert StatePersistence(cache, KEY, clock=clock).load() is None
    assert "error-status" in caplog.text  # a warning says why
    options = {"clock": clock, "host_module": lambda: None, "poll_interval": 3600.0}
    plugin = ErrorStatusPlugin("error-status", {"pattern_threshold": 3}, FakeDisplayManager(64, 32), cache,
                               FakePluginManager(), service_options=options)
    try:
        assert plugin.display(force_clear=True) is True
        service = plugin._driver
        assert service is not None and service.snapshot.all_clear
        for _ in range(3):
            service.aggregator.record_error(TimeoutError("read timed out"), plugin_id="weather")
        clock.advance(11.0)
        service.cycle()
        assert plugin.display() is True and not service.snapshot.all_clear
    finally:
        plugin.cleanup()
    saved = validate_state(cache.store[KEY]["data"])  # a whole, current snapshot replaced the broken one
    assert [p["plugin_id"] for p in saved["patterns"]] == ["weather"]


def test_writers_killed_at_random_points_leave_the_old_or_the_new_file(tmp_path: Path) -> None:
    report = kill_during_writes(tmp_path, KILL_TRIALS)
    assert report.trials == KILL_TRIALS
    assert report.intact == KILL_TRIALS, report.broken
    # what the killed writers left is removed by the next automatic export once it is stale
    for temp in tmp_path.glob(".*.tmp"):
        os.utime(temp, (time.time() - 2 * export.STALE_TEMP_SECONDS,) * 2)
    fresh = tmp_path / f".errors_fresh{export.EXPORT_SUFFIX}.x.tmp"
    fresh.write_text("{")
    exporter = export.AutoExporter(tmp_path, lambda path: export.write_json_atomic(path, {}), 0.001)
    exporter.request()
    wait_for(lambda: exporter.written == 1)
    exporter.close()
    assert sorted(p.name for p in tmp_path.glob(".*.tmp")) == [fresh.name]


def test_a_wall_clock_stepped_a_year_fires_resolves_and_expires_nothing() -> None:
    assert wall_clock_trial((YEAR, -2 * YEAR, YEAR, -YEAR)) == []
    assert wall_clock_trial((-YEAR, -YEAR, 3 * YEAR)) == []


def test_a_wall_clock_stepped_back_keeps_the_newest_export(make_aggregator: Build, clock: ManualClock,
                                                           tmp_path: Path) -> None:
    aggregator = make_aggregator(pattern_threshold=1, export_path=tmp_path, export_min_interval=0.001)
    for n in range(export.EXPORT_KEEP + 2):
        aggregator.record_error(ValueError("x"), plugin_id=f"before-{n}")
        wait_for(lambda n=n: aggregator.stats()["exports_written"] == n + 1)
        clock.advance(1.0)
    clock.step_wall(-YEAR)
    aggregator.record_error(ValueError("x"), plugin_id="after-the-step")
    wait_for(lambda: aggregator.stats()["exports_written"] == export.EXPORT_KEEP + 3)
    files = sorted(tmp_path.glob("errors_*.json"))
    assert len(files) == export.EXPORT_KEEP
    newest = json.loads(files[0].read_text("utf-8"))  # named a year earlier than all the others
    assert "after-the-step" in newest["summary"]["plugin_error_counts"]


def test_pruning_never_touches_files_another_writer_named_like_ours(
        make_aggregator: Build, clock: ManualClock, tmp_path: Path) -> None:
    theirs = [tmp_path / "errors_20200101_000000.json", tmp_path / ".errors_old.json.x.tmp"]
    for path in theirs:
        path.write_text("{}")
        os.utime(path, (time.time() - 2 * export.STALE_TEMP_SECONDS,) * 2)
    aggregator = make_aggregator(pattern_threshold=1, export_path=tmp_path, export_min_interval=0.001)
    for n in range(export.EXPORT_KEEP + 3):
        aggregator.record_error(ValueError("x"), plugin_id=f"p{n}")
        wait_for(lambda n=n: aggregator.stats()["exports_written"] == n + 1)
        clock.advance(1.0)
    assert all(path.exists() for path in theirs)
    ours = getattr(export, "EXPORT_SUFFIX", ".json")  # (the code before the fix had no marker)
    assert len([p for p in tmp_path.glob(f"errors_*{ours}") if p not in theirs]) == export.EXPORT_KEEP
