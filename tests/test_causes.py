"""Issue 9, "say what is wrong, shortly": a short human cause per alert, and a short detail."""

from __future__ import annotations

import time

import pytest

from error_status.model import Alert, Severity
from error_status.render.causes import HEALTH_CAUSES, cause, classify
from error_status.render.detail import MAX_DETAIL_CHARS, detail, shorten

POOL = "HTTPSConnectionPool(host='api.openweathermap.org', port=443): "
CAUSED = "Max retries exceeded with url: /data/2.5/weather?q=London&appid=[REDACTED] (Caused by "
OBJECT = "<urllib3.connection.HTTPSConnection object at 0x7f3a2c1d90>"

# (error type, message as requests/urllib3/urllib/the OS word it) -> cause
ERRORS = [
    ("ConnectionError", f"{POOL}{CAUSED}NewConnectionError('{OBJECT}: Failed to establish a new connection: "
                        "[Errno 101] Network is unreachable'))", "offline"),
    ("ConnectionError", f"{POOL}{CAUSED}NameResolutionError(\"{OBJECT}: Failed to resolve "
                        "'api.openweathermap.org' ([Errno -3] Temporary failure in name resolution)\"))",
     "DNS failed"),
    ("URLError", "<urlopen error [Errno 11001] getaddrinfo failed>", "DNS failed"),
    ("gaierror", "[Errno -2] Name or service not known", "DNS failed"),
    ("ReadTimeout", f"{POOL}Read timed out. (read timeout=10)", "timeout"),
    ("ConnectionError", f"{POOL}{CAUSED}ConnectTimeoutError({OBJECT}, 'Connection to api.openweathermap.org "
                        "timed out. (connect timeout=10)'))", "timeout"),
    ("TimeoutError", "", "timeout"),
    ("ConnectionError", f"{POOL}{CAUSED}NewConnectionError('{OBJECT}: Failed to establish a new connection: "
                        "[Errno 111] Connection refused'))", "refused"),
    ("SSLError", f"{POOL}{CAUSED}SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
                 "certificate verify failed: self-signed certificate (_ssl.c:1006)')))", "TLS error"),
    ("HTTPError", "401 Client Error: Unauthorized for url: https://api.openweathermap.org/data/2.5/weather",
     "key rejected"),
    ("HTTPError", "403 Client Error: Forbidden for url: https://api.github.com/repos/x", "key rejected"),
    ("HTTPError", "HTTP Error 401: Unauthorized", "key rejected"),
    ("HTTPError", "404 Client Error: Not Found for url: https://api.spotify.com/v1/me/player", "not found"),
    ("HTTPError", "HTTP Error 429: Too Many Requests", "rate limited"),
    ("ConnectionError", "429 Too Many Requests for https://query1.finance.yahoo.com/v8/finance/chart/AAPL",
     "rate limited"),
    ("HTTPError", "503 Server Error: Service Unavailable for url: https://site.api.espn.com/apis/x",
     "server error"),
    ("HTTPError", "HTTP Error 502: Bad Gateway", "server error"),
    ("OSError", "[Errno 28] No space left on device: '/var/cache/ledmatrix/news.json'", "disk full"),
    ("PermissionError", "[Errno 13] Permission denied: '/var/cache/ledmatrix/x.json'", "permission denied"),
    ("JSONDecodeError", "Expecting value: line 1 column 1 (char 0)", "bad data"),
    ("ValueError", "Expecting value: line 1 column 1 (char 0)", "bad data"),
    ("KeyError", "'homeTeam'", "bad data"),
    ("TypeError", "'NoneType' object is not subscriptable", "bad data"),
    ("RuntimeError", "circuit breaker open for plugin nhl", "circuit open"),
    ("LoggedError", "calendar update failed: Google Calendar token expired", "key rejected"),
    ("requests.exceptions.HTTPError", "something odd", "HTTP error"),
    ("ZeroDivisionError", "division by zero", "ZeroDivisionError"),
    ("", "", "error"),
]


