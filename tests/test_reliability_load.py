"""Load: many threads recording while others read summaries and the plugin draws at 125 frames/s.
Counts are exact, nothing is lost, frame time stays within 20% at p99, memory is flat after warm-up.

About the frame-time tolerance. A frame is ~0.1 ms of an 8 ms budget, and CPython runs one thread
at a time, so recording beside the renderer can delay a frame by about one ``record_error`` call
(tens of µs). The test uses a storm that is heavy for LEDMatrix (500 records/s from 8 threads, far
above what its plugins produce) yet light enough for 20% to be a real property rather than noise;
``benchmarks/reliability.py`` reports the highest rate at which the 20% still holds on the machine
at hand. The comparison interleaves 20 pairs of windows of 30 frames with and without the load
(the same threads wake at the same pace either way, idle when off) and takes the median over the
pairs of the p99 ratio. Measured on a quiet 2-core machine, that figure lies within 0.90-1.09 when
the two halves are identical and 0.90-1.03 at 500 records/s; a burst of outside CPU load spoils a
measurement now and then (1.76 once in eight), so the test passes if one of three measurements
holds: a regression that makes the frames 20% slower at p99 under this load fails all three. Smaller
ones are below what timing can resolve here (a record_error made ten times slower showed in one
measurement of three), hence the exact check that a frame never waits for the aggregator.
"""

from __future__ import annotations

import json
import logging
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hostdoubles import FakeCacheManager, FakeDisplayManager, FakePluginManager
from stress import FPS, memory_checkpoints, run_load

from error_status import ErrorStatusPlugin
from error_status.aggregator import ErrorAggregator, PatternEvent
from error_status.aggregator.limits import Limits
from error_status.ledmatrix.logs import attach_log_handler, detach_log_handler

Build = Callable[..., ErrorAggregator]
RATE = 500.0
TOLERANCE = 1.2
FLAT = 16 * 1024  # bytes over 4000 records: < 4 bytes a record (a leak of one int a record is 128 kB)


def test_recording_beside_the_renderer_loses_nothing_and_keeps_the_frame_time() -> None:
    report = run_load(RATE)
    for _ in range(2):  # see the module docstring
        if report.ratio <= TOLERANCE:
            break
        report = run_load(RATE)
    assert report.recorded > 0 and report.lost == 0
    assert report.by_plugin_counted == report.by_plugin_expected
    assert report.rate >= 0.8 * RATE, f"the load was not sustained: {report.rate:.0f} records/s"
    assert report.events_dropped == 0 and report.summaries > 0
    assert report.alerts_shown == set(report.by_plugin_expected), "a failing plugin is not on the board"
    assert report.ratio <= TOLERANCE, (
        f"p99 frame time rose {report.ratio:.2f}x under load (without: "
        f"{[round(t * 1e6) for t in report.p99_off]} µs, with: {[round(t * 1e6) for t in report.p99_on]} µs)")
    assert report.redraws and statistics.median(report.redraws) < 1.0 / FPS  # a redraw fits in a frame


def test_a_frame_never_waits_for_the_aggregator() -> None:
    """The statistical check above cannot see a small regression; this one is exact: with the
    aggregator's lock held for 1.5 s (a recorder or subscriber stuck inside it), past the point
    where ``display()`` tries to run the feeder's cycle itself, frames keep coming on time."""
    display = FakeDisplayManager(128, 32)
    plugin = ErrorStatusPlugin("error-status", {"pattern_threshold": 2}, display, FakeCacheManager(),
                               FakePluginManager(), service_options={"host_module": lambda: None})
    service = plugin._driver
    assert service is not None
    for _ in range(3):
        service.aggregator.record_error(TimeoutError("read timed out"), plugin_id="weather")
    service.cycle()
    assert plugin.display(force_clear=True) is True  # the first frame of a scene loads its fonts
    held, release = threading.Event(), threading.Event()

    def stuck() -> None:
        with service.aggregator._lock:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=stuck)
    thread.start()
    times = []
    try:
        assert held.wait(5)
        until = time.monotonic() + 1.5
        while time.monotonic() < until:
            began = time.perf_counter()
            assert plugin.display() is True
            times.append(time.perf_counter() - began)
            time.sleep(1.0 / FPS)
    finally:
        release.set()
        thread.join()
        plugin.cleanup()
    assert len(times) > 100 and len(display.pushed) >= len(times)
    assert statistics.median(times) < 0.001 and max(times) < 0.05, f"a frame waited {max(times):.3f}s"


