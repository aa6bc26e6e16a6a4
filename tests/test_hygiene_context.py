"""Context: cheap for the common flat context, the same result as the full treatment, secrets in
keys and values redacted, repeated values redacted once, the work bounded."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest

from error_status.hygiene import context as sanitize
from error_status.hygiene import redact
from error_status.hygiene.context import json_safe_context
from error_status.hygiene.redact import REDACTED


def realistic(n: int, rng: random.Random) -> dict[str, Any]:
    """32 items as a sports plugin might pass them: numbers, short strings, ids, a URL."""
    context: dict[str, Any] = {
        "url": f"https://site.api.espn.com/apis/site/v2/sports/football/nfl/scoreboard?dates=2024050{n % 9}",
        "status": 503, "attempt": n % 5, "elapsed_ms": 1234.5 + n, "league": "nfl", "team": "KC",
        "request_id": "".join(rng.choice(string.hexdigits) for _ in range(16)), "live": n % 2 == 0,
        "started": f"2024-05-01T12:{n % 60:02d}:00Z", "note": None,
    }
    for k in range(22):
        context[f"field_{k}"] = f"value {rng.randint(0, 9)}" if k % 3 else k * n
    return context


@pytest.fixture
def redactions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts that ``json_safe_context`` hands to redaction."""
    seen: list[str] = []
    real = sanitize.redact_bounded
    monkeypatch.setattr(sanitize, "redact_bounded",
                        lambda text, *a, **k: seen.append(text) or real(text, *a, **k))
    sanitize._TEXTS.clear()
    sanitize._PLAIN_KEYS.clear()
    return seen


def full_treatment(context: dict[str, Any]) -> dict[str, Any]:
    return sanitize._mapping(context, 0, 32, 200, set())


def test_a_flat_context_is_copied_without_redacting_what_needs_none(redactions: list[str]) -> None:
    rng = random.Random("ctx")
    first = realistic(1, rng)
    assert json_safe_context(first, 32, 200) == full_treatment(first)
    redactions.clear()
    for n in range(2, 50):
        context = realistic(n, rng)
        assert json_safe_context(context, 32, 200) == context
    # of 32 items, only the URL could hold a credential; each distinct URL is redacted once
    assert all("://" in text for text in redactions) and len(redactions) == len(set(redactions)) <= 9


@pytest.mark.parametrize("context", [
    {"api_key": "abc", "url": "https://bob:pw@host/x", "ok": "plain", "n": 1},
    {"token=abc": 1, "X-Auth-Token": "t", "passphrase": "p", "bypass": "kept", "monkey": "kept"},
    {"note": "login password=Qz7Xk2 failed", "n": 2.5, "flag": True, "none": None},
    {"Authorization": "Bearer abcdefgh", "headers": "Authorization: Bearer abcdefgh"},
    {"k": "?k=abc&x=1", "code": "GET /cb?code=xyz", "pct": "next=%2Fcb%3Ftoken%3Dabc"},
])
def test_the_quick_copy_equals_the_full_treatment(context: dict[str, Any]) -> None:
    sanitize._PLAIN_KEYS.clear()
    quick = json_safe_context(context, 32, 200)
    assert quick == full_treatment(context)
    assert json_safe_context(context, 32, 200) == quick  # (and again, with its keys known)
    assert REDACTED in repr(quick)


def test_secret_keys_hide_their_values_and_plain_ones_do_not() -> None:
    given = {"db_pass": "x1", "bypass": "y1", "client_secret": "z1", "status": "ok"}
    context = json_safe_context(given, 32, 200)
    assert context == {"db_pass": REDACTED, "bypass": "y1", "client_secret": REDACTED, "status": "ok"}


def test_a_value_is_redacted_before_it_is_cut() -> None:
    head = "password=" + "A" * 700 + " "
    value = head + "w" * (800 - len(head) - len("https://bob:") - 7) + " https://bob:Qz7Xk2Lm9Vw@host"
    assert value[:800].endswith("https://bob:Qz7Xk2")  # (redacting only 800 characters kept this half)
    text = json_safe_context({"detail": value}, 32, 200)["detail"]
    assert "Qz7Xk2" not in text and text.startswith("password=[REDACTED]") and len(text) <= 200


def test_context_work_is_bounded(redactions: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    redacted: list[int] = []
    real = redact.redact_text
    monkeypatch.setattr(redact, "redact_text", lambda text: redacted.append(len(text)) or real(text))
    huge = {f"k{n}": "token=" + "x" * 10_000 for n in range(100_000)}
    context = json_safe_context(huge, 32, 200)
    assert len(context) == 33 and context["…"] == "99968 more items"
    assert len(redactions) <= 2 * 32 and max(redacted) <= 4 * 200 + 64


def test_a_repeated_value_is_redacted_once(redactions: list[str]) -> None:
    for _ in range(20):
        json_safe_context({"url": "https://bob:pw@host/x", "n": 1}, 32, 200)
    assert len(redactions) == 1
