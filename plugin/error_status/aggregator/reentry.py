"""Calls into the aggregator made by a thread that is already inside one: a finaliser the garbage
collector runs in our locked section, a signal handler, a log handler fed by our own logging, a
subscriber. They take nothing we may hold: the occurrence is queued without a lock and taken in
by that thread's (or any thread's) next call."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

Deferred = tuple[str, tuple[Any, ...], float, float]  # ("error" | "ingest", arguments, monotonic, wall)


class Reentry:
    """Which threads are inside the aggregator, and what their nested calls left for later."""

    def __init__(self, capacity: int) -> None:
        self._inside: set[int] = set()  # thread idents (a set of ints costs less than a threading.local)
        self._queue: deque[Deferred] = deque()
        self._capacity = capacity
        self.dropped = 0
        self.deferred = 0

    def enter(self) -> bool:
        """Mark this thread as inside; False (and nothing marked) when it already was."""
        me = threading.get_ident()
        if me in self._inside:
            return False
        self._inside.add(me)
        return True

    def leave(self) -> None:
        """This thread's outermost call is done."""
        self._inside.discard(threading.get_ident())

    def defer(self, item: Deferred) -> None:
        """Queue a nested call's occurrence (``deque.append`` takes no lock of ours); beyond the
        capacity the oldest is dropped and counted."""
        if len(self._queue) >= self._capacity:
            try:
                self._queue.popleft()
                self.dropped += 1
            except IndexError:
                pass
        self._queue.append(item)
        self.deferred += 1

    @property
    def pending(self) -> bool:
        """True when nested calls left occurrences to take in."""
        return bool(self._queue)

    def take(self) -> list[Deferred]:
        """The occurrences queued so far (not those queued while they are being taken in)."""
        taken: list[Deferred] = []
        for _ in range(len(self._queue)):
            try:
                taken.append(self._queue.popleft())
            except IndexError:
                break
        return taken

    def reset_after_fork(self) -> None:
        """In a forked child no other thread is inside any more."""
        self._inside = set()
