"""A small bounded mapping for memoising cleaned text and captured stacks."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, KeysView
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most ``max_entries`` entries, the oldest inserted dropped first (FIFO).

    An ``OrderedDict`` drops its oldest entry in O(1); a plain dict would not: ``next(iter(d))`` walks
    past every slot freed by earlier evictions, which cost a microsecond per insert at 1,024 entries.
    Neither ``get`` nor ``put`` takes a lock: they run inside ``except`` blocks, finalisers and
    signal handlers, where a lock held by the same thread would never be released. Dict operations
    are atomic; writers evicting at the same moment may overshoot the bound by one entry each, and
    the next insert brings it back to the bound.
    """

    __slots__ = ("_data", "get", "max_entries")

    get: Callable[[K], V | None]
    """The value stored under a key, or None (the dict's own ``get``: no Python frame per call)."""

    def __init__(self, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be >= 1, got {max_entries}")
        self.max_entries = max_entries
        self._data: OrderedDict[K, V] = OrderedDict()
        self.get = self._data.get

    def put(self, key: K, value: V) -> V:
        """Store ``value`` under ``key`` (evicting the oldest entries when full); returns ``value``."""
        data = self._data
        if key not in data:
            while len(data) >= self.max_entries:  # (a loop: writers racing here are evened out next time)
                try:  # (not contextlib.suppress: it costs more than the eviction)
                    data.popitem(last=False)
                except KeyError:  # another thread emptied it
                    break
        data[key] = value
        return value

    def clear(self) -> None:
        """Forget every entry."""
        self._data.clear()  # (the same dict: ``get`` stays bound to it)

    def keys(self) -> KeysView[K]:
        """A live, read-only view of the keys (``context.keys() <= cache.keys()`` runs at C speed)."""
        return self._data.keys()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data
