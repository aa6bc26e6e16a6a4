"""No path can deadlock: ``record_error``, ``ingest`` and the ERROR-log handler called from inside our
own locked section (a finaliser the garbage collector runs there, a signal handler, a log handler),
and in the child of a fork taken while another thread held our lock. Each scenario runs in a fresh
interpreter with a timeout: on the code before the fix every one of them hung."""

from __future__ import annotations

import os

import pytest
from fresh_interpreter import check_fresh

SETUP = """
def inside_the_lock(action):
    '''Run ``action`` once, from within the aggregator's locked section (as the GC or a signal would).
    (The counting step runs under the lock: ``_ledger.counts.add`` now, ``_count`` before the fix.)'''
    if hasattr(aggregator, "_ledger"):
        during(aggregator._ledger.counts, "add", action)
    else:
        during(aggregator, "_count", action)
"""


def run(body: str) -> None:
    """Run the scenario in a new interpreter (it prints "ok" when it got through)."""
    check_fresh(body, setup=SETUP)


def test_a_finaliser_that_logs_an_error_inside_our_lock_is_recorded_not_deadlocked() -> None:
    run("""
        class Leaky:
            def __del__(self):
                logging.getLogger("plugin.weather").error("cache file left open")

        def collect():
            Leaky()  # dropped at once: its __del__ runs here, as the GC would run it
        inside_the_lock(collect)
        aggregator.record_error(ValueError("first"), plugin_id="news")
        assert count("weather") == 0  # queued: taken in by the next call
        aggregator.record_error(ValueError("second"), plugin_id="news")
        assert count("weather") == 1 and count("news") == 2, (count("weather"), count("news"))
        # and every other thread that logs an ERROR is not stuck behind it
        worker = threading.Thread(target=lambda: logging.getLogger("plugin.clock").error("late"))
        worker.start(); worker.join(5)
        assert not worker.is_alive() and count("clock") == 1
        print("ok")
    """)


def test_record_error_from_a_signal_handler_while_the_main_thread_is_inside_it() -> None:
    run("""
        signal.signal(signal.SIGUSR1, lambda *_: aggregator.record_error(OSError("from the handler"),
                                                                          plugin_id="signal"))
        inside_the_lock(lambda: os.kill(os.getpid(), signal.SIGUSR1) or time.sleep(0.01))
        aggregator.record_error(ValueError("main"), plugin_id="main")
        aggregator.tick()  # the next call takes it in
        assert count("signal") == 1 and count("main") == 1, (count("signal"), count("main"))
        print("ok")
    """)


def test_ingest_and_a_subscriber_recording_inside_delivery_never_wait_on_themselves() -> None:
    run("""
        inside_the_lock(lambda: aggregator.ingest("LoggedError", "nested ingest", plugin_id="nested"))
        seen = []
        def subscriber(event):
            aggregator.record_error(RuntimeError("from the subscriber"), plugin_id="observer")
            seen.append(event.kind)
        aggregator.subscribe(subscriber)
        for _ in range(3):
            aggregator.record_error(ValueError("x"), plugin_id="source")
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
        aggregator.tick()
        assert seen and count("nested") == 1 and count("observer") >= 1, (seen, count("nested"))
        print("ok")
    """)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_the_child_of_a_fork_taken_while_another_thread_held_our_lock_records_and_delivers() -> None:
    run("""
        release = hold_the_lock()
        seen = []
        aggregator.subscribe(lambda event: seen.append(event.kind))
        pid = os.fork()
        if pid == 0:
            aggregator.record_error(ValueError("child"), plugin_id="child")
            aggregator.record_error(ValueError("child"), plugin_id="child")
            logging.getLogger("plugin.kid").error("logged in the child")
            deadline = time.monotonic() + 5
            while not seen and time.monotonic() < deadline:
                time.sleep(0.01)
            os._exit(0 if count("child") == 2 and count("kid") == 1 and seen else 3)
        release.set()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        print("ok")
    """)
