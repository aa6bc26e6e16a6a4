"""Credentials are redacted before text is cut, everywhere it is stored, logged, exported, saved or
drawn: every credential shape below goes through every entry point, and no piece of it can be read
back from the records, the summary, the export file, the log output, the health reasons or the panel.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hostdoubles import FakePluginManager, FakeStateManager

from error_status.aggregator import ErrorAggregator
from error_status.clock import ManualClock
from error_status.hygiene.redact import REDACTED
from error_status.ledmatrix.health import read_host_health
from error_status.ledmatrix.logs import attach_log_handler, detach_log_handler
from error_status.render.text import panel_safe

# label -> (text that carries a credential, the credential). Each text is short enough to be kept
# whole as a plugin id (64) and a health reason (80), so a leak cannot hide behind a cut.
SHAPES: dict[str, tuple[str, str]] = {
    "a token as the URL's user": ("clone https://Qz7Xk2Lm9Vw4Rt6@github.com/o/r.git", "Qz7Xk2Lm9Vw4Rt6"),
    "a Slack webhook": ("POST https://hooks.slack.com/services/T0AB1/B0CD2/Qz7Xk2Lm9Vw4Rt", "Qz7Xk2Lm9Vw4Rt"),
    "a Discord webhook": ("https://discord.com/api/webhooks/1234567/Qz7Xk2Lm9Vw4-Rt6", "Qz7Xk2Lm9Vw4-Rt6"),
    "a Telegram bot token": ("https://api.telegram.org/bot123456:AAQz7Xk2Lm9Vw4/getMe 401", "AAQz7Xk2Lm9Vw4"),
    "pass=": ("login pass=Qz7Xk2Lm9Vw refused", "Qz7Xk2Lm9Vw"),
    "passphrase=": ("unlock passphrase=Qz7Xk2Lm9Vw refused", "Qz7Xk2Lm9Vw"),
    "a password with a comma": ("login password=Qz7X,k2Lm9Vw refused", "Qz7X,k2Lm9Vw"),
    "a password with an ampersand": ("login password=Qz7X&k2Lm9Vw refused", "Qz7X&k2Lm9Vw"),
    "the repr of a tuple": ("('password', 'Qz7Xk2Lm9Vw')", "Qz7Xk2Lm9Vw"),
    "the repr of a list": ("['--token', 'Qz7Xk2Lm9Vw']", "Qz7Xk2Lm9Vw"),
    "the repr of bytes": ("[b'--token', b'Qz7Xk2Lm9Vw']", "Qz7Xk2Lm9Vw"),
    "double-encoded JSON": ('{"body": "{\\"password\\": \\"Qz7Xk2Lm9Vw\\"}"}', "Qz7Xk2Lm9Vw"),
    "a percent-encoded query": ("GET /in?next=%2Fcb%3Ftoken%3DQz7Xk2Lm9Vw%26x%3D1", "Qz7Xk2Lm9Vw"),
    "a percent-encoded URL": ("to=https%3A%2F%2Fbob%3AQz7Xk2Lm9Vw%40host%2F", "Qz7Xk2Lm9Vw"),
    "a double-encoded query": ("u=%253Fapi_key%253DQz7Xk2Lm9Vw", "Qz7Xk2Lm9Vw"),
    "a command-line flag": ("run --password Qz7Xk2Lm9Vw now", "Qz7Xk2Lm9Vw"),
}
PIECE = 6  # no run of this many characters of a credential may be readable anywhere


def pieces(secret: str) -> set[str]:
    """Every run of ``PIECE`` characters of ``secret`` (all of it when shorter)."""
    return {secret[i:i + PIECE] for i in range(max(1, len(secret) - PIECE + 1))}


def leaks(secret: str, places: dict[str, str]) -> list[str]:
    """The places where a piece of ``secret`` can be read."""
    wanted = pieces(secret)
    return [name for name, text in places.items() if any(piece in text for piece in wanted)]


class LogLines(logging.Handler):
    """Collects this package's log output, formatted as a log file would hold it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    collect = LogLines()
    package = logging.getLogger("error_status")
    level, package.level = package.level, logging.DEBUG
    package.addHandler(collect)
    yield collect
    package.removeHandler(collect)
    package.level = level


