"""The log handler records plugins' ERROR logs once, ignores the rest, and never hurts logging."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from error_status.aggregator import ErrorAggregator
from error_status.ledmatrix.logs import (
    LOGGED_ERROR,
    ErrorLogHandler,
    attach_log_handler,
    detach_log_handler,
)

Build = Callable[..., ErrorAggregator]


@pytest.fixture
def ours(make_aggregator: Build) -> ErrorAggregator:
    return make_aggregator(pattern_threshold=3)


@pytest.fixture
def root_handler(ours: ErrorAggregator) -> Iterator[ErrorLogHandler]:
    """A handler on the root logger, as in the host (removed at teardown)."""
    handler = attach_log_handler(ours)
    yield handler
    detach_log_handler(handler)


def counts(aggregator: ErrorAggregator) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    summary = aggregator.get_error_summary()
    return summary["error_counts_by_type"], summary["plugin_error_counts"]


def recent(aggregator: ErrorAggregator) -> list[dict[str, Any]]:
    return list(aggregator.get_error_summary()["recent_errors"])


def make_record(name: str, level: int = logging.ERROR, msg: str = "boom", args: tuple[Any, ...] = (),
                **extra: Any) -> logging.LogRecord:
    record = logging.getLogger(name).makeRecord(name, level, "mod.py", 12, msg, args, None, "update")
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_plugin_logger_error_is_recorded_with_its_plugin_id(ours: ErrorAggregator,
                                                            root_handler: ErrorLogHandler) -> None:
    logging.getLogger("plugin.weather").error("API returned %d", 503)
    assert counts(ours) == ({LOGGED_ERROR: 1}, {"weather": {LOGGED_ERROR: 1}})
    [entry] = recent(ours)
    assert entry["operation"] == "log"
    assert entry["message"] == "API returned 503"
    assert entry["context"]["logger"] == "plugin.weather"
    assert entry["context"]["message"] == "API returned 503"
    assert entry["context"]["funcName"] == "test_plugin_logger_error_is_recorded_with_its_plugin_id"
    assert isinstance(entry["context"]["lineno"], int) and entry["context"]["module"] == "test_sources"
    assert root_handler.recorded == 1


def test_sub_logger_of_a_plugin_takes_the_first_component(ours: ErrorAggregator) -> None:
    handler = ErrorLogHandler(ours)
    handler.handle(make_record("plugin.clock-simple.render"))
    assert counts(ours)[1] == {"clock-simple": {LOGGED_ERROR: 1}}


def test_adapter_stamped_plugin_id_wins_over_the_logger_name(ours: ErrorAggregator,
                                                             root_handler: ErrorLogHandler) -> None:
    adapter = logging.LoggerAdapter(logging.getLogger("plugin_stocks.fetch"), {"plugin_id": "stocks"})
    adapter.error("quote feed down")
    ErrorLogHandler(ours).handle(make_record("plugin.other", plugin_id="calendar"))
    assert counts(ours)[1] == {"stocks": {LOGGED_ERROR: 1}, "calendar": {LOGGED_ERROR: 1}}


def test_exc_info_records_the_exception_type(ours: ErrorAggregator, root_handler: ErrorLogHandler) -> None:
    log = logging.getLogger("plugin.weather")
    data: dict[str, float] = {}
    try:
        data["city"]
    except KeyError:
        log.exception("update failed")
    [entry] = recent(ours)
    assert entry["error_type"] == "KeyError"
    assert entry["message"] == "'city'"
    assert entry["context"]["message"] == "update failed"
    assert entry["plugin_id"] == "weather" and entry["operation"] == "log"
    assert "KeyError" in (entry["stack_trace"] or "")


def test_exc_info_true_outside_except_is_a_logged_error(ours: ErrorAggregator,
                                                        root_handler: ErrorLogHandler) -> None:
    logging.getLogger("plugin.weather").error("failed", exc_info=True)  # (None, None, None)
    assert counts(ours)[1] == {"weather": {LOGGED_ERROR: 1}}


def test_records_without_plugin_id_are_ignored_by_default(ours: ErrorAggregator,
                                                          root_handler: ErrorLogHandler) -> None:
    logging.getLogger("src.plugin_system.plugin_manager").error("plugin weather operation failed: x")
    logging.getLogger("src.display_controller").error("Error during display update")
    logging.getLogger("pluginx.weather").error("not a plugin logger")
    assert counts(ours) == ({}, {})
    assert root_handler.recorded == 0


def test_records_without_plugin_id_can_be_taken_when_asked(ours: ErrorAggregator) -> None:
    handler = ErrorLogHandler(ours, require_plugin_id=False)
    handler.handle(make_record("src.display_controller", msg="Error during display update"))
    assert counts(ours) == ({LOGGED_ERROR: 1}, {})


def test_below_error_level_is_ignored(ours: ErrorAggregator, root_handler: ErrorLogHandler) -> None:
    logging.getLogger("plugin.weather").warning("slow API")
    logging.getLogger("plugin.weather").info("ok")
    assert counts(ours) == ({}, {})


@pytest.mark.parametrize("name", ["error_status", "error_status.aggregator", "plugin_error_status",
                                  "plugin_error_status.board", "pkg.error_status.sources"])
def test_our_own_loggers_are_ignored(ours: ErrorAggregator, name: str) -> None:
    ErrorLogHandler(ours).handle(make_record(name, plugin_id="error-status"))
    assert counts(ours) == ({}, {})


def test_unformattable_message_is_still_recorded(ours: ErrorAggregator) -> None:
    handler = ErrorLogHandler(ours)
    handler.handle(make_record("plugin.weather", msg="%d items", args=("many",)))
    [entry] = recent(ours)
    assert entry["message"] == "%d items"
    assert handler.failures == 0


class LoggingAggregator:
    """An aggregator that logs a plugin error while recording (as a careless subscriber might)."""

    def __init__(self) -> None:
        self.calls = 0

    def ingest(self, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        logging.getLogger("plugin.loop").error("logged while recording")

    record_error = ingest


def test_logging_while_recording_does_not_recurse() -> None:
    aggregator = LoggingAggregator()
    handler = attach_log_handler(aggregator)  # type: ignore[arg-type]
    try:
        logging.getLogger("plugin.loop").error("first")
    finally:
        detach_log_handler(handler)
    assert aggregator.calls == 1
    assert handler.recorded == 1 and handler.failures == 0


def test_the_aggregators_own_pattern_warning_is_not_fed_back(make_aggregator: Build) -> None:
    ours = make_aggregator(pattern_threshold=2)
    handler = attach_log_handler(ours, level=logging.WARNING)
    try:
        for _ in range(4):
            logging.getLogger("plugin.weather").error("down")
    finally:
        detach_log_handler(handler)
    assert counts(ours) == ({LOGGED_ERROR: 4}, {"weather": {LOGGED_ERROR: 4}})
    assert len(ours.active_patterns()) == 1


class RaisingAggregator:
    def ingest(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("aggregator bug")

    record_error = ingest


def test_emit_never_raises_and_counts_failures(capsys: pytest.CaptureFixture[str]) -> None:
    handler = ErrorLogHandler(RaisingAggregator())  # type: ignore[arg-type]
    handler.handle(make_record("plugin.weather"))
    handler.emit(make_record("plugin.weather"))
    handler.handleError(make_record("plugin.weather"))
    assert handler.failures == 3 and handler.recorded == 0
    assert capsys.readouterr().err == ""


def test_attach_is_idempotent_per_logger_and_aggregator(make_aggregator: Build) -> None:
    ours, other = make_aggregator(), make_aggregator()
    target = logging.getLogger("test_sources.attach")
    handlers = [attach_log_handler(ours, target) for _ in range(16)]  # the harness's 16 instances
    assert all(h is handlers[0] for h in handlers)
    assert [h for h in target.handlers if isinstance(h, ErrorLogHandler)] == [handlers[0]]
    second = attach_log_handler(other, target)
    assert second is not handlers[0]
    root = attach_log_handler(ours)
    try:
        assert root is not handlers[0] and root in logging.getLogger().handlers
    finally:
        detach_log_handler(root)
    detach_log_handler(handlers[0])
    detach_log_handler(handlers[0])
    assert target.handlers == [second]
    detach_log_handler(second)
    assert target.handlers == []
    assert root not in logging.getLogger().handlers


def test_attach_again_after_the_host_cleared_root_handlers(ours: ErrorAggregator) -> None:
    first = attach_log_handler(ours)
    logging.getLogger().removeHandler(first)  # what setup_logging's handlers.clear() does
    second = attach_log_handler(ours)
    try:
        assert second is not first
        logging.getLogger("plugin.weather").error("down")
        assert counts(ours)[1] == {"weather": {LOGGED_ERROR: 1}}
    finally:
        detach_log_handler(second)
