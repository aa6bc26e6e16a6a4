"""Text within a budget of characters: never a word cut in half, and a mark where text was left out.

Redaction cannot recognise a credential whose end (or start) was cut off, so text bounded before it
is redacted loses the cut word whole instead of keeping half of it.
"""

from __future__ import annotations


def bounded_head(text: str, budget: int) -> str:
    """At most ``budget`` characters from the start of ``text``, without a word cut in half: the
    rules cannot recognise a credential whose end was cut off, so its start is not kept either."""
    if len(text) <= budget:
        return text
    head = text[:budget]
    if text[budget].isspace() or head[-1:].isspace():
        return head
    return head[: max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"), 0)]


def bounded_tail(text: str, budget: int) -> str:
    """At most ``budget`` characters from the end of ``text``, starting at a line (or word) that
    was not cut: a trace kept from its end must not start in the middle of a URL or a token."""
    if len(text) <= budget:
        return text
    tail = text[-budget:]
    if text[-budget - 1].isspace() or tail[:1].isspace():
        return tail
    for separator in ("\n", " ", "\t"):
        found = tail.find(separator)
        if found >= 0:
            return tail[found + 1:]
    return ""


def shorten(text: str, limit: int, *, cut: bool = False, ellipsis: str = "…", from_end: bool = False) -> str:
    """``text`` in at most ``limit`` characters, marked with ``ellipsis`` where something was left out
    (also when ``cut``: something was left out before)."""
    if len(text) <= limit and not cut:
        return text
    keep = max(0, limit - len(ellipsis))
    if from_end:
        return ellipsis[:limit] + text[len(text) - keep:] if keep else ellipsis[:limit]
    return text[:keep] + ellipsis[:limit] if len(text) > keep or cut else text
