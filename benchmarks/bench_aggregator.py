"""µs per ``record_error`` for ours at 1k, 10k and 100k kept records, side by side with a baseline.

Usage:
    python benchmarks/bench_aggregator.py [--baseline PATH/TO/error_aggregator.py] [--quick]

The baseline is any seed-compatible module file (LEDMatrix's ``src/error_aggregator.py``); when
``src.exceptions`` cannot be imported a stand-in is provided. Both aggregators get the same stream:
eight plugins, several exception types, messages with variable numbers and URLs, exceptions that
were raised (they carry a traceback), recorded from inside an ``except`` block as real callers do.
Each aggregator is first filled to the kept-record count, then timed for a while; the ratio is
baseline / ours. Also prints tracemalloc's figure for 100,000 records over 20,000 messages.

Ours and the baseline are timed in alternating slices of about 20 ms each (``time_pair``), so the
noise of a shared machine falls on both alike and cancels in the ratio.

Two kinds of stream: cycled (400 distinct messages, repeated: a plugin failing the same way) and
unique (every message distinct, as with ids and timestamps in them: 120 and 500 characters, and
120 with a 32-key context). A unique stream is never replayed: each measurement gets fresh messages
(ours is filled with the cycled stream, which costs it nothing the timing would see).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import sys
import time
import tracemalloc
import types
from pathlib import Path
from typing import Any

from error_status.aggregator import ErrorAggregator

SIZES = (1_000, 10_000, 100_000)
PLUGINS = ("weather", "nhl-scoreboard", "stocks", "calendar", "spotify", "clock", "news", "odds")
_SENTINEL = RuntimeError("the except block record_error is called from")


def make_stream(n: int, distinct: int = 400,
                single_type: bool = False) -> list[tuple[BaseException, str, str]]:
    """``n`` (error, plugin, operation) triples cycling through ``distinct`` messages.

    ``single_type``: every error is a TimeoutError (the seed's worst case: one pattern key).
    """
    kinds = (
        lambda i: TimeoutError(f"Read timed out after {i % 30 + 1}.{i % 10}s"),
        lambda i: ConnectionError(f"HTTPSConnectionPool(host='api{i % 7}.example.org', port=443): retries"),
        lambda i: KeyError(f"game_{i % 997}"),
        lambda i: ValueError(f"bad payload at https://api.example.org/v2/items?id={i}"),
        lambda i: OSError(f"[Errno 28] No space left on device: '/var/cache/{i % 13}.json'"),
    )
    stream = []
    for i in range(n):
        m = i % distinct
        error = kinds[0 if single_type else m % len(kinds)](m)
        try:
            raise error
        except BaseException as raised:
            stream.append((raised, PLUGINS[i % len(PLUGINS)], "update" if i % 3 else "display"))
    return stream


Record = tuple[BaseException, str, str, "dict[str, Any] | None"]
_TEMPLATES = (
    lambda n, r: TimeoutError(f"HTTPSConnectionPool(host='site.api.espn.com', port=443): Read timed out. "
                              f"(read timeout={r.randint(5, 30)}) game {401547000 + n} id {_word(r, 12)}"),
    lambda n, r: ConnectionError(f"503 Server Error for url: https://api.openweathermap.org/data/2.5/"
                                 f"weather?q=Paris&units=metric&request={n} ({_word(r, 8)})"),
    lambda n, r: KeyError(f"'competitions' missing in event {n} fetched at 2024-05-01T{n % 24:02d}:"
                          f"{n % 60:02d}:{r.randint(10, 59)}Z"),
    lambda n, r: ValueError(f"YouTube video {_word(r, 11)} unavailable: HTTP 410 after "
                            f"{r.randint(50, 900)}ms (attempt {n % 5 + 1}, item {n})"),
    lambda n, r: OSError(f"[Errno 28] No space left on device: '/var/cache/ledmatrix/logo_{n}.png' "
                         f"({r.randint(1, 4096)} kB)"),
)


def _word(rng: Any, size: int) -> str:
    """A random id of letters of both cases, digits, - and _ (with a digit and both cases: an id in
    letters alone cannot be told from a word, and rolling those up is the aggregator's business)."""
    while True:
        word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
                       for _ in range(size))
        if any(ch.isdigit() for ch in word) and not word.islower() and not word.isupper():
            return word


def _context(n: int, rng: Any) -> dict[str, Any]:
    """32 items as a plugin passes them: numbers, short strings, a URL, ids and a timestamp."""
    context: dict[str, Any] = {
        "url": "https://site.api.espn.com/apis/site/v2/sports/football/nfl/scoreboard"
               f"?dates=202405{n % 28:02d}",
        "status": 503, "attempt": n % 5, "elapsed_ms": 1234.5 + n, "league": "nfl", "team": "KC",
        "request_id": _word(rng, 16), "game_id": 401547000 + n, "live": n % 2 == 0,
        "fetched_at": f"2024-05-01T12:{n % 60:02d}:{rng.randint(10, 59)}Z",
    }
    for k in range(22):
        context[f"field_{k}"] = f"value {n % 7} {_word(rng, 6)}" if k % 3 else k * n
    return context


def make_unique_stream(n: int, length: int, offset: int, with_context: bool,
                       seed: int = 1) -> list[Record]:
    """``n`` records whose messages are all distinct (and distinct from other ``offset`` ranges),
    each exactly ``length`` characters, raised in turn by five exception types."""
    import random
    rng = random.Random(seed + offset)
    stream: list[Record] = []
    for i in range(offset, offset + n):
        error = _TEMPLATES[i % len(_TEMPLATES)](i, rng)
        text = str(error.args[0])
        while len(text) < length:
            text += f"; upstream cdn-{i % 9}.example.net said {_word(rng, 10)} at {rng.randint(100, 999)} ms"
        text = text[:length].rsplit(" ", 1)[0]  # (no word cut in half: a cut id reads like a word)
        error.args = (text.ljust(length),)
        try:
            raise error
        except BaseException as raised:
            stream.append((raised, PLUGINS[i % len(PLUGINS)], "update" if i % 3 else "display",
                           _context(i, rng) if with_context else None))
    return stream


SLICE = 0.02  # seconds of one side's turn in ``time_pair``


def time_pair(sides: list[tuple[Any, list[Record]]], budget: float, cycle: bool) -> list[float]:
    """µs per record_error for each (aggregator, records) side, the sides taking turns of ``SLICE``
    seconds until each had ``budget`` seconds or, unless ``cycle`` (replay the records), ran out."""
    gc.collect()
    spent = [0.0] * len(sides)
    done = [0] * len(sides)
    try:
        raise _SENTINEL
    except RuntimeError:  # (recorded from inside an except block, as real callers do)
        while True:
            turns = [n for n, (_, records) in enumerate(sides)
                     if spent[n] < budget and (cycle or done[n] < len(records))]
            if not turns:
                break
            for n in turns:
                aggregator, records = sides[n]
                started = time.perf_counter()
                while time.perf_counter() - started < SLICE and (cycle or done[n] < len(records)):
                    for error, plugin, operation, context in _batch(records, done[n], cycle):
                        aggregator.record_error(error, context=context, plugin_id=plugin, operation=operation)
                        done[n] += 1
                spent[n] += time.perf_counter() - started
    return [spent[n] / max(done[n], 1) * 1e6 for n in range(len(sides))]


def _batch(records: list[Record], at: int, cycle: bool, size: int = 10) -> list[Record]:
    """The next ``size`` records from ``at`` (wrapping round when ``cycle``)."""
    if not cycle:
        return records[at:at + size]
    at %= len(records)
    batch = records[at:at + size]
    return batch if len(batch) == size else batch + records[:size - len(batch)]


def filled(factory: Any, kept: int, direct: bool) -> Any:
    """A fresh aggregator brought to ``kept`` records (cycled stream), its logging off."""
    aggregator = factory(max_records=kept)
    aggregator.logger.disabled = True
    fill(aggregator, make_stream(4000), kept, direct)
    return aggregator


def measure_row(baseline: types.ModuleType | None, kept: int, budget: float,
                streams: tuple[list[Record], list[Record]], cycle: bool) -> tuple[int, float, float | None]:
    """Ours (and the baseline, in turns) at ``kept`` records on the given streams."""
    sides = [(filled(ErrorAggregator, kept, False), streams[0])]
    if baseline is not None:
        sides.append((filled(baseline.ErrorAggregator, kept, kept >= 100_000), streams[1]))
    times = time_pair(sides, budget, cycle)
    for aggregator, _ in sides:
        if hasattr(aggregator, "close"):
            aggregator.close()
    return kept, times[0], times[1] if baseline is not None else None


def load_baseline(path: Path) -> types.ModuleType:
    """Import a seed-compatible module from a file, with ``src.exceptions`` stubbed if needed."""
    try:
        import src.exceptions
    except ImportError:
        src = sys.modules.setdefault("src", types.ModuleType("src"))
        exceptions = types.ModuleType("src.exceptions")

        class LEDMatrixError(Exception):
            context: dict[str, Any] | None = None

        exceptions.LEDMatrixError = LEDMatrixError  # type: ignore[attr-defined]
        sys.modules["src.exceptions"] = exceptions
        src.exceptions = exceptions  # type: ignore[attr-defined]
    spec = importlib.util.spec_from_file_location("baseline_error_aggregator", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fill(aggregator: Any, stream: list[tuple[BaseException, str, str]], kept: int, direct: bool) -> None:
    """Bring an aggregator to ``kept`` records (``direct``: append records without recording)."""
    if direct:  # the baseline's O(n) scan makes filling 100k records by recording take minutes
        template = aggregator.record_error(stream[0][0], plugin_id=stream[0][1], operation=stream[0][2])
        aggregator._records = [template] * kept
        return
    for i in range(kept):
        error, plugin, operation = stream[i % len(stream)]
        aggregator.record_error(error, plugin_id=plugin, operation=operation)


def memory_mb(records: int = 100_000, distinct: int = 20_000) -> float:
    """MB traced by tracemalloc for ``records`` records over ``distinct`` messages (ours)."""
    stream = make_stream(distinct, distinct)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    aggregator = ErrorAggregator(max_records=records)
    aggregator.logger.disabled = True
    for i in range(records):
        error, plugin, operation = stream[i % distinct]
        aggregator.record_error(error, plugin_id=plugin, operation=operation)
    current = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (current - base) / 1e6


def unique_tables(baseline: types.ModuleType | None, budget: float) -> None:
    """The unique-message workloads, ours and the baseline on fresh messages of the same kind."""
    offset = 10_000_000
    for title, length, with_context in (
            ("unique: every message distinct, 120 characters", 120, False),
            ("unique: every message distinct, 500 characters", 500, False),
            ("unique: every message distinct, 120 characters and a 32-key context", 120, True)):
        rows = []
        for kept in SIZES:
            offset += 1_000_000
            ours = make_unique_stream(30_000, length, offset, with_context)
            theirs = make_unique_stream(4000 if kept < 100_000 else 400, length, offset + 500_000,
                                        with_context) if baseline is not None else []
            rows.append(measure_row(baseline, kept, budget, (ours, theirs), cycle=False))
        print_table(title, rows)
        ratios = [theirs / ours for _, ours, theirs in rows if theirs is not None]
        if ratios:
            print(f"targets: >= 15x at 1k (got {ratios[0]:.1f}x), >= 100x at 10k (got {ratios[1]:.1f}x)")


def print_table(title: str, rows: list[tuple[int, float, float | None]]) -> None:
    """One workload's rows, the ratios and our own 100k/1k scaling."""
    print(f"\n{title}")
    print(f"{'kept records':>12}  {'ours µs/rec':>12}  {'baseline µs/rec':>16}  {'baseline/ours':>13}")
    for kept, ours, theirs in rows:
        if theirs is None:
            print(f"{kept:>12,}  {ours:>12.2f}  {'-':>16}  {'-':>13}")
        else:
            print(f"{kept:>12,}  {ours:>12.2f}  {theirs:>16.1f}  {theirs / ours:>12.1f}x")
    print(f"ours at 100k / ours at 1k: {rows[2][1] / rows[0][1]:.2f}x (target <= 1.5x)")


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, help="a seed-compatible error_aggregator.py to compare with")
    parser.add_argument("--quick", action="store_true", help="shorter timing runs")
    args = parser.parse_args()
    budget = 0.3 if args.quick else 1.0
    baseline = load_baseline(args.baseline) if args.baseline else None
    for title, single in (("mixed: 5 exception types, 8 plugins", False),
                          ("single type: every error a TimeoutError (one seed pattern key)", True)):
        stream: list[Record] = [(*triple, None) for triple in make_stream(4000, single_type=single)]
        print_table(title, [measure_row(baseline, kept, budget, (stream, stream), cycle=True)
                            for kept in SIZES])
    unique_tables(baseline, budget)

    print(f"\nmemory, 100,000 records over 20,000 distinct messages: {memory_mb():.1f} MB traced"
          " (target < 50 MB)")


if __name__ == "__main__":
    main()
