"""Locks that survive ``os.fork()``. The child of a fork has only the thread that forked, but every
lock another thread held at that moment stays held in the child forever: each object registered
here gets fresh locks in the child (``reset_after_fork``), and ``Lock`` is a lock that does so itself.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Protocol


class ForkAware(Protocol):
    """An object that renews its locks (and forgets its threads) in a forked child."""

    def reset_after_fork(self) -> None:
        """Called in the child, before anything else runs there."""
        ...


_registered: weakref.WeakSet[ForkAware] = weakref.WeakSet()


def register(obj: ForkAware) -> None:
    """Have ``obj.reset_after_fork()`` called in every forked child (held weakly)."""
    _registered.add(obj)


class Lock:
    """A ``threading.Lock`` that is fresh (unlocked) in a forked child; for locks off the hot path."""

    __slots__ = ("__weakref__", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        register(self)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """As ``threading.Lock.acquire``."""
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        """As ``threading.Lock.release``."""
        self._lock.release()

    def locked(self) -> bool:
        """As ``threading.Lock.locked``."""
        return self._lock.locked()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def reset_after_fork(self) -> None:
        """A new, unlocked lock."""
        self._lock = threading.Lock()


def _after_fork_in_child() -> None:
    for obj in list(_registered):
        try:
            obj.reset_after_fork()
        except Exception:  # a child must start whatever one object does
            continue


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