def read_back(aggregator: ErrorAggregator, directory: Path, log: LogLines) -> dict[str, str]:
    """Everything the aggregator lets anyone read: records, summary, patterns, export, log lines."""
    places = {f"record {n}": json.dumps(r.to_dict(), ensure_ascii=False)
              for n, r in enumerate(aggregator._records)}
    places["summary"] = json.dumps(aggregator.get_error_summary(), ensure_ascii=False, default=str)
    places["active patterns"] = repr(aggregator.active_patterns())
    places["plugin health"] = json.dumps([aggregator.get_plugin_health(p) for p in
                                          aggregator.get_error_summary()["plugin_error_counts"]],
                                         ensure_ascii=False, default=str)
    aggregator.export_to_file(directory / "export.json")
    places["export file"] = (directory / "export.json").read_text("utf-8")
    places["log output"] = "\n".join(log.lines)
    return places


def raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def chained(text: str) -> BaseException:
    try:
        try:
            raise ValueError(text)
        except ValueError as inner:
            raise RuntimeError("refresh failed") from inner
    except RuntimeError as outer:
        return outer


def _message(agg: ErrorAggregator, text: str) -> None:
    agg.record_error(raised(ValueError(text)), plugin_id="weather", operation="update")


def _chained_cause(agg: ErrorAggregator, text: str) -> None:
    agg.record_error(chained(text), plugin_id="weather", operation="update")


def _log_record(agg: ErrorAggregator, text: str) -> None:
    handler = attach_log_handler(agg, logging.getLogger("plugin"))
    try:
        logging.getLogger("plugin.stocks").error("fetch failed: %s", text)
    finally:
        detach_log_handler(handler)


def _ingested_message(agg: ErrorAggregator, text: str) -> None:
    agg.ingest("HostError", text, plugin_id="host")


def _ingested_trace(agg: ErrorAggregator, text: str) -> None:
    agg.ingest("HostError", "m", plugin_id="host",
               stack_trace=f'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: {text}\n')


def _context_value(agg: ErrorAggregator, text: str) -> None:
    agg.record_error(raised(ValueError("m")), context={"detail": text}, plugin_id="weather")


def _context_key(agg: ErrorAggregator, text: str) -> None:
    agg.record_error(raised(ValueError("m")), context={text: 1}, plugin_id="weather")


def _operation(agg: ErrorAggregator, text: str) -> None:
    agg.record_error(raised(ValueError("m")), plugin_id="weather", operation=text)


def _plugin_id(agg: ErrorAggregator, text: str) -> None:
    agg.record_error(raised(ValueError("m")), plugin_id=text, operation="update")


def _fingerprint(agg: ErrorAggregator, text: str) -> None:
    agg.record_error(raised(ValueError("m")), plugin_id="weather", fingerprint=text)


STAGES: dict[str, Callable[[ErrorAggregator, str], None]] = {
    "message": _message, "chained cause": _chained_cause, "log record": _log_record,
    "ingested message": _ingested_message, "ingested trace": _ingested_trace,
    "context value": _context_value, "context key": _context_key, "operation": _operation,
    "plugin_id": _plugin_id, "fingerprint": _fingerprint,
}


def exposed(stage: Callable[[ErrorAggregator, str], None], text: str, directory: Path,
            log: LogLines) -> dict[str, str]:
    """Put ``text`` in through one entry point (often enough to detect a pattern), read back."""
    aggregator = ErrorAggregator(pattern_threshold=2, clock=ManualClock())
    try:
        for _ in range(3):
            stage(aggregator, text)
        assert sum(aggregator.get_error_summary()["error_counts_by_type"].values()) == 3
        assert any("pattern detected" in line for line in log.lines)
        return read_back(aggregator, directory, log)
    finally:
        aggregator.close()


@pytest.mark.parametrize("stage", list(STAGES))
@pytest.mark.parametrize("shape", list(SHAPES))
def test_no_piece_of_a_credential_can_be_read_back(shape: str, stage: str, tmp_path: Path,
                                                   log_lines: LogLines) -> None:
    text, secret = SHAPES[shape]
    places = exposed(STAGES[stage], text, tmp_path, log_lines)
    assert leaks(secret, places) == [], f"{shape} via {stage}: readable in {leaks(secret, places)}"
    assert REDACTED in places["export file"]  # redacted, not dropped


