"""Delivery of lifecycle events to subscribers: queued in sequence order under the aggregator's
lock (``EventHub.enqueue``), handed out after it is released (``EventHub.dispatch``), callbacks
run on a small shared pool of threads, each subscriber in its own order, isolated from the others.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable

from ..hygiene.coerce import identifier, type_name
from .events import EventKind, PatternEvent

logger = logging.getLogger(__name__)

MAX_DELIVERY_THREADS = 8  # however many subscribers: a blocked one holds one thread, not all
QUICK_CALLBACK = 0.002  # seconds: a callback that ever takes longer is never waited for again
_IDLE_EXIT_SECONDS = 10.0
_BATCH = 64  # events one thread delivers to one subscriber before serving the next
_local = threading.local()

Callback = Callable[[PatternEvent], object]


def in_delivery_thread() -> bool:
    """True inside a subscriber callback (a delivery thread)."""
    return bool(getattr(_local, "delivering", False))


class Subscription:
    """A subscriber's queue of events: delivered to ``callback`` on a delivery thread, or drained.

    When the queue is full the oldest events are dropped and counted in ``dropped``, never silently.
    A subscription without a callback may have ``on_ready``: called (outside every lock) when new
    events were queued, to wake whoever drains it.
    """

    def __init__(self, hub: EventHub, callback: Callback | None, kinds: frozenset[EventKind] | None,
                 max_pending: int, name: str, on_ready: Callable[[], object] | None = None) -> None:
        self._hub = hub
        self.callback = callback
        self.on_ready = on_ready
        self._kinds = kinds
        self._max_pending = max_pending
        self.name = name
        self._pending: deque[PatternEvent] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._offered = 0
        self._done = 0
        self.scheduled = False  # guarded by the pool's lock
        self.quick = True  # until a callback takes longer than QUICK_CALLBACK
        self._busy_since: float | None = None  # when the callback now running began
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
        """Take pending events, oldest first (for subscriptions made without a callback)."""
        with self._cond:
            count = len(self._pending) if limit is None else min(limit, len(self._pending))
            events = [self._pending.popleft() for _ in range(count)]
            self._done += count
            return events

    @property
    def pending(self) -> int:
        """Events waiting for delivery."""
        return len(self._pending)

    def enqueue(self, events: Iterable[PatternEvent]) -> int:
        """Queue events (called under the aggregator's lock: nothing here calls foreign code);
        returns the delivery count to wait for (0: nothing was queued)."""
        with self._cond:
            if self.closed:
                return 0
            wanted = [e for e in events if self._kinds is None or e.kind in self._kinds]
            for event in wanted:
                if len(self._pending) >= self._max_pending:
                    self._pending.popleft()
                    self.dropped += 1
                    self._done += 1
                self._pending.append(event)
                self._offered += 1
            return self._offered if wanted else 0

    def wait_delivered(self, target: int, deadline: float) -> None:
        """Wait until ``target`` events were handled, or ``deadline`` (monotonic) passes, or the
        callback turns out slow (then it is never waited for again)."""
        with self._cond:
            while self._done < target and not self.closed and self.quick:
                now = time.monotonic()
                busy = self._busy_since
                if busy is not None and now - busy > QUICK_CALLBACK:
                    self.quick = False
                    return
                if now >= deadline:
                    return
                self._cond.wait(min(deadline - now, QUICK_CALLBACK))

    def deliver_some(self) -> bool:
        """Deliver up to a batch of events in order; True when events remain (a delivery thread)."""
        assert self.callback is not None
        for _ in range(_BATCH):
            with self._cond:
                if self.closed or not self._pending:
                    return False
                event = self._pending.popleft()
                started = self._busy_since = time.monotonic()
            try:
                self.callback(event)
            except Exception:
                self.failures += 1
                logger.exception("error-status subscriber %s failed on %s", self.name, event.kind.value)
            with self._cond:
                self._busy_since = None
                if time.monotonic() - started > QUICK_CALLBACK:
                    self.quick = False
                self._done += 1
                self._cond.notify_all()
        return bool(self._pending) and not self.closed

    def reset_after_fork(self) -> None:
        """In a forked child: a fresh lock; no thread serves this subscription any more."""
        self._cond = threading.Condition(threading.Lock())
        self.scheduled = False


class DeliveryPool:
    """At most ``MAX_DELIVERY_THREADS`` threads running subscribers' callbacks. Each subscription is
    served by one thread at a time, so its events arrive in order; idle threads exit."""

    def __init__(self, max_threads: int = MAX_DELIVERY_THREADS) -> None:
        self._max_threads = max_threads
        self._ready: deque[Subscription] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._threads = 0
        self._idle = 0
        self._closed = False

    def close(self) -> None:
        """Let the threads exit once idle (a callback in progress finishes first)."""
        with self._cond:
            self._closed = True
            self._ready.clear()
            self._cond.notify_all()

    def schedule(self, subscription: Subscription) -> None:
        """Have a thread deliver ``subscription``'s pending events."""
        with self._cond:
            if subscription.scheduled or self._closed:
                return
            subscription.scheduled = True
            self._ready.append(subscription)
            if self._idle == 0 and self._threads < self._max_threads:
                self._threads += 1
                threading.Thread(target=self._run, name="error-status:delivery", daemon=True).start()
            else:
                self._cond.notify()

    def _run(self) -> None:
        """Serve ready subscriptions; exit after a while with nothing to do."""
        _local.delivering = True
        while True:
            with self._cond:
                while not self._ready:
                    if self._closed:
                        self._threads -= 1
                        return
                    self._idle += 1
                    woken = self._cond.wait(_IDLE_EXIT_SECONDS)
                    self._idle -= 1
                    if not woken and not self._ready:
                        self._threads -= 1
                        return
                subscription = self._ready.popleft()
            more = subscription.deliver_some()
            with self._cond:
                if more or (subscription.pending and not subscription.closed):
                    self._ready.append(subscription)
                    self._cond.notify()
                else:
                    subscription.scheduled = False

    def reset_after_fork(self) -> None:
        """In a forked child: the threads did not come along."""
        self._cond = threading.Condition(threading.Lock())
        self._ready.clear()
        self._threads = self._idle = 0


class EventHub:
    """The aggregator's subscribers. Publishing never blocks on them: events are queued under the
    aggregator's lock (so every subscriber sees them in sequence order), handed out after it."""

    def __init__(self, max_pending: int, delivery_wait: float) -> None:
        self._subscriptions: tuple[Subscription, ...] = ()
        self._lock = threading.Lock()
        self._max_pending = max_pending
        self._delivery_wait = delivery_wait
        self._pool = DeliveryPool()
        _hubs.add(self)

    def add(self, callback: Callback | None, kinds: frozenset[EventKind] | None = None,
            name: str = "subscriber", on_ready: Callable[[], object] | None = None) -> Subscription:
        """Register a subscription."""
        subscription = Subscription(self, callback, kinds, self._max_pending, name, on_ready)
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

    def enqueue(self, events: list[PatternEvent]) -> list[tuple[Subscription, int]]:
        """Queue ``events`` for every subscriber (under the aggregator's lock); returns what
        ``dispatch`` needs."""
        queued = []
        for subscription in self._subscriptions:
            target = subscription.enqueue(events)
            if target:
                queued.append((subscription, target))
        return queued

    def dispatch(self, queued: list[tuple[Subscription, int]]) -> None:
        """Start delivery of what ``enqueue`` queued (outside the aggregator's lock), then give
        callbacks that have always been quick a moment to finish: the seed's callbacks had run
        when ``record_error`` returned. A callback once slower than ``QUICK_CALLBACK`` is never
        waited for again, so the longest wait a recording thread can see is ``delivery_wait``,
        once per such subscriber; inside a callback nothing is waited for."""
        for subscription, _ in queued:
            if subscription.callback is not None:
                self._pool.schedule(subscription)
            elif subscription.on_ready is not None:
                try:
                    subscription.on_ready()
                except Exception:
                    subscription.failures += 1
        if in_delivery_thread() or self._delivery_wait <= 0:
            return
        deadline = time.monotonic() + self._delivery_wait
        for subscription, target in queued:
            if subscription.callback is not None and subscription.quick:
                subscription.wait_delivered(target, deadline)

    def close(self) -> None:
        """Close every subscription and let the delivery threads exit."""
        for subscription in self._subscriptions:
            subscription.close()
        self._pool.close()

    def reset_after_fork(self) -> None:
        """In a forked child: fresh locks, no delivery threads."""
        self._lock = threading.Lock()
        self._pool.reset_after_fork()
        for subscription in self._subscriptions:
            subscription.reset_after_fork()


def callback_name(callback: object) -> str:
    """A readable name for a subscriber."""
    try:
        name = getattr(callback, "__qualname__", None)
    except Exception:
        name = None
    return (identifier(name, 64) if isinstance(name, str) else None) or type_name(type(callback))


_hubs: weakref.WeakSet[EventHub] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for hub in list(_hubs):
        hub.reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
