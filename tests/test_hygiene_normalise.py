"""Roll-up (issue 8): occurrences of one problem share a fingerprint even when every message is
unique (random ids, hashes, timestamps), and different problems keep different ones."""

from __future__ import annotations

import base64
import hashlib
import random
import string
import time
import uuid
from collections.abc import Callable

import pytest

from error_status.aggregator import ErrorAggregator
from error_status.aggregator.fingerprint import MessageCleaner, normalise_message

RNG = random.Random("roll-up")


def youtube_id(rng: random.Random) -> str:
    """An 11-character YouTube video id (letters of both cases, digits, - and _) with a digit and both
    cases (as good as all are; an id in one case with one digit at its end reads like "connection1")."""
    while True:
        video = "".join(rng.choice(string.ascii_letters + string.digits + "-_") for _ in range(11))
        if any(ch.isdigit() for ch in video) and not video.isupper() and not video.islower():
            return video


VARYING: dict[str, Callable[[random.Random], str]] = {
    "YouTube video ids": lambda r: f"YouTube video {youtube_id(r)} unavailable",
    "ids with a single digit": lambda r: f"video {''.join(r.sample('abcdefghijKLMNOPQRSTUV', 10))}7 gone",
    "sha1 hashes": lambda r: f"commit {hashlib.sha1(r.randbytes(8)).hexdigest()} not found",
    "md5 hashes": lambda r: f"etag {hashlib.md5(r.randbytes(8)).hexdigest()} changed",
    "UUIDs": lambda r: f"request {uuid.UUID(int=r.getrandbits(128))} failed",
    "base64": lambda r: f"bad signature {base64.b64encode(r.randbytes(r.choice((16, 17, 18)))).decode()}",
    "timestamps": lambda r: f"stale data from 2024-0{r.randint(1, 9)}-1{r.randint(0, 9)}T1{r.randint(0, 9)}:"
                            f"{r.randint(10, 59)}:{r.randint(10, 59)}Z",
    "words mixed with digits": lambda r: f"session {r.choice('abc')}{r.randint(1, 9)}{r.choice('xyz')}"
                                         f"{r.randint(10, 99)} expired",
    "long alphanumeric runs": lambda r: "token " + "".join(r.choice(string.ascii_lowercase + string.digits)
                                                           for _ in range(24)) + "x1 rejected",
    "numbers and durations": lambda r: f"Read timed out after {r.randint(1, 60)}.{r.randint(0, 9)}s "
                                       f"({r.randint(100, 999)}ms) on attempt {r.randint(1, 5)}",
    "hex addresses": lambda r: f"<object at 0x{r.getrandbits(48):x}> is not JSON serializable",
    "ip addresses": lambda r: f"connect to 10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
                              f":{r.randint(1024, 65535)} refused",
}


@pytest.mark.parametrize("label", list(VARYING))
def test_one_problem_one_fingerprint_however_its_messages_vary(label: str) -> None:
    messages = {VARYING[label](RNG) for _ in range(200)}
    assert len(messages) > 150  # (really varying)
    fingerprints = {normalise_message(m) for m in messages}
    assert len(fingerprints) == 1, sorted(fingerprints)


def test_distinct_problems_keep_distinct_fingerprints() -> None:
    messages = ["bad JSON", "missing field temp", "No space left on device", "HTTPError: 503",
                "KeyError: 'homeTeam'", "ConnectionRefusedError", "YouTube video unavailable",
                "invalid utf-8 sequence", "IPv6 not supported", "mp3 decoder missing",
                "API v2 deprecated", "Read timed out", "Max retries exceeded"]
    assert len({normalise_message(m) for m in messages}) == len(messages)


@pytest.mark.parametrize(("message", "expected"), [
    ("HTTPError: 503 Service Unavailable", "HTTPError: <n> Service Unavailable"),
    ("KeyError: 'homeTeam'", "KeyError: <str>"),
    ("invalid utf-8 sequence", "invalid utf-<n> sequence"),
    ("IPv6 and mp3 and v2 and x86_64", "IPv<n> and mp<n> and v<n> and x<n>_<n>"),
    ("ConnectionRefusedError NewConnectionError", "ConnectionRefusedError NewConnectionError"),
    ("game_401547 at 7pm", "game_<n> at <n>pm"),
    ("YouTube video kJQPkiwFkxx unavailable", "YouTube video kJQPkiwFkxx unavailable"),  # letters only
    ("GET https://x.io/v2?id=9 failed", "GET <url> failed"),
    ("[Errno 28] No space left on device: '/var/cache/13.json'",
     "[Errno <n>] No space left on device: <str>"),
    ("  spaced\tout\n text ", "spaced out text"),
])
def test_words_stay_and_only_their_digits_vary(message: str, expected: str) -> None:
    assert normalise_message(message) == expected


def test_unique_messages_of_one_problem_make_one_pattern(
        make_aggregator: Callable[..., ErrorAggregator]) -> None:
    aggregator = make_aggregator(pattern_threshold=5)
    for _ in range(50):
        aggregator.record_error(LookupError(f"YouTube video {youtube_id(RNG)} unavailable"), plugin_id="yt")
    (pattern,) = aggregator.active_patterns()
    assert pattern.count == 50 and pattern.fingerprint == "YouTube video <id> unavailable"


def test_a_cut_message_keeps_its_fingerprint_whatever_its_ids() -> None:
    cleaner = MessageCleaner(60)
    messages = [f"timeout for item {youtube_id(RNG) * n} after 5s, then more and more" for n in (2, 3, 4)]
    cleaned = [cleaner.clean(m) for m in messages]
    assert all(len(message) <= 60 and message.endswith("…") for message, _ in cleaned)
    assert len({normalised for _, normalised in cleaned}) == 1  # (the cut word is left out)


def test_the_cleaner_never_raises() -> None:
    rng = random.Random("cleaner")
    alphabet = "aZ09=:&,;%/@'\" -_.?#<>…\x00\t\n"
    for limit in (8, 9, 40, 500):
        cleaner = MessageCleaner(limit)
        for _ in range(500):
            raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))
            message, normalised = cleaner.clean(raw)
            assert len(message) <= limit and len(normalised) <= 200


def test_the_cleaner_redacts_before_it_normalises() -> None:
    message, normalised = MessageCleaner(500).clean("login password=Qz7Xk2Lm9 refused at 12:00")
    assert message == "login password=[REDACTED] refused at 12:00"
    assert normalised == "login password=[REDACTED] refused at <n>:<n>"


ADVERSARIAL = ["a1" * 5_000, "1" * 10_000, "a" * 10_000 + "1", "-" * 10_000 + "1", "0x" * 5_000,
               "1." * 5_000, "'" * 10_000, "1a-" * 3_000, "=" * 5_000 + "a1", "a=1" * 3_000,
               "1-" * 5_000 + "a", "Zz9" * 3_000, "1.1.1." * 2_000, "https://" * 1_000]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_no_input_makes_normalising_backtrack(text: str) -> None:
    started = time.perf_counter()
    normalise_message(text)
    assert time.perf_counter() - started < 0.25


def test_normalising_never_raises_and_is_stable() -> None:
    rng = random.Random("normalise")
    alphabet = "aZ09=:&,;%/@'\"\\ -_.?#<>\x00\t\n" + "0x"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        once = normalise_message(text)
        assert "\x00" not in once and once == once.strip()