@pytest.mark.parametrize("shape", list(SHAPES))
def test_health_reasons_are_redacted_before_they_are_cut(shape: str) -> None:
    text, secret = SHAPES[shape]
    states = FakeStateManager()
    states.set_state("weather", "error", RuntimeError(text))
    manager = FakePluginManager(None, states, manifests={"weather": {}}, plugins={"weather": object()})
    (reason,) = [report.reason for report in read_host_health(manager).values()]
    assert leaks(secret, {"reason": reason}) == [] and REDACTED in reason


def test_a_health_reason_with_an_api_key_in_its_url() -> None:
    text = "401 for https://api.openweathermap.org/data/2.5/weather?q=x&appid=0d1e2f3a4b5c6d7e"
    states = FakeStateManager()
    states.set_state("weather", "error", RuntimeError(text))
    manager = FakePluginManager(None, states, manifests={"weather": {}}, plugins={"weather": object()})
    (reason,) = [report.reason for report in read_host_health(manager).values()]
    assert "0d1e2f" not in reason and len(reason) <= 80


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_panel_draws_no_credential(shape: str) -> None:
    text, secret = SHAPES[shape]
    assert leaks(secret, {"panel": panel_safe(text)}) == []


# ---------------------------------------------------------------------- cut before redaction

URL_SECRET = "Qz7Xk2Lm9Vw4"
URL = f"https://bob:{URL_SECRET}@db.example/x"
TOKEN = "ghp_" + "Qz7Xk2Lm9Vw4Rt6Yu8Io1Pa3Sd5Fg7Hj9Kl"


def through_the_url(head: str, budget: int) -> str:
    """``head``, filler and ``URL`` placed so that ``budget`` characters end in the URL's password."""
    filler = budget - len(head) - len("https://bob:") - 6
    text = head + "w" * (filler - 1) + " " + URL
    assert text[:budget].endswith("https://bob:" + URL_SECRET[:6])
    return text


def test_a_chained_cause_is_redacted_before_it_is_cut(tmp_path: Path, log_lines: LogLines) -> None:
    # the cause's text is cut at 500 characters in the middle of the URL's password
    places = exposed(_chained_cause, through_the_url("", 500), tmp_path, log_lines)
    assert leaks(URL_SECRET, places) == []


def test_a_log_line_is_redacted_before_it_is_cut(tmp_path: Path, log_lines: LogLines) -> None:
    # the log handler cut the message at 500 characters, leaving too little of the token to be known
    text = "w" * (500 - len("fetch failed: ") - 14 - 1) + " " + TOKEN  # (the stage logs "fetch failed: %s")
    assert ("fetch failed: " + text)[:500].endswith(TOKEN[:14])
    places = exposed(_log_record, text, tmp_path, log_lines)
    assert leaks(TOKEN[4:], places) == []


def test_a_long_message_whose_first_secret_shrinks(tmp_path: Path, log_lines: LogLines) -> None:
    # only the first 2,000 characters were redacted; the cut went through the URL's password, and the
    # long password before it shrank to [REDACTED], pulling the half URL into the 500 kept
    message = through_the_url("password=" + "A" * 1700 + " ", 2000)
    places = exposed(_message, message, tmp_path, log_lines)
    assert leaks(URL_SECRET, places) == []


def test_an_ingested_trace_kept_from_its_end_starts_at_a_whole_line(tmp_path: Path,
                                                                    log_lines: LogLines) -> None:
    # the last 8,000 characters of the trace start right after "https://bob:"
    tail = f"{URL_SECRET}@db.example/x\n" + "".join(
        f'  File "/opt/plugin/module_{n:04}.py", line {n}, in step\n' for n in range(400))
    tail = tail[:8000]
    trace = "Traceback (most recent call last):\n  connecting to https://bob:" + tail

    def stage(agg: ErrorAggregator, text: str) -> None:
        agg.ingest("HostError", "m", plugin_id="host", stack_trace=text)

    places = exposed(stage, trace, tmp_path, log_lines)
    assert leaks(URL_SECRET, places) == []
    (record, *_) = json.loads(places["export file"])["all_records"]
    assert len(record["stack_trace"]) <= 8000


def test_a_context_value_whose_first_secret_shrinks(tmp_path: Path, log_lines: LogLines) -> None:
    value = through_the_url("password=" + "A" * 700 + " ", 800)
    places = exposed(lambda agg, text: agg.record_error(ValueError("m"), context={"detail": text}),
                     value, tmp_path, log_lines)
    assert leaks(URL_SECRET, places) == []


