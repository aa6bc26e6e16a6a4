"""Traces: memory bounded by the frames kept, not by how deep a traceback is; shared stacks for
equal failure sites; chained causes and source lines redacted before they are cut."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile import DEEP_FRAMES as FRAMES
from hostile import deep_error, deep_traceback_growth

from error_status.aggregator import ErrorAggregator
from error_status.aggregator.limits import Limits
from error_status.hygiene import traces as stack
from error_status.hygiene.traces import CapturedStack, capture


@pytest.fixture
def empty_interner() -> None:
    stack._INTERNER._table.clear()


@pytest.mark.usefixtures("empty_interner")
def test_distinct_deep_tracebacks_take_bounded_memory() -> None:
    grown = deep_traceback_growth(2100)
    assert grown < 4_000_000, f"{grown / 1e6:.1f} MB for 2,100 distinct deep tracebacks"


@pytest.mark.usefixtures("empty_interner")
def test_a_stack_keeps_the_innermost_frames_and_counts_the_rest() -> None:
    first, other = capture(deep_error(0), 30), capture(deep_error(1), 30)
    assert len(first.frames) == 30 and first.omitted == FRAMES - 30
    assert first is other  # the kept frames are equal: one shared stack, whatever the outer frames
    assert len(stack._INTERNER) == 1


@pytest.mark.usefixtures("empty_interner")
def test_the_frames_kept_follow_the_setting(make_aggregator: Callable[..., ErrorAggregator]) -> None:
    aggregator = make_aggregator(limits=Limits(max_stack_frames=5))
    trace = aggregator.record_error(deep_error(7), plugin_id="p").stack_trace or ""
    assert trace.count('  File "') == 5 and f"... {FRAMES - 5} more frames ..." in trace


def test_a_formatted_trace_is_remembered_per_message() -> None:
    try:
        raise KeyError("k")
    except KeyError as error:
        captured = capture(error, 30)
    text = captured.format("KeyError", "'k'")
    assert captured.format("KeyError", "'k'") is text
    assert captured.format("KeyError", "'other'") != text


def test_a_source_line_is_redacted_before_it_is_cut(tmp_path: Path) -> None:
    module = tmp_path / "leaky_plugin.py"
    line = "x = 1; " * 26 + 'fail("https://bob:Qz7Xk2Lm9Vw@host")'  # the cut at 200 is inside the URL
    module.write_text(textwrap.dedent(f"""
        def fail(url):
            raise ValueError("bad")

        def run():
            {line}
    """))
    namespace: dict[str, object] = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    try:
        namespace["run"]()  # type: ignore[operator]
    except ValueError as error:
        trace = capture(error, 30).format("ValueError", "bad")
    assert "Qz7Xk2" not in trace and 'fail("https://' in trace


def test_chained_causes_are_redacted_then_cut(make_aggregator: Callable[..., ErrorAggregator]) -> None:
    try:
        try:
            raise OSError("w " * 300 + "token=Qz7Xk2Lm9Vw")
        except OSError as inner:
            raise RuntimeError("outer") from inner
    except RuntimeError as outer:
        trace = make_aggregator().record_error(outer, plugin_id="p").stack_trace or ""
    assert "OSError: w w" in trace and "Qz7Xk2" not in trace
    cause = next(line for line in trace.splitlines() if line.startswith("OSError"))
    # (500 characters, "…" included; the trace as a whole is NFKC-folded, which spells it "...")
    assert len(cause) <= len("OSError: ") + 502 and cause.endswith(("…", "..."))


def test_a_shallow_stack_is_still_shared() -> None:
    def fail() -> BaseException:
        try:
            raise KeyError("k")
        except KeyError as error:
            return error

    assert isinstance(capture(fail(), 30), CapturedStack)
    assert capture(fail(), 30) is capture(fail(), 30)
