"""Redaction itself: what it hides and what it keeps, bounded work, redaction before the cut,
linear time whatever the text, and no exception for any input."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from error_status.hygiene import redact
from error_status.hygiene.budget import bounded_head, bounded_tail
from error_status.hygiene.redact import (
    REDACTED,
    RedactionCache,
    is_plain,
    is_secret_name,
    redact_bounded,
    redact_text,
)

KEPT = [
    "missing key: 'temp'", "KeyError: 'homeTeam'", "Read timed out. (read timeout=10)",
    "HTTPSConnectionPool(host='api.x.com', port=443)", "ssh://git@github.com/org/repo.git",
    "https://user@example.com/x", "https://example.com:8443/x", "http://[::1]:8080/x",
    "tests passed: 5", "bypass=1 compass: north", "token is invalid", "basic auth failed",
    "session expired", "HTTP/1.1 404 Not Found", "retry in 5s", "IPv6 only", "contact bob@example.com",
    "100% done", "50%", "keyboard=us", "the sig file", "No space left on device", "bad JSON",
    "KeyError", "pass", "passed=3", "x = {'a': 1, 'b': [2, 3]}", "--verbose --retries 3",
]


@pytest.mark.parametrize("text", KEPT)
def test_text_without_a_credential_is_kept_as_it_is(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("login pass=Qz7Xk2 refused", "login pass=[REDACTED] refused"),
    ("db_pass: Qz7Xk2", "db_pass: [REDACTED]"),
    ("password=a,b&c next", "password=[REDACTED] next"),
    ("?password=abc&user=bob", "?password=[REDACTED]&user=bob"),
    ("password=abc, user=bob", "password=[REDACTED], user=bob"),
    ("https://x-access-token@github.com/o", "https://[REDACTED]@github.com/o"),
    ("https://Qz7Xk2Lm9Vw4Rt6@github.com/o", "https://[REDACTED]@github.com/o"),
    ("https://bob:p@ss@db/x", "https://[REDACTED]@db/x"),
    ("https://bob:Qz7X", "https://bob:[REDACTED]"),  # a password whose "@" was cut off
    ("https://api.telegram.org/bot12:AAx/getMe", "https://api.telegram.org/bot[REDACTED]/getMe"),
    ("https://hooks.slack.com/services/T1/B2/x3 x", "https://hooks.slack.com/services/[REDACTED] x"),
    ("https://maker.ifttt.com/trigger/ev/with/key/abc", "https://maker.ifttt.com/trigger/[REDACTED]"),
    ("('token', 'abc')", "('token', '[REDACTED]')"),
    ("--api-key abc", "--api-key [REDACTED]"),
    ('"password": "correct horse"', '"password": "[REDACTED]"'),
    ('{\\"token\\": \\"abc\\"}', '{\\"token\\": \\"[REDACTED]\\"}'),
    ("Authorization: Bearer abcdefgh", "Authorization: Bearer [REDACTED]"),
    ("GET /x?code=abc&state=1", "GET /x?code=[REDACTED]&state=1"),
])
def test_credentials_are_hidden_and_the_rest_kept(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_percent_encoded_credentials_are_found_decoded() -> None:
    assert redact_text("next=%2Fcb%3Fx%3D1") == "next=%2Fcb%3Fx%3D1"  # nothing to hide: left encoded
    out = redact_text("to=https%3A%2F%2Fbob%3AQz7Xk2%40host%2F")
    assert "Qz7Xk2" not in out and REDACTED in out


@pytest.mark.parametrize("text", [
    "password=x", "https://bob:pw@h/x", "ghp_" + "a1" * 20, "('password', 'x')", "Bearer abcdefgh",
    "https://hooks.slack.com/services/a/b", "pass=%41", "u=%253Fapi_key%253Dabc", "--token x",
    "https://api.telegram.org/bot1:a/x", "https://bob:Qz7X",
])
def test_redaction_is_idempotent(text: str) -> None:
    once = redact_text(text)
    assert REDACTED in once and redact_text(once) == once


@pytest.mark.parametrize(("name", "secret"), [
    ("api_key", True), ("X-Auth-Token", True), ("passphrase", True), ("db_pass", True), ("PASS", True),
    ("sig", True), ("client_secret", True), ("cookie", True), ("Authorization", True),
    ("bypass", False), ("passed", False), ("keyboard", False), ("monkey", False), ("status", False),
    ("signal", False), ("headers", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_redact_bounded_redacts_then_cuts() -> None:
    assert redact_bounded("short", 10) == "short"
    assert redact_bounded("x" * 20, 10) == "x" * 9 + "…"
    assert redact_bounded("password=" + "s" * 30 + " tail", 25) == "password=[REDACTED] tail"
    assert redact_bounded("abc def", 0) == ""
    assert redact_bounded("abcdef", 3, ellipsis="") == "abc"
    assert redact_bounded("line one\nline two", 9, from_end=True) == "…line two"


def test_a_word_cut_by_the_budget_is_dropped_not_kept() -> None:
    assert bounded_head("one two three", 9) == "one two"
    assert bounded_head("one two three", 8) == "one two "  # the cut fell on a blank: nothing cut in half
    assert bounded_head("onetwothree", 5) == ""
    assert bounded_tail("one two\nthree four", 12) == "three four"
    assert bounded_tail("onetwothree", 5) == ""
    text = "w " * 40 + "https://bob:Qz7Xk2Lm9@host"
    assert "Qz7" not in redact_bounded(text, 10)  # budget 104: cut inside the password


def test_redaction_never_sees_more_than_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = redact.redact_text
    monkeypatch.setattr(redact, "redact_text", lambda text: seen.append(len(text)) or real(text))
    for text in ("x " * 5_000_000, "x" * 10_000_000, "password=" + "y" * 10_000_000):
        redact_bounded(text, 500)
        redact_bounded(text, 500, from_end=True)
    assert seen and max(seen) <= 4 * 500 + 64


def test_a_cached_tail_is_redacted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = RedactionCache(4)
    calls: list[str] = []
    real = redact.redact_bounded
    monkeypatch.setattr(redact, "redact_bounded", lambda *a, **k: calls.append("x") or real(*a, **k))
    trace = "Traceback\n" + "  token=abc\n" * 2000
    first = cache.tail(trace, 8000)
    assert cache.tail(trace, 8000) is first and len(calls) == 1
    assert len(first) <= 8000 and first.startswith("…") and "abc" not in first


ADVERSARIAL = [
    "a" * 10_000 + "=", "://" * 5_000, "%3D" * 5_000, "%25" * 5_000, "key" * 4_000, "token=" * 2_000,
    "password=" + "a," * 5_000, "https://" + "a:" * 5_000, "https://" + "a@" * 5_000, "a://" * 3_000,
    '"password": "' + "\\" * 10_000, "-----BEGIN RSA PRIVATE KEY-----" + "x" * 10_000,
    "--token " * 1_500, "'token', " * 1_500, "Bearer " * 2_000, "ghp_" * 3_000, "eyJ" + "a." * 5_000,
    "a-" * 5_000 + "key=", "password=" + "&a" * 5_000, "%" * 10_000, "\\\"password\\\": " * 700,
    "x=" * 5_000, "pass " * 2_000, "a" * 10_000 + "://", "?k=" * 3_000, "b'" * 5_000,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_no_input_makes_redaction_backtrack(text: str) -> None:
    started = time.perf_counter()
    redact_text(text)
    assert time.perf_counter() - started < 0.25  # linear: a few ms; quadratic: seconds


def _best(call: Callable[[], object], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("unit", ["a" * 50 + "=", "https://a:b@", "password=a,", "key", "%3D", "ab12 cd "])
def test_redaction_costs_linear_time(unit: str) -> None:
    short, long = unit * (1000 // len(unit)), unit * (10_000 // len(unit))
    ratio = _best(lambda: redact_text(long)) / max(_best(lambda: redact_text(short)), 1e-6)
    assert ratio < 30  # 10x the text; quadratic work would take ~100x


def test_redaction_never_raises() -> None:
    rng = random.Random("redact")
    alphabet = "aZ09=:&,;%/@'\"\\ -_.?#[](){}<>\x00\x1b\u200b\u202e\ud800ｐ" + "passwordtokenkey://"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        for limit in (1, 8, 64):
            out = redact_bounded(text, limit)
            assert len(out) <= limit
            assert isinstance(redact_text(text), str) and isinstance(is_plain(text), bool)
