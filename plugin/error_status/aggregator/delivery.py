"""Delivery of lifecycle events to subscribers: outside the aggregator's lock, in order, isolated."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from ..hygiene.coerce import identifier, type_name
from .events import EventKind, PatternEvent

logger = logging.getLogger(__name__)

_IDLE_EXIT_SECONDS = 10.0
_local = threading.local()


Callback = Callable[[PatternEvent], object]


def in_delivery_thread() -> bool:
    """True inside a subscriber callback (its delivery thread)."""
    return bool(getattr(_local, "delivering", False))


class Subscription:
    """A subscriber's queue of events: delivered to ``callback`` on its own thread, or drained.

    A subscriber that blocks delays only itself; when its queue is full the oldest events are
    dropped and counted in ``dropped``, never silently.
    """

    def __init__(self, hub: EventHub, callback: Callback | None, kinds: frozenset[EventKind] | None,
                 max_pending: int, name: str) -> None:
        self._hub = hub
        self._callback = callback
        self._kinds = kinds
        self._max_pending = max_pending
        self.name = name
        self._pending: deque[PatternEvent] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._offered = 0
        self._done = 0
        self._busy_since: float | None = None
        self.closed = False
        self.dropped = 0
        self.failures = 0

    def close(self) -> None:
        """Stop receiving events; pending ones are discarded. Idempotent."""
        self._hub.remove(self)
        with self._cond:
            self.closed = True
            self._pending.clear()
            self._cond.notify_all()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def drain(self, limit: int | None = None) -> list[PatternEvent]:
        """Take pending events (for subscriptions made without a callback)."""
        with self._cond:
            count = len(self._pending) if limit is None else min(limit, len(self._pending))
            events = [self._pending.popleft() for _ in range(count)]
            self._done += count
            return events

    @property
    def pending(self) -> int:
        """Events waiting for delivery."""
        return len(self._pending)

    def offer(self, events: Iterable[PatternEvent]) -> int:
        """Queue events for this subscriber; returns the delivery count to wait for (0: none)."""
        with self._cond:
            if self.closed:
                return 0
            wanted = [e for e in events if self._kinds is None or e.kind in self._kinds]
            if not wanted:
                return 0
            for event in wanted:
                if len(self._pending) >= self._max_pending:
                    self._pending.popleft()
                    self.dropped += 1
                    self._done += 1
                self._pending.append(event)
                self._offered += 1
            if self._callback is None:
                return 0
            self._ensure_worker()
            self._cond.notify_all()
            return self._offered

    def wait_delivered(self, target: int, deadline: float, stall_after: float) -> None:
        """Wait until ``target`` events were handled, unless the subscriber is stalled."""
        with self._cond:
            while self._done < target and not self.closed:
                busy = self._busy_since
                now = time.monotonic()
                if now >= deadline or (busy is not None and now - busy > stall_after):
                    return
                self._cond.wait(deadline - now)

    def _ensure_worker(self) -> None:
        """Start the delivery thread if it is not running (called with the lock held)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name=f"error-status:{self.name}",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        """Deliver events one by one, in order; exit when idle or closed."""
        _local.delivering = True
        while True:
            with self._cond:
                if not self._pending and not self.closed:
                    self._cond.wait(_IDLE_EXIT_SECONDS)
                if self.closed or not self._pending:
                    self._thread = None
                    return
                event = self._pending.popleft()
                self._busy_since = time.monotonic()
            self._deliver(event)
            with self._cond:
                self._busy_since = None
                self._done += 1
                self._cond.notify_all()

    def _deliver(self, event: PatternEvent) -> None:
        """Call the subscriber; its exceptions are counted and logged, never propagated."""
        assert self._callback is not None
        try:
            self._callback(event)
        except Exception:
            self.failures += 1
            logger.exception("error-status subscriber %s failed on %s", self.name, event.kind.value)


class EventHub:
    """The aggregator's subscribers; publishing never blocks on them."""

    def __init__(self, max_pending: int, delivery_wait: float) -> None:
        self._subscriptions: tuple[Subscription, ...] = ()
        self._lock = threading.Lock()
        self._max_pending = max_pending
        self._delivery_wait = delivery_wait

    def add(self, callback: Callback | None, kinds: frozenset[EventKind] | None = None,
            name: str = "subscriber") -> Subscription:
        """Register a subscription."""
        subscription = Subscription(self, callback, kinds, self._max_pending, name)
        with self._lock:
            self._subscriptions = (*self._subscriptions, subscription)
        return subscription

    def remove(self, subscription: Subscription) -> None:
        """Unregister a subscription (no-op when already gone)."""
        with self._lock:
            self._subscriptions = tuple(s for s in self._subscriptions if s is not subscription)

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        """The current subscriptions."""
        return self._subscriptions

    @property
    def dropped(self) -> int:
        """Events dropped by the current subscriptions' full queues."""
        return sum(s.dropped for s in self._subscriptions)

    def publish(self, events: list[PatternEvent]) -> None:
        """Hand events to every subscriber, then give quick subscribers a moment to finish.

        The short wait keeps the seed's observable behaviour (a callback has run when
        ``record_error`` returns) for subscribers that do not block; a stalled one is skipped.
        """
        waits = [(s, s.offer(events)) for s in self._subscriptions]
        if in_delivery_thread() or self._delivery_wait <= 0:
            return
        deadline = time.monotonic() + self._delivery_wait
        for subscription, target in waits:
            if target:
                subscription.wait_delivered(target, deadline, self._delivery_wait)


def callback_name(callback: object) -> str:
    """A readable name for a subscriber's thread."""
    try:
        name = getattr(callback, "__qualname__", None)
    except Exception:
        name = None
    return (identifier(name, 64) if isinstance(name, str) else None) or type_name(type(callback))
