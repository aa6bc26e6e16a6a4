"""The web UI's buttons: requests through the shared cache, applied once each by the display, whatever
the web side writes; acknowledge, snooze, test alert and clear history; their state survives a
restart; the scripts answer JSON as the host runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hostdoubles import FakeCacheManager, FakeDisplayManager, FakePluginManager, SeedAggregator

from error_status import ErrorStatusPlugin
from error_status.clock import ManualClock
from error_status.ledmatrix import web_actions
from error_status.ledmatrix.requests import MAX_AGE, MAX_REQUESTS, REQUESTS_KEY, STATUS_KEY, RequestInbox
from error_status.ledmatrix.web_actions import FileCache, send
from error_status.model import Severity

ROOT = Path(__file__).resolve().parents[1]


class Panel:
    """A plugin as the host runs it, with a host aggregator to fail into and a shared cache."""

    def __init__(self, clock: ManualClock, cache: Any) -> None:
        self.clock = clock
        self.cache = cache
        self.host = SeedAggregator()
        module = type("host", (), {"get_error_aggregator": staticmethod(lambda: self.host)})
        self.display = FakeDisplayManager(64, 32)
        self.plugin = ErrorStatusPlugin(
            plugin_id="error-status", config={"pattern_threshold": 2}, display_manager=self.display,
            cache_manager=cache, plugin_manager=FakePluginManager(),
            service_options={"clock": clock, "host_module": lambda: module, "poll_interval": 3600.0})

    @property
    def driver(self) -> Any:
        return self.plugin._driver

    def cycle(self) -> None:
        self.clock.advance(1.1)  # past the health interval, when requests are read
        self.driver.cycle(block=True)

    def fail(self, plugin: str, times: int = 3, severity_extra: int = 0) -> None:
        for _ in range(times + severity_extra):
            try:
                raise TimeoutError("Read timed out")
            except TimeoutError as error:
                self.host.record_error(error, plugin_id=plugin, operation="execute")

    def close(self) -> None:
        self.plugin.cleanup()


@pytest.fixture
def panel(clock: ManualClock) -> Any:
    made = Panel(clock, FakeCacheManager(now=clock.wall))
    yield made
    made.close()


def ask(panel: Panel, action: str) -> dict[str, Any]:
    """What a button does: send the request, let the display run, read its answer."""
    request_id = send(panel.cache, action, panel.clock.wall())
    panel.cycle()
    document = web_actions.wait_applied(panel.cache, request_id, 0.0)
    return web_actions.answer(action, document)


# ---------------------------------------------------------------------- the channel


def test_each_request_is_applied_once_and_garbage_or_stale_ones_never() -> None:
    cache, now = FakeCacheManager(), 10_000.0
    inbox = RequestInbox(cache)
    cache.set(REQUESTS_KEY, {"requests": [
        {"id": "a", "action": "acknowledge", "at": now}, "junk", {"id": 5, "action": "snooze", "at": now},
        {"id": "old", "action": "snooze", "at": now - MAX_AGE - 1},
        {"id": "what", "action": "rm -rf", "at": now},
        {"id": "b", "action": "snooze", "at": "now"}, {"id": "c", "action": "test-alert", "at": now}]})
    assert [r.id for r in inbox.take(now)] == ["a", "c"]
    assert inbox.take(now) == []  # applied once
    assert set(inbox.applied) >= {"a", "c", "old", "what", "b"}
    restarted = RequestInbox(cache, inbox.applied)
    assert restarted.take(now) == []  # and not again after a restart


@pytest.mark.parametrize("raw", [None, 0, "x" * 10_000, [], {"requests": {"a": 1}},
                                 {"requests": [[1] * 10_000]}])
def test_whatever_the_cache_holds_the_inbox_survives(raw: object) -> None:
    cache = FakeCacheManager()
    cache.store[REQUESTS_KEY] = {"data": raw, "timestamp": time.time()}
    assert RequestInbox(cache).take(time.time()) == []


def test_a_flood_of_requests_is_bounded() -> None:
    cache, now = FakeCacheManager(), 10_000.0
    cache.set(REQUESTS_KEY, {"requests": [{"id": f"r{n}", "action": "acknowledge", "at": now}
                                          for n in range(10_000)]})
    assert len(RequestInbox(cache).take(now)) == MAX_REQUESTS
    for _ in range(100):
        send(cache, "snooze", now)
    assert len(cache.get(REQUESTS_KEY)["requests"]) == MAX_REQUESTS  # the writer keeps the list short


def test_a_cache_that_raises_does_not_stop_the_inbox() -> None:
    class Broken:
        def get(self, *args: Any, **kwargs: Any) -> Any:
            raise OSError("disk gone")

    inbox = RequestInbox(Broken())
    assert inbox.take(0.0) == [] and inbox.failures == 1


# ---------------------------------------------------------------------- the actions, through the channel


def test_acknowledge_hides_the_active_alerts_until_one_gets_worse(panel: Panel) -> None:
    panel.fail("weather")
    panel.cycle()
    assert [a.plugin_id for a in panel.driver.snapshot.alerts] == ["weather"]
    answer = ask(panel, "acknowledge")
    assert answer["status"] == "success" and answer["applied"] is True
    assert panel.driver.snapshot.alerts == () and panel.driver.snapshot.muted == 1
    panel.fail("weather", 2)  # 5 in the window: an error now, worse than when acknowledged
    panel.cycle()
    assert [a.severity for a in panel.driver.snapshot.alerts] == [Severity.ERROR]


def test_snooze_shows_nothing_but_critical_and_the_turn_is_skipped(panel: Panel) -> None:
    panel.fail("weather")
    panel.cycle()
    ask(panel, "snooze")
    snapshot = panel.driver.snapshot
    assert snapshot.snoozed and snapshot.alerts == ()
    assert panel.plugin.display(force_clear=True) is False
    answered = ask(panel, "test-alert")  # snoozed: the answer says it does not show
    message = answered["message"]
    assert answered["applied"] and "snoozed" in message and "on the panel" not in message
    panel.fail("news", 7)  # critical
    panel.cycle()
    assert [a.plugin_id for a in panel.driver.snapshot.alerts] == ["news"]
    assert panel.plugin.display(force_clear=True) is True
    panel.clock.advance(3600)
    panel.cycle()
    assert not panel.driver.snapshot.snoozed


def test_a_test_alert_shows_a_warning_from_error_status_that_clears_within_a_minute(panel: Panel) -> None:
    answer = ask(panel, "test-alert")
    (alert,) = panel.driver.snapshot.alerts
    assert (alert.plugin_id, alert.severity, alert.origin) == ("error-status", Severity.WARNING, "test")
    assert "error-status: test alert" in answer["message"]
    panel.clock.advance(61)
    panel.cycle()
    assert panel.driver.snapshot.alerts == ()


def test_clear_history_forgets_what_has_cleared(panel: Panel) -> None:
    panel.fail("weather", 1)
    panel.cycle()
    assert not panel.driver.snapshot.all_clear  # one error: not all OK
    ask(panel, "clear-history")
    panel.cycle()
    assert panel.driver.snapshot.all_clear
    assert panel.driver.aggregator.get_error_summary()["total_errors"] == 0


def test_acknowledged_and_snoozed_state_survives_a_restart(clock: ManualClock) -> None:
    cache = FakeCacheManager(now=clock.wall)
    first = Panel(clock, cache)
    first.fail("weather")
    first.cycle()
    ask(first, "acknowledge")
    ask(first, "snooze")
    first.close()
    again = Panel(clock, cache)
    try:
        again.fail("weather")  # the same problem, still there after the restart
        again.cycle()
        snapshot = again.driver.snapshot
        assert snapshot.snoozed and snapshot.alerts == () and snapshot.muted >= 1
        assert again.driver._web.inbox.take(clock.wall()) == []  # nothing applied twice
    finally:
        again.close()


def test_the_status_the_web_process_reads_is_bounded_and_says_what_shows(panel: Panel) -> None:
    panel.fail("weather")
    for _ in range(3):  # written at most every 3 s
        panel.cycle()
    document = panel.cache.get(STATUS_KEY)
    assert document["alerts"][0]["plugin"] == "weather" and document["alerts"][0]["cause"] == "timeout"
    assert document["all_clear"] is False and "weather" in document["plugins"]


# ---------------------------------------------------------------------- the scripts, as the host runs them


def test_the_scripts_answer_json_as_the_host_runs_them(tmp_path: Path) -> None:
    clock = ManualClock()
    display = Panel(clock, FileCache(tmp_path))  # the display process, on the same cache directory
    stop = threading.Event()

    def drive() -> None:
        while not stop.is_set():
            display.cycle()
            time.sleep(0.05)

    driver = threading.Thread(target=drive, daemon=True)
    try:
        display.fail("weather")
        driver.start()
        env = {**os.environ, "LEDMATRIX_ROOT": str(tmp_path), web_actions.CACHE_DIR_ENV: str(tmp_path)}
        for script in ("acknowledge", "test_alert", "snooze", "clear_history"):
            done = subprocess.run(["python3", str(ROOT / "web_actions" / f"{script}.py")], input="{}",
                                  capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
            assert done.returncode == 0, done.stderr
            answer = json.loads(done.stdout)
            assert answer["status"] == "success" and answer["applied"] is True, answer
    finally:
        stop.set()
        driver.join(5)
        display.close()


def test_a_script_whose_stdin_is_inherited_and_never_closes_does_not_wait_on_it(tmp_path: Path) -> None:
    read, write = os.pipe()  # the web process's stdin, left open
    try:
        env = {**os.environ, web_actions.CACHE_DIR_ENV: str(tmp_path)}
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(ROOT / "web_actions" / "acknowledge.py")], stdin=read,
                              capture_output=True, text=True, timeout=60, env=env)
        assert time.monotonic() - started < 20
        answer = json.loads(done.stdout)
        assert answer["status"] == "success" and answer["applied"] is False  # no display running
    finally:
        os.close(read)
        os.close(write)
