"""Wake-ups from the host's aggregator: one callback per host aggregator per process, however many
mirrors listen (the host has no way to unregister a callback); and ``held``, for taking a lock of
the host's with a timeout."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from .. import forksafe


class WakeListener:
    """One mirror's wake-up: a flag and a callable to nudge. Never raises, never blocks."""

    __slots__ = ("__weakref__", "active", "failures", "pending", "wake")

    def __init__(self, wake: Callable[[], object]) -> None:
        self.wake = wake
        self.active = True
        self.pending = False
        self.failures = 0

    def notify(self) -> None:
        """Set the flag and call ``wake`` (its errors are counted)."""
        if not self.active:
            return
        self.pending = True
        try:
            self.wake()
        except Exception:
            self.failures += 1


class _Dispatcher:
    """The one callback registered on a host aggregator; forwards to weakly-held listeners.

    The host has no unregister and calls this under its own lock: the call only walks a tuple
    (copy-on-write, no lock) and notifies live listeners.
    """

    _error_status_dispatcher = True  # found by marker, so another copy of this module reuses it

    def __init__(self) -> None:
        self._listeners: tuple[weakref.ref[Any], ...] = ()
        self._lock = forksafe.Lock()
        self.calls = 0

    def __call__(self, pattern: object = None) -> None:
        """The host's ``on_pattern_detected`` callback."""
        self.calls += 1
        for ref in self._listeners:
            listener = ref()
            if listener is not None:
                with contextlib.suppress(Exception):
                    listener.notify()

    def add(self, listener: object) -> None:
        """Forward to ``listener`` (held weakly) from now on."""
        with self._lock:
            self._listeners = (*(r for r in self._listeners if r() is not None), weakref.ref(listener))

    def discard(self, listener: object) -> None:
        """Stop forwarding to ``listener``; dead listeners are dropped too."""
        with self._lock:
            self._listeners = tuple(r for r in self._listeners if r() not in (None, listener))

    @property
    def listeners(self) -> int:
        """Live listeners."""
        return sum(1 for r in self._listeners if r() is not None)


_dispatchers: dict[int, tuple[Callable[[], object], Any]] = {}
_registry_lock = forksafe.Lock()


def dispatcher_for(host: object) -> Any | None:
    """The process's dispatcher on ``host``, registered on first use (None: host has no hook).

    The host's ``on_pattern_detected`` and its callback list are foreign code: they are called
    outside the registry's lock (a racing thread may see the dispatcher a moment before the host
    calls it; its mirror polls anyway).
    """
    with _registry_lock:
        known = _known(host)
    if known is not None:
        return known
    found = _registered_dispatcher(host)
    register = None
    if found is None:
        register = getattr(host, "on_pattern_detected", None)
        if not callable(register):
            return None
    candidate = found if found is not None else _Dispatcher()
    with _registry_lock:
        known = _known(host)
        if known is not None:
            return known
        for key in [k for k, (ref, _) in _dispatchers.items() if ref() is None]:
            del _dispatchers[key]
        _dispatchers[id(host)] = (_reference(host), candidate)
    if register is not None:
        try:
            register(candidate)
        except BaseException:
            with _registry_lock:
                if _known(host) is candidate:
                    del _dispatchers[id(host)]
            raise
    return candidate


def _known(host: object) -> Any | None:
    """The dispatcher registered for ``host`` (called with the registry lock held)."""
    entry = _dispatchers.get(id(host))
    return entry[1] if entry is not None and entry[0]() is host else None


def _registered_dispatcher(host: object) -> Any | None:
    """A dispatcher already in the host's callbacks (registered by another copy of this module)."""
    callbacks = getattr(host, "_pattern_callbacks", None)
    if not isinstance(callbacks, list | tuple):
        return None
    return next((cb for cb in list(callbacks) if is_dispatcher(cb)), None)


def is_dispatcher(callback: object) -> bool:
    """True for our dispatchers (a marker, so any copy of this module matches)."""
    return getattr(callback, "_error_status_dispatcher", False) is True


def _reference(obj: object) -> Callable[[], object]:
    """A weak reference when ``obj`` allows one, else a strong one."""
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


@contextlib.contextmanager
def held(lock: object, timeout: float) -> Iterator[bool]:
    """Hold ``lock`` if it is one; yields False when it could not be had within ``timeout``."""
    acquire, release = getattr(lock, "acquire", None), getattr(lock, "release", None)
    if not callable(acquire) or not callable(release):
        yield True
        return
    if not acquire(timeout=timeout):
        yield False
        return
    try:
        yield True
    finally:
        release()
