"""The shortcuts of the message path give exactly what the full treatment gives: the pre-check of
redaction never calls a text plain that redaction would change, normalising word by word (digits
folded, words remembered) equals the rules run over the whole text, and the cleaner's one pass for
plain text equals redaction followed by normalisation."""

from __future__ import annotations

import random
import re
import string

import pytest

from error_status.aggregator import normalise
from error_status.aggregator.fingerprint import MAX_NORMALISED, MessageCleaner
from error_status.hygiene import context as context_copy
from error_status.hygiene import hints, redact
from error_status.hygiene.budget import shorten
from error_status.hygiene.redact import redact_text, visible_text

PIECES = ["token", "key", "pass", "password=", "Bearer ", "basic ", "://", "https://", "http://u:p@h/", "%3D",
          "%25", "'", '"', "=", ":", ",", ";", "&", "?k=", "code=", "AKIA", "eyJ", "ghp_", "sk-", "xoxb-",
          "glpat-", "-----BEGIN ", "PRIVATE KEY-----", "0x", "0X1f", "1.2.3.4", "10.0.0.1:8080", "\t", "\n",
          " ", "  ", "\x00", "\x01", "\x1b[0m", "é", "ｔｏｋｅｎ", "\u200b", "a1b2", "ABCdef", "+/", "==",
          "/var/", "12", "3.5s", "200ms", "IPv6", "x86_64", "game_401", "-", "_", ".", "<", ">", "(", ")",
          "[", "]",
          "hooks.slack.com/services/", "/key/", "--token ", "sig", "session", "cookie", "k_live_",
          "2024-05-01T12:00:00Z", "deadbeef0123", "c0ffee", "QUJDREVGR0hJSktMTU5PUA==", "v2", "mp3"]
ALPHABET = string.ascii_letters + string.digits + " _-.:/=+'\"%@?&;,()[]{}<>\t\n"
WORD = "aZx0123456789_-Bf"