def test_every_source_recording_at_once_counts_exactly(make_aggregator: Build, tmp_path: Path) -> None:
    limits = Limits(max_patterns=64, max_pending_events=100_000)
    aggregator = make_aggregator(max_records=500, pattern_threshold=3, limits=limits)
    events = aggregator.subscribe(name="audit")
    handler = attach_log_handler(aggregator, logging.getLogger("plugin"))
    per_thread, expected = 1000, Counter[str]()
    failures: list[BaseException] = []
    done = threading.Event()

    def raising(n: int) -> None:
        for i in range(per_thread):
            try:
                raise KeyError(f"k{i % 50}")
            except KeyError as error:
                aggregator.record_error(error, plugin_id=f"raise-{n}", operation="update")

    def ingesting(n: int) -> None:
        for i in range(per_thread):
            aggregator.ingest("HostError", f"host said {i}", plugin_id=f"host-{n}")

    def logging_(n: int) -> None:
        log = logging.getLogger(f"plugin.log-{n}")
        for i in range(per_thread):
            log.error("fetch %d failed: password=%s", i, "hunter2")

    def reading() -> None:
        rounds = 0
        while not done.is_set() or not rounds:
            aggregator.get_error_summary()
            aggregator.get_plugin_health("raise-0")
            aggregator.active_patterns()
            if rounds % 25 == 0:
                aggregator.export_to_file(tmp_path / "during.json")
            rounds += 1

    workers = [(raising, n, f"raise-{n}") for n in range(3)] + [(ingesting, n, f"host-{n}") for n in range(2)]
    workers += [(logging_, n, f"log-{n}") for n in range(2)]

    def guarded(target: Callable[..., None], *args: object) -> None:
        try:
            target(*args)
        except BaseException as error:  # collected, so that a thread's failure fails the test
            failures.append(error)

    threads = [threading.Thread(target=guarded, args=(target, n)) for target, n, _ in workers]
    readers = [threading.Thread(target=guarded, args=(reading,)) for _ in range(2)]
    try:
        for thread in threads + readers:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        for thread in readers:
            thread.join()
    finally:
        detach_log_handler(handler)
    for _, _, plugin in workers:
        expected[plugin] = per_thread
    assert not failures
    summary = aggregator.get_error_summary()
    assert {p: sum(t.values()) for p, t in summary["plugin_error_counts"].items()} == dict(expected)
    assert sum(summary["error_counts_by_type"].values()) == sum(expected.values())
    assert summary["total_errors"] == 500 and handler.recorded == 2 * per_thread
    assert "hunter2" not in json.dumps(summary)
    drained: list[PatternEvent] = events.drain()
    sequences = [event.sequence for event in drained]
    assert sequences == sorted(set(sequences)), "events were duplicated or reordered"
    assert aggregator.stats()["events_dropped"] == 0 and aggregator.stats()["internal_errors"] == 0
    assert json.loads((tmp_path / "during.json").read_text("utf-8"))["summary"]["total_errors"] <= 500


def test_memory_is_flat_after_warm_up() -> None:
    marks = memory_checkpoints(checkpoints=3, per_checkpoint=4000)
    growth = marks[-1] - marks[-2]
    assert growth < FLAT, f"traced memory grew {growth} bytes over 4000 records (checkpoints {marks})"
