"""Re-entrancy trials for ``reliability.py`` (issue 11): a finaliser logging an ERROR inside our
locked section or a locked read, a signal handler recording during record_error and during reads, a
fork while another thread holds our lock. Each run is a fresh interpreter with a timeout, so a
deadlock is counted as hung instead of stopping the benchmark (tests/test_reliability_reentry*.py
assert the same scenarios once each).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[1] / "plugin"
TIMEOUT = 15.0  # seconds a scenario may take before it counts as hung

_PRELUDE = """
import logging, os, signal, sys, threading, time
from error_status.aggregator import ErrorAggregator
from error_status.ledmatrix.logs import attach_log_handler
aggregator = ErrorAggregator(pattern_threshold=2)
aggregator.logger.disabled = True
attach_log_handler(aggregator)
def count(plugin):
    return sum(aggregator._plugin_error_counts.get(plugin, {}).values())
def during(owner, name, action):
    original = getattr(owner, name)
    def wrapped(*args):
        setattr(owner, name, original)
        action()
        return original(*args)
    setattr(owner, name, wrapped)
def pester(stop):
    while not stop.is_set():
        os.kill(os.getpid(), signal.SIGUSR1)
        time.sleep(0.0005)
"""

SCENARIOS = {
    "finaliser logs inside our lock": """
        class Leaky:
            def __del__(self):
                logging.getLogger("plugin.weather").error("cache file left open")
        for n in range(200):
            during(aggregator._ledger.counts, "add", lambda: Leaky())
            aggregator.record_error(ValueError(f"x {n}"), plugin_id="news")
        aggregator.tick()
        assert count("weather") == 200 and count("news") == 200, (count("weather"), count("news"))
    """,
    "finaliser logs inside a locked read": """
        class Leaky:
            def __del__(self):
                logging.getLogger("plugin.weather").error("cache file left open")
        aggregator.record_error(ValueError("x"), plugin_id="news")
        for n in range(200):
            during(aggregator._ledger.table, "active_patterns", lambda: Leaky())
            aggregator.get_error_summary()
        aggregator.tick()
        assert count("weather") == 200, count("weather")
    """,
    "signal handler records in a record": """
        handled = []
        def handler(*_):
            handled.append(1)
            aggregator.record_error(OSError("from the handler"), plugin_id="signal")
        signal.signal(signal.SIGUSR1, handler)
        stop = threading.Event()
        threading.Thread(target=pester, args=(stop,), daemon=True).start()
        for n in range(3000):
            aggregator.record_error(ValueError(f"main {n}"), plugin_id="main")
        stop.set(); time.sleep(0.02); aggregator.tick()
        assert handled and count("signal") == len(handled) and count("main") == 3000
    """,
    "signal handler records in a read": """
        handled = []
        def handler(*_):
            handled.append(1)
            aggregator.record_error(OSError("from the handler"), plugin_id="signal")
        signal.signal(signal.SIGUSR1, handler)
        for n in range(100):
            aggregator.record_error(ValueError(f"x {n}"), plugin_id=f"p{n % 20}")
        stop = threading.Event()
        threading.Thread(target=pester, args=(stop,), daemon=True).start()
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            aggregator.get_error_summary(); aggregator.get_plugin_health("p1"); aggregator.active_patterns()
        stop.set(); time.sleep(0.02); aggregator.tick()
        assert handled and count("signal") == len(handled), (len(handled), count("signal"))
    """,
    "fork while a thread holds our lock": """
        holding, release = threading.Event(), threading.Event()
        def hold():
            with aggregator._lock:
                holding.set()
                release.wait(10)
        threading.Thread(target=hold, daemon=True).start()
        holding.wait(5)
        pid = os.fork()
        if pid == 0:
            aggregator.record_error(ValueError("child"), plugin_id="child")
            logging.getLogger("plugin.kid").error("logged in the child")
            os._exit(0 if count("child") == 1 and count("kid") == 1 else 3)
        release.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.01)
        else:
            os.kill(pid, 9); os.waitpid(pid, 0)
            raise SystemExit("the child hung")
        assert os.waitstatus_to_exitcode(status) == 0, status
    """,
}


@dataclass
class Outcome:
    """How the runs of one scenario ended."""

    completed: int = 0
    hung: int = 0
    failed: int = 0
    slowest: float = 0.0
    note: str = ""


def _run_scenario(body: str) -> tuple[str, float, str]:
    """("completed" | "hung" | "failed", seconds, what it printed) for one run in a fresh interpreter."""
    code = _PRELUDE + textwrap.dedent(body) + "\nprint('ok')\n"
    env = {**os.environ, "PYTHONPATH": str(PLUGIN)}
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT,
                              env=env)
    except subprocess.TimeoutExpired:
        return "hung", time.monotonic() - started, ""
    ok = done.returncode == 0 and done.stdout.strip().endswith("ok")
    return ("completed" if ok else "failed"), time.monotonic() - started, (done.stderr or done.stdout)[-200:]


def reentry(runs: int) -> dict[str, Outcome]:
    """Every scenario ``runs`` times, two interpreters at a time."""
    jobs = [(name, body) for name, body in SCENARIOS.items() for _ in range(runs)]
    outcomes = {name: Outcome() for name in SCENARIOS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for (name, _), (result, took, text) in zip(jobs, pool.map(lambda job: _run_scenario(job[1]), jobs),
                                                   strict=True):
            outcome = outcomes[name]
            setattr(outcome, result, getattr(outcome, result) + 1)
            outcome.slowest = max(outcome.slowest, took)
            if result == "failed" and not outcome.note:
                outcome.note = text.strip().splitlines()[-1] if text.strip() else "no output"
    return outcomes
