"""One bounded cache type behind every memo of the hygiene code: FIFO, never over its bound."""

from __future__ import annotations

import threading

import pytest

from error_status.aggregator import ErrorAggregator
from error_status.aggregator.fingerprint import MessageCleaner
from error_status.bounded import BoundedCache
from error_status.hygiene import coerce as inputs
from error_status.hygiene import context as sanitize
from error_status.hygiene import traces as stack
from error_status.hygiene.redact import RedactionCache


def test_the_oldest_entry_goes_first() -> None:
    cache: BoundedCache[str, int] = BoundedCache(3)
    for n, key in enumerate("abcd"):
        assert cache.put(key, n) == n
    assert len(cache) == 3 and cache.get("a") is None and cache.get("d") == 3 and "b" in cache
    cache.put("b", 10)  # replacing a value keeps the count
    assert len(cache) == 3 and cache.get("b") == 10
    cache.clear()
    assert len(cache) == 0 and cache.get("d") is None
    cache.put("e", 5)
    assert cache.get("e") == 5  # (get stays bound to the live table after clear)


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        BoundedCache(0)


def test_concurrent_writers_never_exceed_the_bound() -> None:
    cache: BoundedCache[int, int] = BoundedCache(50)
    start = threading.Barrier(4)

    def write(offset: int) -> None:
        start.wait()
        for n in range(5000):
            cache.put(offset * 10_000 + n, n)
            assert len(cache) <= 50 + 3  # one entry over for each other writer, at most

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cache.put(-1, -1)
    assert len(cache) == 50  # back to the bound at the next insert


def test_every_memo_is_one_bounded_cache() -> None:
    aggregator = ErrorAggregator()
    try:
        caches = [aggregator._cleaner.cache, aggregator._stacks._cache, stack._INTERNER._table,
                  MessageCleaner(10).cache, RedactionCache()._cache, sanitize._TEXTS, sanitize._PLAIN_KEYS,
                  inputs._PLAIN_IDS]
    finally:
        aggregator.close()
    assert all(isinstance(cache, BoundedCache) for cache in caches)


def test_unique_messages_do_not_grow_the_cleaner() -> None:
    cleaner = MessageCleaner(100, max_entries=64)
    for n in range(1000):
        cleaner.clean(f"failure {n}")
    assert len(cleaner.cache) == 64
    assert cleaner.clean("failure 999") is cleaner.clean("failure 999")
