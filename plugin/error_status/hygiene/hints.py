"""The cheap pre-check of redaction: which texts no rule can change.

Every rule of ``redact`` needs one of a few substrings (its hints) in the lower-cased text: a secret
name ("token", "passwd"), a scheme ("bearer"), "://", "%", the start of a well-known token shape.
A text holding none of them is plain. No hint holds a blank, so a hint never spans two words: the
check can run on a text, on the words of a text, or on many short texts joined by blanks.

The hints are looked for by one expression that shares their common starts (a flat alternation
of 30 words costs twice as much: the engine tries every word at every position).
"""

from __future__ import annotations

import re

# substrings that every secret name, or an authorisation scheme, contains
NAME_HINTS = ("key", "token", "secret", "pass", "pwd", "auth", "sig", "credential", "session",
              "appid", "cookie", "bearer", "basic", "digest")
# every rule's hints, in lower case (for a token shape: its start, up to its separator)
ALL_HINTS = (*NAME_HINTS, "://", "%", "-----begin", "k=", "code=", "akia", "asia", "aiza", "eyj",
             "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "k_live_", "k_test_",
             "xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-", "xoxe-", "sk-", "glpat-")


def _alternation(words: list[str]) -> str:
    """A regular expression matching any of ``words``, their common starts written once (a trie):
    ``key|k=`` becomes ``k(?:ey|=)``. A word that starts another is enough on its own."""
    branches: dict[str, list[str]] = {}
    for word in words:
        branches.setdefault(word[0], []).append(word[1:])
    parts = []
    for first, rests in sorted(branches.items()):
        if "" in rests:
            parts.append(re.escape(first))
            continue
        inner = _alternation(rests)
        parts.append(re.escape(first) + (f"(?:{inner})" if "|" in inner else inner))
    return "|".join(parts)


_ANY_HINT = re.compile(_alternation(sorted(set(ALL_HINTS))))


def is_plain(text: str) -> bool:
    """True when redaction cannot change ``text``: plain printable ASCII holding no rule's hint."""
    return text.isascii() and text.isprintable() and _ANY_HINT.search(text.lower()) is None


def holds_hint(text: str) -> bool:
    """True when a rule's hint occurs in ``text`` (false: redaction of the text ``visible_text``
    made into ``text`` changes nothing)."""
    return _ANY_HINT.search(text.lower()) is not None


def suspect_hints(text: str) -> list[str] | None:
    """The hints (lower case) of the rules that could match in ``text``: none means redaction cannot
    change it; None means it cannot be told cheaply (not plain printable ASCII)."""
    if not (text.isascii() and text.isprintable()):
        return None
    low = text.lower()
    if _ANY_HINT.search(low) is None:
        return []
    return [hint for hint in ALL_HINTS if hint in low]


def hint_starts(text: str) -> list[int] | None:
    """Where hints start in ``text``, enough of them that every word holding one holds a start (a
    hint overlapping another found one is not reported again); None as for ``suspect_hints``."""
    if not (text.isascii() and text.isprintable()):
        return None
    return [match.start() for match in _ANY_HINT.finditer(text.lower())]
