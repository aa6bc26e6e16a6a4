"""AlertmanagerSource and its poller against a scripted HTTP server: what a real Alertmanager will
not do (garbage, floods, trickles, redirects, odd types) is survived, counted and never leaks the token."""

from __future__ import annotations

import logging
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from fleetfakes import FakeAlertmanager, Reply, am_alert, fake_alertmanager

from error_status.clock import ManualClock
from error_status.fleet import UNREACHABLE_KEY, AlertmanagerSource, FleetConfigError
from error_status.fleet.poller import Poller
from error_status.model import Alert, Severity

TOKEN = "s3cr3t-t0ken-value-42"


@pytest.fixture
def fake() -> FakeAlertmanager:
    with fake_alertmanager() as server:
        yield server  # type: ignore[misc]


def test_poll_asks_for_active_unsilenced_uninhibited_alerts_with_the_matchers(fake: FakeAlertmanager) -> None:
    fake.reply = Reply([am_alert(severity="critical", instance="pi:9100")])
    source = AlertmanagerSource(fake.url + "/", matchers=['severity=~"critical|error"', "team!=lab"])
    alerts = source.poll()
    assert [a.severity for a in alerts] == [Severity.CRITICAL]
    path, headers = fake.requests[-1]
    url = urllib.parse.urlsplit(path)
    assert url.path == "/api/v2/alerts"
    assert urllib.parse.parse_qsl(url.query) == [
        ("active", "true"), ("silenced", "false"), ("inhibited", "false"),
        ("filter", 'severity=~"critical|error"'), ("filter", "team!=lab")]
    assert "Authorization" not in headers
    assert source.counters.polls_ok == 1 and source.counters.polls_failed == 0