def test_a_fingerprint_whose_first_secret_shrinks(tmp_path: Path, log_lines: LogLines) -> None:
    value = through_the_url("token=" + "A" * 700 + " ", 800)
    places = exposed(_fingerprint, value, tmp_path, log_lines)
    assert leaks(URL_SECRET, places) == []


def test_the_panel_redacts_before_it_cuts() -> None:
    text = through_the_url("password=" + "A" * 700 + " ", 864)
    assert leaks(URL_SECRET, {"panel": panel_safe(text)}) == []


# ---------------------------------------------------------------------- ids, keys and reprs

CLASSIC = {
    "password=": ("password=Hunter2Qz7Xk", "Hunter2Qz7Xk"),
    "token=": ("token=tZ8q2LmN4vQz", "tZ8q2LmN4vQz"),
    "a URL with a password": ("https://bob:Tr0ub4dor3x@api.example.com", "Tr0ub4dor3x"),
    "a GitHub token": ("ghp_" + "R8x2Lq" * 6, "R8x2Lq" * 6),
}


@pytest.mark.parametrize("label", list(CLASSIC))
def test_plugin_ids_and_operations_are_redacted_even_in_the_pattern_log_line(
        label: str, tmp_path: Path, log_lines: LogLines) -> None:
    text, secret = CLASSIC[label]

    def stage(agg: ErrorAggregator, value: str) -> None:
        agg.record_error(raised(KeyError("k")), plugin_id=value, operation=value)

    places = exposed(stage, text, tmp_path, log_lines)
    pattern_lines = [line for line in log_lines.lines if "pattern detected" in line]
    assert pattern_lines and leaks(secret, {"pattern line": "\n".join(pattern_lines)}) == []
    assert leaks(secret, places) == []


def test_a_plain_id_is_kept_as_it_is(make_aggregator: Callable[..., ErrorAggregator]) -> None:
    aggregator = make_aggregator()
    record = aggregator.record_error(KeyError("k"), plugin_id="nhl-scoreboard", operation="update")
    assert (record.plugin_id, record.operation) == ("nhl-scoreboard", "update")
    assert aggregator.record_error(KeyError("k"), plugin_id="nhl-scoreboard").plugin_id is record.plugin_id


@pytest.mark.parametrize(("context", "secret"), [
    ({"args": ("--password", "Qz7Xk2Lm9Vw")}, "Qz7Xk2Lm9Vw"),
    ({"args": ["--token", "Qz7Xk2Lm9Vw"]}, "Qz7Xk2Lm9Vw"),
    ({"args": [b"--token", b"Qz7Xk2Lm9Vw"]}, "Qz7Xk2Lm9Vw"),
    ({"pair": ("password", "Qz7Xk2Lm9Vw")}, "Qz7Xk2Lm9Vw"),
    ({("password", "Qz7Xk2Lm9Vw"): 1}, "Qz7Xk2Lm9Vw"),
    ({"token=Qz7Xk2Lm9Vw": 1}, "Qz7Xk2Lm9Vw"),
    ({"raw": b"token=Qz7Xk2Lm9Vw"}, "Qz7Xk2Lm9Vw"),
])
def test_context_reprs_and_keys_are_redacted_as_a_whole(
        context: dict[Any, Any], secret: str, make_aggregator: Callable[..., ErrorAggregator]) -> None:
    record = make_aggregator().record_error(ValueError("m"), context=context, plugin_id="p")
    text = json.dumps(record.to_dict(), ensure_ascii=False)
    assert leaks(secret, {"record": text}) == [] and REDACTED in text


@pytest.mark.parametrize(("message", "secret"), [
    (("password", "Qz7Xk2Lm9Vw"), "Qz7Xk2Lm9Vw"),
    ((["--token", "Qz7Xk2Lm9Vw"],), "Qz7Xk2Lm9Vw"),
    ((b"--api-key", b"Qz7Xk2Lm9Vw"), "Qz7Xk2Lm9Vw"),
])
def test_messages_made_of_reprs_are_redacted(message: tuple[object, ...], secret: str,
                                             make_aggregator: Callable[..., ErrorAggregator]) -> None:
    record = make_aggregator().record_error(ValueError(*message), plugin_id="p")
    assert leaks(secret, {"message": record.message}) == [] and REDACTED in record.message
