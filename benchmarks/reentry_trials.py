"""Re-entrancy trials for ``reliability.py`` (issue 11): a finaliser logging an ERROR inside our
locked section or a locked read, a signal handler recording during record_error and during reads, a
fork while another thread holds our lock. Each run is a fresh interpreter with a timeout, so a
deadlock is counted as hung instead of stopping the benchmark. The prelude and the runner are the
tests' (``tests/fresh_interpreter.py``); tests/test_reliability_reentry*.py assert such scenarios once
each.
"""

from __future__ import annotations

import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from fresh_interpreter import run_fresh  # (tests/: reliability.py puts it on sys.path)

TIMEOUT = 15.0  # seconds a scenario may take before it counts as hung

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
        record_on_signal()
        stop = threading.Event()
        threading.Thread(target=pester, args=(stop,), daemon=True).start()
        for n in range(3000):
            aggregator.record_error(ValueError(f"main {n}"), plugin_id="main")
        stop.set(); time.sleep(0.02); aggregator.tick()
        assert handled and count("signal") == len(handled) and count("main") == 3000
    """,
    "signal handler records in a read": """
        record_on_signal()
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
        release = hold_the_lock()
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
    """("completed" | "hung" | "failed", seconds, the end of what it printed) for one run."""
    result, seconds, output = run_fresh(textwrap.dedent(body) + "print('ok')\n", TIMEOUT)
    return result, seconds, output[-200:]


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