def test_the_token_goes_in_the_header_and_nowhere_else(fake: FakeAlertmanager, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(f"{TOKEN}\n")
    source = AlertmanagerSource(fake.url, token_file=token_file, unreachable_after=1)
    caplog.set_level(logging.DEBUG)
    fake.reply = Reply([am_alert(annotation_summary="fine")])
    source.poll()
    assert fake.requests[-1][1]["Authorization"] == f"Bearer {TOKEN}"
    fake.reply = Reply(b"{not json", status=500)
    failed = source.poll()
    shown = " ".join(f"{a.plugin_id} {a.error_type} {a.message}" for a in failed)
    for text in (shown, repr(source), str(source.last_error), caplog.text, repr(source.counters)):
        assert TOKEN not in text
    assert "HTTP 500" in shown


def test_a_redirect_is_refused_so_the_token_never_travels_on(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    with fake_alertmanager() as elsewhere, fake_alertmanager() as fake:
        fake.reply = Reply(status=302, headers={"Location": elsewhere.url + "/api/v2/alerts"})
        source = AlertmanagerSource(fake.url, token_file=token_file, unreachable_after=1)
        alerts = source.poll()
        assert elsewhere.requests == []
    assert alerts[0].key == UNREACHABLE_KEY and "redirect" in alerts[0].message


@pytest.mark.parametrize(("content", "reason"), [
    (None, "cannot read the token file"), ("two words", "does not hold one token"),
    ("", "does not hold one token"), ("x" * 5000, "does not hold one token"),
])
def test_an_unusable_token_file_fails_the_poll_without_showing_it(fake: FakeAlertmanager, tmp_path: Path,
                                                                  content: str | None, reason: str) -> None:
    token_file = tmp_path / "token"
    if content is not None:
        token_file.write_text(content)
    source = AlertmanagerSource(fake.url, token_file=token_file, unreachable_after=1)
    alerts = source.poll()
    assert fake.requests == [] and reason in alerts[0].message
    assert not content or content not in alerts[0].message


def test_basic_credentials_in_the_url_become_a_header_and_stay_out_of_the_display_url(
        fake: FakeAlertmanager) -> None:
    address = fake.url.replace("http://", "http://panel:p%40ss@")
    source = AlertmanagerSource(address)
    source.poll()
    assert fake.requests[-1][1]["Authorization"] == "Basic cGFuZWw6cEBzcw=="  # panel:p@ss
    assert "p%40ss" not in source.display_url and "p%40ss" not in repr(source)


@pytest.mark.parametrize(("reply", "reason"), [
    (Reply(b"<html>proxy error</html>"), "not JSON"),
    (Reply(b"[" * 2000 + b"]" * 2000), "not JSON"),  # deeper than Python's recursion limit
    (Reply({"status": "success"}), "expected a JSON list"),
    (Reply(b"[]" + b" " * 5000), "larger than 4096 bytes"),
    (Reply(status=503), "HTTP 503"),
    (Reply(delay=1.5), "timed out"),
])
def test_bad_answers_fail_the_poll_with_a_reason(fake: FakeAlertmanager, reply: Reply, reason: str) -> None:
    fake.reply = reply
    source = AlertmanagerSource(fake.url, unreachable_after=1, timeout=0.5, max_bytes=4096)
    started = time.monotonic()
    alerts = source.poll()
    assert time.monotonic() - started < 1.4
    assert [a.key for a in alerts] == [UNREACHABLE_KEY] and reason in alerts[0].message
    assert source.counters.polls_failed == 1 and source.last_error is not None


def test_a_trickling_server_is_cut_off_at_the_deadline(fake: FakeAlertmanager) -> None:
    fake.reply = Reply([am_alert(annotation_summary="x" * 200)], trickle=0.05)
    # the deadline is real time even when alerts age on a manual clock
    source = AlertmanagerSource(fake.url, unreachable_after=1, timeout=0.3, clock=ManualClock())
    started = time.monotonic()
    alerts = source.poll()
    assert time.monotonic() - started < 1.5 and "timed out" in alerts[0].message


def test_malformed_entries_are_counted_and_the_good_ones_shown(fake: FakeAlertmanager) -> None:
    fake.reply = Reply([am_alert("ab", severity="error"), {"fingerprint": 3}, "junk"])
    source = AlertmanagerSource(fake.url)
    assert [a.key for a in source.poll()] == ["alertmanager:ab"]
    assert source.counters.malformed_alerts == 2 and source.counters.polls_ok == 1


def test_unreachable_after_some_polls_and_the_last_alerts_age_out(fake: FakeAlertmanager) -> None:
    clock = ManualClock()
    fake.reply = Reply([am_alert("ab", severity="critical", instance="pi:1")])
    source = AlertmanagerSource(fake.url, unreachable_after=3, keep_for=120.0, clock=clock)
    known = source.poll()
    fake.stop()
    clock.advance(30)
    assert source.poll() == known  # one failure: the last alerts, nothing said yet
    clock.advance(30)
    assert source.poll() == known
    clock.advance(30)
    third = source.poll()
    assert [a.key for a in third] == [UNREACHABLE_KEY, "alertmanager:ab"]
    assert third[0].severity is Severity.ERROR and third[0].source == "alertmanager"
    assert third[0].message == "unreachable: connection refused" and third[0].count == 3
    clock.advance(31)  # 121 s since the last answer
    assert [a.key for a in source.poll()] == [UNREACHABLE_KEY]
    assert source.counters.polls_failed == 4


def test_recovering_clears_the_unreachable_alert(fake: FakeAlertmanager) -> None:
    source = AlertmanagerSource(fake.url, unreachable_after=1)
    fake.reply = Reply(status=500)
    assert source.poll()[0].key == UNREACHABLE_KEY
    fake.reply = Reply([])
    assert source.poll() == () and source.last_error is None


@pytest.mark.parametrize(("url", "matchers"), [
    ("alertmanager:9093", ()), ("ftp://am", ()), ("http://", ()), ("http://am:99999", ()),
    ("http://am?x=1", ()), ("http://am", ("severity",)), ("http://am", ('a="unterminated',)),
    ("http://am", ("{a=b}",)),
])
def test_bad_addresses_and_matchers_are_refused_at_construction(url: str, matchers: tuple[str, ...]) -> None:
    with pytest.raises(FleetConfigError):
        AlertmanagerSource(url, matchers=matchers)


def test_the_poller_keeps_only_the_latest_result_and_stops_promptly() -> None:
    results = iter([(), (_alert("a"),), (_alert("a"),), (_alert("b"),)] + [(_alert("b"),)] * 1000)
    poller = Poller(lambda: next(results), interval=0.01)
    assert poller.take() is None
    poller.start()
    assert poller.wait_first(5.0)
    deadline = time.monotonic() + 5
    while poller.latest() != (_alert("b"),) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert poller.take() == (_alert("b"),) and poller.take() is None  # only the latest, once
    started = time.monotonic()
    poller.stop()
    assert time.monotonic() - started < 1.0 and poller.polls >= 4


def test_a_poll_that_raises_is_counted_and_the_poller_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def poll() -> tuple[Alert, ...]:
        calls.append(1)
        if len(calls) <= 2:
            raise RuntimeError("boom")
        return (_alert("z"),)

    poller = Poller(poll, interval=0.01)
    poller.start()
    deadline = time.monotonic() + 5
    while poller.latest() == () and time.monotonic() < deadline:
        time.sleep(0.01)
    poller.stop()
    assert poller.internal_errors == 2 and poller.latest() == (_alert("z"),)
    assert caplog.text.count("failed unexpectedly") == 1


def _alert(key: str) -> Alert:
    return Alert(key, Severity.ERROR, "pi", "E", "m", 1, 0.0, 0.0, origin="alertmanager")


def test_after_wait_first_the_first_result_can_be_taken() -> None:
    for _ in range(50):  # the result used to be stored just after the waiter was woken
        poller = Poller(lambda: (_alert("first"),), interval=60)
        poller.start()
        assert poller.wait_first(5.0)
        assert poller.take() == (_alert("first"),)
        poller.stop()


@pytest.mark.parametrize("garbage", [b"garbage\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n[]",
                                     b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000 + b"\r\n\r\n[]"])
def test_a_server_that_does_not_speak_http_fails_the_poll(garbage: bytes) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        def answer() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(garbage)

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        source = AlertmanagerSource(f"http://127.0.0.1:{listener.getsockname()[1]}", unreachable_after=1,
                                    timeout=1.0)
        alerts = source.poll()
        thread.join(5)
    assert [a.key for a in alerts] == [UNREACHABLE_KEY] and source.counters.polls_failed == 1
