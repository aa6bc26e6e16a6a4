"""Scenarios that may deadlock, run in a fresh interpreter with a timeout: one runner and one prelude
for the re-entrancy tests and ``benchmarks/reentry_trials.py`` (a helper module, no tests here).

The prelude builds ``aggregator`` (threshold 2, the ERROR-log handler attached, its own log line off)
and defines ``count(plugin)``, ``during(owner, name, action)`` (run ``action`` once from inside
``owner.name``, called with our lock held, as the garbage collector or a signal would) and
``pester(stop)`` (SIGUSR1 every half millisecond until ``stop`` is set), ``record_on_signal()`` (a
SIGUSR1 handler that records, noting each call in ``handled``) and ``hold_the_lock()`` (another thread
holds our lock until the event it returns is set). A scenario prints "ok" at its end when it got
through.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[1] / "plugin"

PRELUDE = """
import gc, logging, os, signal, sys, threading, time
from error_status.aggregator import ErrorAggregator
try:
    from error_status.ledmatrix.logs import attach_log_handler
except ImportError:  # the layout before the restructuring
    from error_status.sources import attach_log_handler

aggregator = ErrorAggregator(pattern_threshold=2)
aggregator.logger.disabled = True
handler = attach_log_handler(aggregator)

def count(plugin):
    return sum(aggregator._plugin_error_counts.get(plugin, {}).values())

def during(owner, name, action):
    original = getattr(owner, name)
    def wrapped(*args):
        assert aggregator._lock.locked()
        setattr(owner, name, original)
        action()
        return original(*args)
    setattr(owner, name, wrapped)

def pester(stop):
    while not stop.is_set():
        os.kill(os.getpid(), signal.SIGUSR1)
        time.sleep(0.0005)

handled = []
def record_on_signal():
    def handler(*_):
        handled.append(1)
        aggregator.record_error(OSError("from the handler"), plugin_id="signal")
    signal.signal(signal.SIGUSR1, handler)

def hold_the_lock():
    holding, release = threading.Event(), threading.Event()
    def hold():
        with aggregator._lock:
            holding.set()
            release.wait(10)
    threading.Thread(target=hold, daemon=True).start()
    holding.wait(5)
    return release
"""


def run_fresh(body: str, timeout: float, setup: str = "") -> tuple[str, float, str]:
    """("completed" | "hung" | "failed", seconds, what it printed) for the prelude, ``setup`` and
    ``body`` run in a new interpreter."""
    code = PRELUDE + textwrap.dedent(setup) + textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": str(PLUGIN)}
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                              env=env)
    except subprocess.TimeoutExpired:
        return "hung", time.monotonic() - started, ""
    ok = done.returncode == 0 and done.stdout.strip().endswith("ok")
    return ("completed" if ok else "failed"), time.monotonic() - started, done.stdout + done.stderr


def check_fresh(body: str, timeout: float = 30.0, setup: str = "") -> None:
    """``run_fresh`` for a test: an AssertionError unless the scenario got through."""
    result, seconds, output = run_fresh(body, timeout, setup)
    assert result != "hung", f"the scenario hung for {seconds:.0f} s (a deadlock)"
    assert result == "completed", output