def random_texts(seed: str, count: int) -> list[str]:
    """Texts made of secret shapes, variable tokens and noise (as ``tests/hostile.py`` does for
    hostile input): every rule and every shortcut gets its turn."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.4:
            parts = [rng.choice(PIECES) if rng.random() < 0.5 else rng.choice(ALPHABET)
                     for _ in range(rng.randint(0, 40))]
        elif kind < 0.6:
            parts = [rng.choice(ALPHABET) for _ in range(rng.randint(0, 80))]
        elif kind < 0.75:  # words of letters, digits, "_" and "-": ids and not quite ids
            parts = [rng.choice(("", "0x", "0X", "_", "-")) + "".join(rng.choice(WORD) for _ in range(
                rng.randint(1, 14))) + rng.choice(("", "", "=", "==", ".", ",", ")")) + " "
                for _ in range(rng.randint(1, 10))]
        else:
            parts = [rng.choice(PIECES) + " " + "".join(rng.choice(string.ascii_letters + string.digits)
                                                          for _ in range(rng.randint(0, 12)))
                     for _ in range(rng.randint(1, 12))]
        texts.append("".join(parts))
    return texts


TEXTS = random_texts("shortcuts", 6000)


def test_the_hint_expression_finds_exactly_the_hints() -> None:
    for text in TEXTS[:2000]:
        low = text.lower()
        assert (hints._ANY_HINT.search(low) is not None) == any(h in low for h in hints.ALL_HINTS), text


def test_a_text_called_plain_is_one_redaction_leaves_as_it_is() -> None:
    for text in TEXTS:
        if hints.is_plain(text):
            assert redact_text(text) == text, text
        visible = visible_text(text)
        if not hints.holds_hint(visible):
            assert redact_text(text) == visible, text


def test_every_text_holding_a_hint_holds_a_start_the_context_copy_finds() -> None:
    for text in TEXTS[:2000]:
        starts = hints.hint_starts(text)
        if starts is None:
            continue
        for word in text.split(" "):
            if any(h in word.lower() for h in hints.ALL_HINTS):
                begin = text.index(word)
                assert any(begin <= at < begin + len(word) for at in starts), (text, word)


def whole_text_rules(message: str) -> str:
    """The rules run once over the whole text, nothing folded or remembered (the reference)."""
    text = message.replace("\x00", "").replace("\x01", "")
    if "://" in text:
        text = normalise._URL.sub("\x01", text)
    if "'" in text or '"' in text:
        text = normalise._QUOTED.sub("<str>", text)
    return " ".join(normalise._normalise_words(text).split())


@pytest.mark.parametrize("seed", ["first", "second"])
def test_normalising_word_by_word_equals_the_rules_over_the_whole_text(seed: str) -> None:
    for text in random_texts(seed, 3000):  # (in turn: the words the earlier texts taught are used)
        assert normalise.normalise_message(text) == whole_text_rules(text), text


def test_no_digit_survives_normalising_so_folded_digits_cannot_show() -> None:
    for text in TEXTS:
        assert re.search("[0-9]", normalise.normalise_message(text)) is None, text


@pytest.mark.parametrize("limit", [40, 500])
def test_the_cleaners_one_pass_equals_redaction_then_normalisation(limit: int) -> None:
    cleaner = MessageCleaner(limit)
    for text in TEXTS:
        redacted = redact_text(text)
        expected = (shorten(redacted, limit) if len(redacted) > limit else redacted,
                    normalise.normalise_message(redacted)[:MAX_NORMALISED])
        assert cleaner.clean(text) == expected, text


def test_identifiers_are_not_remembered_and_the_memo_stays_bounded() -> None:
    rng = random.Random("ids")
    for n in range(6000):
        video = "".join(rng.choice(string.ascii_letters) for _ in range(5)) + str(n) + "xY"
        assert normalise.normalise_message(f"video {video} gone at 0x{n:x}") == "video <id> gone at <hex>"
    assert len(normalise._WORDS) <= normalise._WORDS.max_entries
    assert not any("<id>" in form or "<hex>" in form for form in normalise._WORDS._data.values())


@pytest.mark.parametrize("max_text", [200, 64, 63, 8])  # (the larger bounds teach the memo first)
def test_the_quick_context_copy_equals_the_full_treatment_for_any_text_bound(max_text: int) -> None:
    rng = random.Random(f"contexts {max_text}")
    keys = ["url", "status", "api_key", "k" * 70, "note", "request_id", "x" * 9, "token=a", "live"]
    for n in range(300):
        context = {rng.choice(keys): rng.choice([*TEXTS[n * 3:n * 3 + 3], n, 2.5, None, True, "v" * 100])
                   for _ in range(rng.randint(1, 8))}
        assert context_copy.json_safe_context(context, 32, max_text) == context_copy._mapping(
            context, 0, 32, max_text, set()), context


URLS = ["https://api.example.org/v2/items?id=17", "https://bob:Qz7Xk2Lm9@host/x", "http://user@example.com/",
        "https://hooks.slack.com/services/T000/B000/XXXX", "https://x.io/a?token=abc&b=1", "ftp://h/p%2Fq",
        "(https://api.example.org/v1)", "'https://x.org/a'", "https://x.org/a'b", "https://[::1]:8080/x",
        "https://api.telegram.org/bot123:ABC/send", "https://x.org/key/abcdef/y", "http://h:pw/x"]


def test_a_url_word_is_trusted_only_when_redaction_leaves_it_as_it_is() -> None:
    cleaner = MessageCleaner(500)
    for url in URLS:
        for n in range(3):  # (again: the second time the words are known)
            text = f"503 Server Error for url: {url.replace('17', str(n))} ({n} tries)"
            redacted = redact_text(text)
            assert cleaner.clean(text) == (redacted, normalise.normalise_message(redacted)), text
        if redact.unchanged_url_word(url):
            assert redact_text(url) == url, url
