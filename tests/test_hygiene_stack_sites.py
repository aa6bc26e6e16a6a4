"""Stacks shared by site: two errors raised on one line, or recorded without being raised from one
call site, share a captured stack; another site gets its own, with its own line; the lines shown are
the lines of the failure (the key reads instruction offsets, the stack line numbers)."""

from __future__ import annotations

from error_status.hygiene.traces import capture


def raised_at_one_line() -> BaseException:
    try:
        raise ValueError("x")
    except ValueError as error:
        return error


def recorded_here() -> object:
    return capture(ValueError("never raised"), 30, skip_frames=1)


def recorded_there() -> object:
    return capture(ValueError("never raised"), 30, skip_frames=1)


def test_errors_raised_on_one_line_share_a_stack() -> None:
    assert capture(raised_at_one_line(), 30) is capture(raised_at_one_line(), 30)


def test_errors_never_raised_share_a_stack_per_call_site() -> None:
    here = [recorded_here() for _ in range(3)]
    there = recorded_there()
    assert here[0] is here[1] is here[2] and there is not here[0]
    text_here = here[0].format("ValueError", "never raised")  # type: ignore[attr-defined]
    text_there = there.format("ValueError", "never raised")  # type: ignore[attr-defined]
    assert "in recorded_here" in text_here and "in recorded_there" in text_there
    assert "never raised)" in text_here and "was never raised" in text_here


def test_a_call_from_another_line_of_the_same_function_has_its_own_stack() -> None:
    first = recorded_here()
    second = recorded_here()
    assert first is not second
    assert first.format("E", "m") != second.format("E", "m")  # type: ignore[attr-defined]  # (its line)
