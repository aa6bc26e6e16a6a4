"""Credentials in messages and context are redacted before anything is stored, summarised,
exported, logged or drawn; export files are readable by their owner only."""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile import OBFUSCATED, SECRET_CONTEXT, SECRET_CONTEXT_VALUES, SECRETS
from stress import exposure

from error_status.aggregator import ErrorAggregator
from error_status.hygiene.redact import REDACTED, redact_text

Build = Callable[..., ErrorAggregator]
CASES = {**SECRETS, **OBFUSCATED}


@pytest.mark.parametrize("label", list(CASES))
def test_a_credential_is_nowhere_to_be_read(label: str, tmp_path: Path) -> None:
    text, secret = CASES[label]
    seen = exposure(text, SECRET_CONTEXT, tmp_path)
    assert seen.recorded == 5 and seen.alerts >= 3, "not everything went in: the check would prove nothing"
    assert any("pattern detected" in line for line in seen.places["the aggregator's log output"].splitlines())
    assert seen.of(secret) == [], f"{label}: the credential can be read in {seen.of(secret)}"
    for value in SECRET_CONTEXT_VALUES:
        assert seen.of(value) == [], f"context credential {value!r} can be read in {seen.of(value)}"
    assert REDACTED in seen.places["record 0 message"]  # redacted, not dropped
    assert REDACTED in seen.places["export file"]
    tickers = [text for name, text in seen.places.items() if name.startswith("ticker ")]
    host = re.search(r"://(?:\S*@)?([^/:?\s@]+)", text)
    if host:  # the ticker shows a URL as its host only: the credentials went with the rest of it
        assert any(host.group(1) in ticker for ticker in tickers)
    else:
        assert any(REDACTED in ticker for ticker in tickers)


def test_redaction_keeps_what_is_not_a_credential() -> None:
    for text in ("missing key: 'temp'", "KeyError: 'homeTeam'", "Read timed out. (read timeout=10)",
                 "HTTPSConnectionPool(host='api.x.com', port=443)", "天気 😀 Straße",
                 "429 Too Many Requests, retry after 60 seconds", "line one\nline two\ttabbed"):
        assert redact_text(text) == text


@pytest.mark.parametrize("unit", ["auth", "a.", "a-", "key", "eyJa.", "https://", "a:", "\x1b[", "ab.cd-ef_"])
def test_redaction_takes_linear_time_on_text_made_to_backtrack(unit: str) -> None:
    text = (unit * (2000 // len(unit) + 1))[:2000]  # the longest text redaction ever sees
    started = time.perf_counter()
    redact_text(text)
    assert time.perf_counter() - started < 0.05  # one rule used to take 3 s on 2 kB of "auth"


def owner_only(path: Path) -> bool:
    return stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_export_files_are_readable_by_their_owner_only(make_aggregator: Build, tmp_path: Path) -> None:
    manual = tmp_path / "manual.json"
    manual.write_text("{}")
    os.chmod(manual, 0o644)  # an older, world-readable export is replaced by a private one
    auto = tmp_path / "auto"
    aggregator = make_aggregator(pattern_threshold=1, export_path=auto, export_min_interval=0.001)
    old_umask = os.umask(0)
    try:
        aggregator.export_to_file(manual)
        aggregator.record_error(ValueError("password=hunter2"), plugin_id="p")
        deadline = time.monotonic() + 5
        while aggregator.stats()["exports_written"] < 1 and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        os.umask(old_umask)
    files = [manual, *auto.glob("errors_*.json")]
    assert len(files) == 2 and all(owner_only(path) for path in files)
    assert "hunter2" not in files[1].read_text("utf-8")
