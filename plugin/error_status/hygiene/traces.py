"""Stack traces captured cheaply at record time and formatted only when read."""

from __future__ import annotations

import linecache
import sys
from types import CodeType, FrameType, TracebackType

from ..bounded import BoundedCache
from .redact import redact_bounded, redact_text

Frames = tuple[tuple[CodeType, int | None], ...]  # (a line number may be None)

_MAX_CHAIN = 3
_MAX_CHAINED_MESSAGE = 500
_MAX_SOURCE_LINE = 200
_CHAIN_TEXT = {
    "cause": "\nThe above exception was the direct cause of the following exception:\n\n",
    "context": "\nDuring handling of the above exception, another exception occurred:\n\n",
}


class _StackInterner:
    """Shares one captured stack between records that failed at the same place.

    Most errors come from a few code paths; keying by code-object identity and instruction offsets
    avoids hashing code objects (and computing line numbers) on the hot path. A key holds only the
    frames a stack keeps (the innermost ``max_frames``) and the depth, so a deep recursion costs no
    more than a shallow one; entries hold those code objects, so an id in a key cannot be reused
    while it lives. Errors never raised are keyed by the frames above the recording call.
    """

    def __init__(self, max_entries: int = 512) -> None:
        self._table: BoundedCache[tuple[int, ...], CapturedStack] = BoundedCache(max_entries)
        self.get = self._table.get  # the stack stored under a key, if any (no Python frame per call)

    def put(self, key: tuple[int, ...], stack: CapturedStack) -> CapturedStack:
        """Store ``stack`` under ``key`` (evicting the oldest entry when full)."""
        return self._table.put(key, stack)

    def __len__(self) -> int:
        return len(self._table)


class CapturedStack:
    """Where an error happened: code objects and line numbers, no frames and no locals."""

    __slots__ = ("_formatted", "chain", "frames", "omitted", "raised")

    def __init__(self, frames: Frames, omitted: int, raised: bool,
                 chain: tuple[tuple[str, str, str, Frames], ...] = ()) -> None:
        self.frames = frames
        self.omitted = omitted
        self.raised = raised
        self.chain = chain
        self._formatted: tuple[str, str, str] | None = None

    def format(self, error_type: str, message: str) -> str:
        """The trace as ``traceback.format_exception`` would print it, redacted (the last one is
        remembered: records that share a stack mostly share their message too)."""
        done = self._formatted
        if done is not None and done[0] == error_type and done[1] == message:
            return done[2]
        parts: list[str] = []
        for link, chained_type, chained_message, frames in self.chain:
            parts.append(_format_block(frames, 0, True, chained_type, chained_message))
            parts.append(_CHAIN_TEXT[link])
        parts.append(_format_block(self.frames, self.omitted, self.raised, error_type, message))
        text = redact_text("".join(parts))
        self._formatted = (error_type, message, text)
        return text


_INTERNER = _StackInterner()


def capture(error: BaseException | None, max_frames: int, skip_frames: int = 2) -> CapturedStack:
    """The stack of ``error`` from its own ``__traceback__``, or the recording site if never raised."""
    traceback = error.__traceback__ if error is not None else None
    if traceback is None:
        return _caller_stack(sys._getframe(skip_frames), max_frames)
    assert error is not None
    if error.__cause__ is not None or (error.__context__ is not None and not error.__suppress_context__):
        frames, omitted = _from_traceback(traceback, max_frames)
        return CapturedStack(frames, omitted, True, _chain(error, max_frames))
    key = _identity(traceback, max_frames)
    shared = _INTERNER.get(key)
    if shared is not None:
        return shared
    frames, omitted = _from_traceback(traceback, max_frames)
    return _INTERNER.put(key, CapturedStack(frames, omitted, True))


def _caller_stack(frame: FrameType, max_frames: int) -> CapturedStack:
    """The stack above the recording call (an error never raised), shared as a traceback's is."""
    key = _caller_identity(frame, max_frames)
    shared = _INTERNER.get(key)
    if shared is not None:
        return shared
    frames, omitted = _from_caller(frame, max_frames)
    return _INTERNER.put(key, CapturedStack(frames, omitted, False))