def alert(error_type: str, message: str = "", origin: str = "pattern") -> Alert:
    return Alert("k", Severity.ERROR, "weather", error_type, message, 3, 0.0, 0.0, origin=origin)


@pytest.mark.parametrize(("error_type", "message", "expected"), ERRORS,
                         ids=[f"{e[2]}:{e[0]}:{e[1][:30]}" for e in ERRORS])
def test_cause_is_read_from_what_the_error_is(error_type: str, message: str, expected: str) -> None:
    assert cause(alert(error_type, message)) == expected


@pytest.mark.parametrize(("token", "expected"), [
    ("CircuitOpen", "circuit open"), ("CircuitHalfOpen", "recovering"), ("NotUpdating", "not updating"),
    ("LoadFailed", "failed to load"), ("InitFailed", "failed to start"),
    ("DisabledAfterFailures", "disabled"),
    ("StateError", "error"), ("Degraded", "degraded")])
def test_health_conditions_have_their_own_words(token: str, expected: str) -> None:
    assert cause(alert(token, "whatever the reason says", origin="health")) == expected
    assert HEALTH_CAUSES[token] == expected


def test_an_unknown_health_condition_falls_back_to_its_message_then_its_name() -> None:
    assert cause(alert("Stuck", "update() timed out", origin="health")) == "timeout"
    assert cause(alert("Stuck", "", origin="health")) == "Stuck"


def test_alertmanager_alerts_show_their_alertname_shortened() -> None:
    assert cause(alert("HighCPU", "CPU above 90% on pi", origin="alertmanager")) == "HighCPU"
    long = cause(alert("NodeFilesystemAlmostOutOfSpaceOnRoot", "x", origin="alertmanager"))
    assert long == "NodeFilesystemAlmost" and len(long) <= 20
    assert cause(alert("", "x", origin="alertmanager")) == "alert"


def test_test_alerts_say_so() -> None:
    assert cause(alert("TestAlert", "401 Unauthorized", origin="test")) == "test alert"


def test_cause_is_fast_and_cached() -> None:
    classify.cache_clear()
    message = "x" * 10_000 + " Read timed out"  # past the matched prefix: not found, by design
    started = time.perf_counter()
    first = classify("pattern", "OSError", message)
    once = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(1000):
        assert classify("pattern", "OSError", message) == first
    assert (time.perf_counter() - started) / 1000 < max(once, 1e-5)
    assert once < 0.05


@pytest.mark.parametrize(("message", "expected"), [
    (f"{POOL}Read timed out. (read timeout=10)", "api.openweathermap.org: Read timed out. (read timeout=10)"),
    ("401 Client Error: Unauthorized for url: https://api.openweathermap.org/data/2.5/weather?appid=[REDACTED]",
     "401 Unauthorized api.openweathermap.org"),
    (f"{POOL}{CAUSED}NewConnectionError('{OBJECT}: Failed to establish a new connection: [Errno 111] "
     "Connection refused'))", "api.openweathermap.org: Connection refused"),
    ("GET https://bob:[REDACTED]@api.example.com/v1/x?token=[REDACTED] failed", "GET api.example.com failed"),
    ("connect mysql://root:p@ssW0rd!@db:3306/ledmatrix refused", "connect db refused"),
    ("[Errno 28] No space left on device: '/var/cache/x.json'",
     "No space left on device: '/var/cache/x.json'"),
    ("line one\n\tline   two  ", "line one line two"),
    ("display() raised RuntimeError", "display() raised RuntimeError"),
])
def test_detail_keeps_hosts_not_urls_and_drops_library_noise(message: str, expected: str) -> None:
    assert shorten(message) == expected


def test_detail_is_bounded_and_empty_when_it_only_repeats_the_cause() -> None:
    long = shorten("word " * 100)
    assert len(long) <= MAX_DETAIL_CHARS and long.endswith("…")
    assert detail("timeout", "timeout") == ""
    assert detail("", "x") == ""
    assert shorten("https://h.example/" + "a" * 5000) == "h.example"
