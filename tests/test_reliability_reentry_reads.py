"""Reads hold our lock too: a record_error that a signal handler or a finaliser makes while its thread
is inside a read (a summary, a plugin's health, the active patterns, a clear) is queued, not
deadlocked; a read made that way inside our own locked section gets in (the lock is re-entrant). Each
scenario runs in a fresh interpreter with a timeout: on the code before the fix the first two hung."""

from __future__ import annotations

from fresh_interpreter import check_fresh

from error_status.hygiene.traces import CapturedStack

SETUP = """
for n in range(60):
    aggregator.record_error(ValueError(f"failure {n}"), plugin_id=f"p{n % 20}")
"""


def run(body: str) -> None:
    """Run the scenario in a new interpreter (it prints "ok" when it got through)."""
    check_fresh(body, setup=SETUP)


def test_a_finaliser_recording_inside_every_locked_read_is_queued() -> None:
    run("""
        ledger = aggregator._ledger
        reads = [
            (ledger.counts, "recent_by_plugin", aggregator.recent_counts),
            (ledger.table, "active_patterns", aggregator.active_patterns),
            (ledger.table, "active_patterns", aggregator.get_error_summary),
            (ledger.counts, "recent", lambda: aggregator.get_plugin_health("p1")),
            (ledger.table, "forget_dormant", lambda: aggregator.clear_old_records(24)),
            (ledger.table, "forget_dormant", aggregator.clear_history),
        ]
        taken = []
        for n, (owner, name, read) in enumerate(reads):
            during(owner, name, lambda n=n: aggregator.record_error(OSError("finaliser"), plugin_id=f"gc{n}"))
            read()
            aggregator.tick()  # (the next call takes it in; clear_history would forget it later)
            taken.append(count(f"gc{n}"))
        assert taken == [1] * len(reads), taken
        print("ok")
    """)


def test_a_signal_handler_recording_while_the_main_thread_reads_is_never_lost() -> None:
    run("""
        record_on_signal()
        stop = threading.Event()
        threading.Thread(target=pester, args=(stop,), daemon=True).start()
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            aggregator.get_error_summary()
            aggregator.get_plugin_health("p1")
            aggregator.active_patterns()
            aggregator.recent_counts()
        stop.set()
        time.sleep(0.05)
        aggregator.tick()
        assert handled and count("signal") == len(handled), (len(handled), count("signal"))
        print("ok")
    """)


def test_a_read_made_inside_our_locked_section_gets_in() -> None:
    run("""
        seen = []
        during(aggregator._ledger.counts, "add", lambda: seen.append(aggregator.get_error_summary()))
        aggregator.record_error(ValueError("outer"), plugin_id="outer")
        assert seen and seen[0]["total_errors"] >= 60 and count("outer") == 1
        print("ok")
    """)


def test_a_frame_without_a_line_number_is_formatted() -> None:
    code = test_a_frame_without_a_line_number_is_formatted.__code__
    stack = CapturedStack(((code, None), (code, 7)), 0, False)
    text = stack.format("OSError", "from a signal handler")
    assert "line None" in text and text.endswith("OSError: from a signal handler\n")