def _identity(traceback: TracebackType, max_frames: int) -> tuple[int, ...]:
    """Code-object ids and instruction offsets of the frames a stack keeps, and the depth: equal for
    equal failure sites (as far as the kept frames can tell). (An offset is read as it is stored; a
    line number is computed from the code's line table, six times the cost.)"""
    if traceback.tb_next is None:
        return (id(traceback.tb_frame.f_code), traceback.tb_lasti)
    key: list[int] = []
    tb: TracebackType | None = traceback
    while tb is not None:
        key.append(id(tb.tb_frame.f_code))
        key.append(tb.tb_lasti)
        tb = tb.tb_next
    depth = len(key) // 2
    if depth > max_frames:
        del key[: 2 * (depth - max_frames)]
    key.append(depth)
    return tuple(key)


def _caller_identity(frame: FrameType | None, max_frames: int) -> tuple[int, ...]:
    """``_identity`` of the stack above the recording call: the innermost ``max_frames`` frames, then
    minus the depth (no traceback's key ends with a negative number)."""
    key: list[int] = []
    depth = 0
    while frame is not None:
        if depth < max_frames:
            key.append(id(frame.f_code))
            key.append(frame.f_lasti)
        depth += 1
        frame = frame.f_back
    key.append(-depth)
    return tuple(key)


def _from_traceback(tb: TracebackType | None, max_frames: int) -> tuple[Frames, int]:
    """Innermost ``max_frames`` entries of a traceback, and how many were left out."""
    entries: list[tuple[CodeType, int | None]] = []
    while tb is not None:
        entries.append((tb.tb_frame.f_code, tb.tb_lineno))
        tb = tb.tb_next
    omitted = max(0, len(entries) - max_frames)
    return tuple(entries[omitted:]), omitted


def _from_caller(frame: FrameType | None, max_frames: int) -> tuple[Frames, int]:
    """The stack above the recording call, outermost first."""
    entries: list[tuple[CodeType, int | None]] = []
    omitted = 0
    while frame is not None:
        if len(entries) < max_frames:
            entries.append((frame.f_code, frame.f_lineno))
        else:
            omitted += 1
        frame = frame.f_back
    entries.reverse()
    return tuple(entries), omitted


def _chain(error: BaseException | None, max_frames: int) -> tuple[tuple[str, str, str, Frames], ...]:
    """The causes and contexts of ``error``, outermost first, at most three deep."""
    links: list[tuple[str, str, str, Frames]] = []
    seen = {id(error)}
    while error is not None and len(links) < _MAX_CHAIN:
        if error.__cause__ is not None:
            link, error = "cause", error.__cause__
        elif error.__context__ is not None and not error.__suppress_context__:
            link, error = "context", error.__context__
        else:
            break
        if id(error) in seen:
            break
        seen.add(id(error))
        frames, _ = _from_traceback(error.__traceback__, max_frames)
        name = type(error).__name__
        links.append((link, name if type(name) is str else "Unknown",
                      redact_bounded(safe_str(error), _MAX_CHAINED_MESSAGE), frames))
    links.reverse()
    return tuple(links)


def _format_block(frames: Frames, omitted: int, raised: bool, error_type: str, message: str) -> str:
    """One exception's block of a formatted trace."""
    head = "Traceback (most recent call last):\n" if raised else (
        "Stack where it was recorded (the exception was never raised):\n")
    lines = [head]
    if omitted:
        lines.append(f"  ... {omitted} more frames ...\n")
    for code, lineno in frames:
        lines.append(f'  File "{code.co_filename}", line {lineno}, in {code.co_name}\n')
        # (a frame's line number is None between lines: a signal handler's caller, as traceback prints it)
        source = linecache.getline(code.co_filename, lineno).strip() if lineno is not None else ""
        if source:
            lines.append(f"    {redact_bounded(source, _MAX_SOURCE_LINE)}\n")
    lines.append(f"{error_type}: {message}\n" if message else f"{error_type}\n")
    return "".join(lines)


def safe_str(value: object) -> str:
    """``str(value)``, or a placeholder when its ``__str__`` raises."""
    try:
        text = str(value)
        return text if type(text) is str else str.__str__(text)
    except KeyboardInterrupt:
        raise
    except BaseException:
        try:
            return f"<unprintable {type(value).__name__}>"
        except BaseException:
            return "<unprintable>"
