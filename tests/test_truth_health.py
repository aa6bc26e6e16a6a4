"""Health is an alert source: every failure the host knows of (circuit open or re-opened, failed to
load or to start, an error state, updates that stopped, display failures it logs without an id)
becomes an alert with the lifecycle of a pattern, whatever the pattern threshold says."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from hostdoubles import FakeHealthTracker, FakePluginManager, FakeStateManager

from error_status.board import AlertBoard
from error_status.board.health_alerts import HealthAlerts
from error_status.clock import ManualClock
from error_status.ledmatrix.attribution import DisplayFailures
from error_status.ledmatrix.health import read_host_health
from error_status.ledmatrix.staleness import UpdateWatch
from error_status.model import HealthReport, HealthState, Severity

H = HealthState
OPEN = HealthReport(H.FAILING, "update failed", "CircuitOpen", 3, since=1000.0)


def manager(tracker: FakeHealthTracker | None, states: FakeStateManager | None, loaded: list[str],
            discovered: list[str] | None = None) -> FakePluginManager:
    ids = [*loaded, *(discovered or [])]
    return FakePluginManager(tracker, states, manifests={pid: {"id": pid} for pid in ids},
                             plugins={pid: object() for pid in loaded})


# ---------------------------------------------------------------------- the lifecycle of a health alert


def test_an_open_circuit_is_an_error_alert_at_once_and_resolves_after_the_quiet_period() -> None:
    alerts = HealthAlerts(quiet=300.0)
    assert alerts.update({"weather": OPEN}, mono=0.0, wall=0.0) == []
    (alert,) = alerts.alerts()
    assert (alert.key, alert.severity, alert.origin, alert.error_type, alert.count) == (
        "health/weather", Severity.ERROR, "health", "CircuitOpen", 3)
    assert alerts.update({"weather": HealthReport(H.HEALTHY)}, mono=10.0, wall=10.0) == []
    assert len(alerts.alerts()) == 1  # healthy again, but not yet for the quiet period
    assert alerts.tick(309.0) == [] and alerts.tick(310.0) == ["health/weather"]
    assert alerts.alerts() == ()


def test_a_circuit_that_stays_open_escalates_and_one_that_opens_again_is_critical() -> None:
    lasting = HealthAlerts(quiet=300.0, escalate_after=600.0)
    lasting.update({"weather": OPEN}, mono=0.0, wall=0.0)
    lasting.tick(599.0)
    assert lasting.alerts()[0].severity is Severity.ERROR
    lasting.tick(600.0)
    assert lasting.alerts()[0].severity is Severity.CRITICAL
    reopened = HealthAlerts(quiet=300.0)
    reopened.update({"weather": OPEN}, mono=0.0, wall=0.0)
    again = HealthReport(H.FAILING, "update failed", "CircuitOpen", 4, since=1300.0)
    reopened.update({"weather": again}, mono=300.0, wall=300.0)
    assert reopened.alerts()[0].severity is Severity.CRITICAL
    assert reopened.alerts()[0].count == 4


def test_unhealthy_again_within_the_quiet_period_is_the_same_episode() -> None:
    alerts = HealthAlerts(quiet=300.0)
    alerts.update({"weather": OPEN}, mono=0.0, wall=0.0)
    alerts.update({}, mono=10.0, wall=10.0)  # no longer reported: healthy
    recovering = HealthReport(H.DEGRADED, "recovering", "CircuitHalfOpen")
    alerts.update({"weather": recovering}, mono=200.0, wall=200.0)
    alerts.tick(450.0)
    (alert,) = alerts.alerts()
    assert alert.severity is Severity.ERROR  # an episode never drops below what it reached
    assert alert.error_type == "CircuitHalfOpen"


def test_a_report_without_a_condition_makes_no_alert() -> None:
    alerts = HealthAlerts(quiet=300.0)
    assert alerts.update({"weather": HealthReport(H.DEGRADED, "2 failures in a row")}, 0.0, 0.0) == []
    assert alerts.alerts() == ()


# ---------------------------------------------------------------------- what the host reports


def test_the_host_reports_load_and_start_failures_and_error_states() -> None:
    tracker, states = FakeHealthTracker(), FakeStateManager()
    states.set_state("crashed", "error", RuntimeError("Failed to instantiate plugin crashed: no /dev/x"))
    states.set_state("broken", "error", ImportError("No module named 'requests_cache'"))
    states.set_state("odd", "error", ValueError("bad state"))
    states.set_state("stopped", "unloaded")
    health = read_host_health(manager(tracker, states, ["odd"], discovered=["crashed", "broken", "stopped"]))
    assert (health["crashed"].condition, health["crashed"].state) == ("InitFailed", H.FAILING)
    assert health["broken"].condition == "LoadFailed" and "requests_cache" in health["broken"].reason
    assert health["odd"].condition == "StateError"
    assert (health["stopped"].state, health["stopped"].condition) == (H.DISABLED, None)  # the owner's choice


def test_an_open_circuit_carries_when_it_opened_how_often_it_failed_and_a_redacted_reason() -> None:
    tracker = FakeHealthTracker()
    tracker.set("weather", circuit_state="open", consecutive_failures=3, circuit_opened_time=1234.5,
                last_error="401 Client Error for https://api.example.org/data?lat=1&appid=0123456789abcdef")
    (report,) = read_host_health(manager(tracker, None, ["weather"])).values()
    assert (report.condition, report.failures, report.since) == ("CircuitOpen", 3, 1234.5)
    assert "401" in report.reason and "0123456789abcdef" not in report.reason


def test_updates_that_stopped_for_three_intervals_are_not_updating() -> None:
    states = FakeStateManager()
    for pid in ("weather", "clock", "off"):
        states.set_state(pid, "enabled")
    states.set_state("off", "disabled")
    pm = manager(None, states, ["weather", "clock", "off"])
    pm.plugin_manifests["weather"]["update_interval"] = 30
    watch = UpdateWatch()
    assert watch.check(pm, now=0.0) == {}
    assert watch.check(pm, now=90.0) == {}  # three intervals of 30 s, not more
    states.record_update("clock", datetime.now())  # the clock updated meanwhile: its timer restarts
    stale = watch.check(pm, now=91.0)
    assert list(stale) == ["weather"]
    assert stale["weather"].condition == "NotUpdating" and stale["weather"].reason == "no update for 91 s"
    assert "clock" not in watch.check(pm, now=91.0 + 179.0)  # default interval 60 s: 180 s since it moved
    assert "clock" in watch.check(pm, now=91.0 + 181.0)


def test_a_wall_clock_step_does_not_make_a_plugin_look_stale() -> None:
    states = FakeStateManager()
    states.set_state("weather", "enabled")
    states.record_update("weather", datetime.now() - timedelta(days=20_000))  # before NTP set the clock
    watch = UpdateWatch()
    assert watch.check(manager(None, states, ["weather"]), now=5.0) == {}


def _raise_from(filename: str) -> BaseException:
    """An exception whose innermost frame is in ``filename`` (as a plugin's display() would be)."""
    code = compile("def display():\n    raise RuntimeError('font missing')\n", filename, "exec")
    scope: dict[str, object] = {}
    exec(code, scope)
    try:
        scope["display"]()  # type: ignore[operator]
    except RuntimeError as error:
        return error
    raise AssertionError("unreachable")


def _host_log(error: BaseException | None, name: str = "src.display_controller") -> logging.LogRecord:
    info = (type(error), error, error.__traceback__) if error is not None else None
    return logging.LogRecord(name, logging.ERROR, __file__, 1, "Error during display update", (), info)


def test_a_display_failure_the_host_logs_without_an_id_is_attributed_by_its_traceback() -> None:
    attribute = DisplayFailures(FakePluginManager())
    error = _raise_from("/home/pi/LEDMatrix/plugin-repos/weather/manager.py")
    assert attribute(_host_log(error)) == ("weather", "display")
    assert attribute(_host_log(error, name="src.plugin_system.plugin_manager")) is None  # recorded already
    assert attribute(_host_log(None)) is None
    assert attribute(_host_log(_raise_from("/usr/lib/python3/dist-packages/PIL/Image.py"))) is None


def test_the_host_plugin_directories_win_over_the_path_shape() -> None:
    pm = FakePluginManager()
    pm.plugin_directories = {"my-weather": "/srv/custom/weather-plugin"}  # type: ignore[attr-defined]
    error = _raise_from("/srv/custom/weather-plugin/manager.py")
    assert DisplayFailures(pm)(_host_log(error)) == ("my-weather", "display")


def test_an_attributed_display_failure_reaches_the_aggregator_as_that_plugins() -> None:
    from error_status.aggregator import ErrorAggregator
    from error_status.ledmatrix.logs import attach_log_handler, detach_log_handler

    aggregator = ErrorAggregator()
    logger = logging.getLogger("src.display_controller")
    handler = attach_log_handler(aggregator, logger, attribute=DisplayFailures(FakePluginManager()))
    try:
        error = _raise_from("/opt/LEDMatrix/plugins/stocks/manager.py")
        logger.error("Error during display update", exc_info=(type(error), error, error.__traceback__))
    finally:
        detach_log_handler(handler)
    assert aggregator.get_plugin_health("stocks")["error_types"] == {"RuntimeError": 1}
    assert aggregator._records[-1].operation == "display"
    aggregator.close()


# ---------------------------------------------------------------------- on the board


def test_a_health_alert_shows_whatever_the_pattern_threshold_and_leaves_after_quiet() -> None:
    clock = ManualClock()
    board = AlertBoard(clock=clock, threshold=1000, quiet_period=120.0)
    board.set_health({"weather": OPEN, "clock": HealthReport(H.HEALTHY)})
    (alert,) = board.snapshot().alerts
    assert (alert.plugin_id, alert.severity, alert.message) == ("weather", Severity.ERROR, "update failed")
    assert not board.snapshot().all_clear
    board.set_health({"weather": HealthReport(H.HEALTHY), "clock": HealthReport(H.HEALTHY)})
    clock.advance(119.0)
    board.refresh()
    assert board.snapshot().alerts
    clock.advance(2.0)
    board.refresh()
    assert board.snapshot().alerts == () and board.snapshot().all_clear


def test_errors_below_the_threshold_keep_all_ok_away_and_make_a_dot() -> None:
    board = AlertBoard(clock=ManualClock(), threshold=5)
    board.set_error_counts({"swallower": 3})
    snapshot = board.snapshot()
    assert snapshot.alerts == () and not snapshot.all_clear
    assert [(h.plugin_id, h.state, h.reason) for h in snapshot.health] == [
        ("swallower", H.DEGRADED, "3 errors")]
    board.set_error_counts({"swallower": 5})
    assert board.snapshot().health[0].state is H.FAILING
    board.set_error_counts({})
    assert board.snapshot().all_clear


def test_all_ok_leaves_out_error_status_itself_and_counts_alerts_hidden_by_min_severity() -> None:
    board = AlertBoard(clock=ManualClock(), min_severity=Severity.CRITICAL, self_id="error-status")
    board.set_health({"error-status": HealthReport(H.HEALTHY), "clock": HealthReport(H.HEALTHY)})
    assert [h.plugin_id for h in board.snapshot().health] == ["clock"] and board.snapshot().all_clear
    board.set_health({"error-status": HealthReport(H.HEALTHY), "clock": OPEN})
    snapshot = board.snapshot()
    assert snapshot.alerts == () and snapshot.muted == 1 and not snapshot.all_clear
