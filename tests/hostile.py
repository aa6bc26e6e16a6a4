"""Hostile inputs: one catalogue for the reliability tests and ``benchmarks/reliability.py``.

A helper module (no tests here). Inputs that are mutable or costly are built by factories, so each
user gets fresh objects. The benchmark imports this file from ``tests/`` (see its sys.path note).
"""

from __future__ import annotations

import enum
import errno
import json
import math
import os
import tempfile
from collections.abc import Callable
from typing import Any

import pytest
from hostdoubles import FakeCacheManager

from error_status.aggregator import export

# ---------------------------------------------------------------------- exceptions that fight back


class StrRaises(Exception):
    """``str()`` and ``repr()`` raise."""

    def __str__(self) -> str:
        raise RuntimeError("__str__ exploded")

    def __repr__(self) -> str:
        raise RuntimeError("__repr__ exploded")


class StrNotAString(Exception):
    """``__str__`` returns an int (so ``str()`` raises TypeError)."""

    def __str__(self) -> Any:
        return 42


class StrRaisesSystemExit(BaseException):
    """A BaseException whose ``__str__`` raises SystemExit."""

    def __str__(self) -> str:
        raise SystemExit("from __str__")


class ContextRaises(Exception):
    """An LEDMatrixError look-alike whose ``context`` property raises."""

    @property
    def context(self) -> dict[str, Any]:
        raise RuntimeError("context exploded")


class AttributesRaise(Exception):
    """Every attribute read on the instance raises (``__traceback__`` included)."""

    def __getattribute__(self, name: str) -> Any:
        raise RuntimeError(f"no {name} for you")


class _NameRaises(type):
    @property
    def __name__(cls) -> str:  # type: ignore[override]
        raise RuntimeError("nameless")


class Nameless(Exception, metaclass=_NameRaises):
    """A class whose ``__name__`` raises."""


class Unprintable:
    """Not an exception; ``str()`` and ``repr()`` raise."""

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class ClassRaises:
    """``__class__`` raises (so ``isinstance`` against other types raises)."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # type: ignore[override]
        raise RuntimeError("no class")


class ItemsRaise(dict):  # type: ignore[type-arg]
    """A dict whose ``items()`` raises."""

    def items(self) -> Any:
        raise RuntimeError("no items")


class IterRaises(list):  # type: ignore[type-arg]
    """A list whose iteration raises."""

    def __iter__(self) -> Any:
        raise RuntimeError("no iter")


def _renamed(name: str) -> type[Exception]:
    """An exception class whose ``__name__`` is ``name``."""
    cls = type("Renamed", (Exception,), {})
    cls.__name__ = name
    return cls


def raised(error: BaseException) -> BaseException:
    """``error`` after being raised and caught (it carries a traceback)."""
    try:
        raise error
    except BaseException as caught:  # any kind: that is the point
        return caught


def chained() -> BaseException:
    """A raise inside an except block: a context chain three deep."""
    try:
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise ValueError("middle") from inner
    except ValueError:
        return raised(RuntimeError("outer"))


def cyclic_cause() -> BaseException:
    """Two exceptions that are each other's cause."""
    first, second = ValueError("first"), ValueError("second")
    first.__cause__, second.__cause__ = second, first
    return first


CONTROL_TEXT = ("\x1b[31mred\x1b[0m \x00nul \x07bell \x08bs \r\n \u202eevil\u202c \u200bzero\u2066iso\u2069"
                " \x9b2J")
UNICODE_TEXT = "Straße “München” 😀👨‍👩‍👧 天気予報 東京 Ωμέγα — Привет ﷽ \u0301\u0301 e\u0301"
TEN_MB = 10 * 1024 * 1024

# label -> factory of the ``error`` argument
ERRORS: dict[str, Callable[[], object]] = {
    "None": lambda: None,
    "a string": lambda: "plain string error",
    "an int": lambda: 42,
    "a float NaN": lambda: math.nan,
    "bytes": lambda: b"\xff\xfe not utf-8",
    "an exception class": lambda: ValueError,
    "a BaseException class": lambda: KeyboardInterrupt,
    "KeyboardInterrupt instance": lambda: KeyboardInterrupt("ctrl-c"),
    "SystemExit instance": lambda: SystemExit(3),
    "GeneratorExit instance": GeneratorExit,
    "a raised exception": lambda: raised(ValueError("boom")),
    "an exception chain": chained,
    "a cyclic cause": cyclic_cause,
    "__str__ and __repr__ raise": StrRaises,
    "__str__ returns an int": StrNotAString,
    "__str__ raises SystemExit": StrRaisesSystemExit,
    "context property raises": lambda: ContextRaises("ctx"),
    "every attribute raises": lambda: AttributesRaise("attrs"),
    "class __name__ raises": lambda: Nameless("nameless"),
    "an unprintable object": Unprintable,
    "an object whose __class__ raises": ClassRaises,
    "a 10 MB message": lambda: ValueError("x" * TEN_MB),
    "a huge int message": lambda: ValueError(10**5000),
    "non-string args": lambda: ValueError(object(), [1, 2], {"a": 1}),
    "control characters and ANSI": lambda: ValueError(CONTROL_TEXT),
    "emoji, CJK, combining marks": lambda: ValueError(UNICODE_TEXT),
    "a lone surrogate": lambda: ValueError("bad \ud800 half"),
    "escapes in a 300-character class name": lambda: _renamed("Err\x1b[2J\u202e" + "E" * 300)("x"),
    "2 kB made to backtrack": lambda: ValueError("auth" * 500),
    "2 kB of separators": lambda: ValueError("a." * 1000 + "a-" * 1000),
}

# label -> factory of a ``plugin_id`` / ``operation`` argument
IDS: dict[str, Callable[[], object]] = {
    "None": lambda: None,
    "empty": lambda: "",
    "plain": lambda: "weather",
    "100 kB": lambda: "p" * 100_000,
    "100 kB of NULs": lambda: "\x00" * 100_000,
    "an int": lambda: 5,
    "a float": lambda: 3.5,
    "bytes": lambda: b"plugin",
    "a list": lambda: ["weather"],
    "unprintable": Unprintable,
    "__class__ raises": ClassRaises,
    "every attribute raises": lambda: AttributesRaise("id"),
    "ANSI": lambda: "\x1b[31mweather\x1b[0m",
    "bidi override": lambda: "met\u202eoe",
    "emoji and CJK": lambda: "天気😀",
    "a lone surrogate": lambda: "p\ud800",
}


def _self_referencing_dict() -> dict[str, Any]:
    loop: dict[str, Any] = {"name": "loop"}
    loop["self"] = loop
    return loop


def _self_referencing_list() -> dict[str, Any]:
    items: list[Any] = [1]
    items.append(items)
    return {"items": items}


# label -> factory of a ``context`` argument
CONTEXTS: dict[str, Callable[[], object]] = {
    "None": lambda: None,
    "empty": dict,
    "a string": lambda: "not a dict",
    "an int": lambda: 5,
    "a list": lambda: [1, 2, 3],
    "refers to itself": _self_referencing_dict,
    "a list that holds itself": _self_referencing_list,
    "objects JSON cannot encode": lambda: {"o": object(), "s": {1, 2}, "b": b"\x00", "c": 1j,
                                           (1, 2): "t"},
    "non-finite floats": lambda: {"nan": math.nan, "inf": math.inf},
    "a huge int": lambda: {"n": 10**5000},
    "unprintable keys and values": lambda: {Unprintable(): Unprintable()},
    "keys and values whose __class__ raises": lambda: {"ok": 1, ClassRaises(): ClassRaises()},
    "items() raises": lambda: ItemsRaise(a=1),
    "iteration raises": lambda: {"l": IterRaises([1, 2])},
    "100k keys": lambda: {f"k{n}": n for n in range(100_000)},
    "10 MB value": lambda: {"big": "y" * TEN_MB},
    "deeply nested": lambda: {"d": _nested(10_000)},
    "control and unicode text": lambda: {CONTROL_TEXT: UNICODE_TEXT},
}


def _nested(depth: int) -> list[Any]:
    """A list nested ``depth`` levels deep (built without recursion)."""
    inner: list[Any] = []
    for _ in range(depth):
        inner = [inner]
    return inner


# ---------------------------------------------------------------------- settings and config

# (keyword arguments of ErrorAggregator, exception class, name that the message must contain)
BAD_AGGREGATOR_SETTINGS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"max_records": 0}, ValueError, "max_records"),
    ({"max_records": -1}, ValueError, "max_records"),
    ({"max_records": "1000"}, TypeError, "max_records"),
    ({"max_records": 10.5}, TypeError, "max_records"),
    ({"pattern_threshold": "five"}, TypeError, "pattern_threshold"),
    ({"pattern_threshold": None}, TypeError, "pattern_threshold"),
    ({"pattern_threshold": 0}, ValueError, "pattern_threshold"),
    ({"pattern_window_minutes": -60}, ValueError, "pattern_window_minutes"),
    ({"pattern_window_minutes": math.nan}, ValueError, "pattern_window_minutes"),
    ({"pattern_window_minutes": math.inf}, ValueError, "pattern_window_minutes"),
    ({"pattern_window_minutes": 10**400}, ValueError, "pattern_window_minutes"),
    ({"pattern_window_minutes": "60"}, TypeError, "pattern_window_minutes"),
    ({"quiet_period_minutes": -1}, ValueError, "quiet_period_minutes"),
    ({"hysteresis": -0.1}, ValueError, "hysteresis"),
    ({"hysteresis": "0.2"}, ValueError, "hysteresis"),
    ({"export_min_interval": -5}, ValueError, "export_min_interval"),
    ({"delivery_wait": "soon"}, TypeError, "delivery_wait"),
    ({"limits": {"max_patterns": 1}}, TypeError, "limits"),
]

# (LEDMatrix plugin config, key the ConfigError must name)
BAD_CONFIGS: list[tuple[dict[str, Any], str]] = [
    ({"pattern_threshold": 0}, "pattern_threshold"),
    ({"pattern_threshold": -3}, "pattern_threshold"),
    ({"pattern_threshold": "5"}, "pattern_threshold"),
    ({"pattern_threshold": 2.5}, "pattern_threshold"),
    ({"pattern_threshold": 10**400}, "pattern_threshold"),
    ({"pattern_threshold": True}, "pattern_threshold"),
    ({"pattern_window_minutes": -1}, "pattern_window_minutes"),
    ({"pattern_window_minutes": "x" * TEN_MB}, "pattern_window_minutes"),
    ({"quiet_period_minutes": 1e400}, "quiet_period_minutes"),
    ({"scroll_speed": math.nan}, "scroll_speed"),
    ({"alert_ttl_minutes": -5}, "alert_ttl_minutes"),
    ({"min_severity": "fatal"}, "min_severity"),
    ({"min_severity": ["x"] * 100_000}, "min_severity"),
    ({"takeover_severity": 3}, "takeover_severity"),
    ({"host_aggregator": "steal"}, "host_aggregator"),
    ({"dots_position": []}, "dots_position"),
    ({"show_dots": "false"}, "show_dots"),
    ({"dynamic_duration": True}, "dynamic_duration"),
    ({"dynamic_duration": {"max_duration_seconds": -1}}, "dynamic_duration.max_duration_seconds"),
    ({"colors": "red"}, "colors"),
    ({"colors": {"warning": [300, 0, 0]}}, "colors.warning"),
    ({"colors": {"critical": "#ff0000"}}, "colors.critical"),
    ({"colors": {"error": [0] * TEN_MB}}, "colors.error"),
]

# ---------------------------------------------------------------------- the renderer

FINITE_TIMES = (0.0, -1.0, -1e-9, -1e300, 1e300, 1e18, float(2**63), 123456.789)
NON_FINITE_TIMES = (math.nan, math.inf, -math.inf)
BAD_SIZES: list[tuple[object, object]] = [
    (0, 0), (-64, 32), (10**6, 32), (64, 10**6), (31, 16), (32, 15), ("64", 32), (None, None), (True, 32),
]

# ---------------------------------------------------------------------- credentials

# label -> (text that carries a credential, the part that must never be seen again). Tokens are
# assembled from pieces so that this file does not itself look like it leaks one.
_GH = "ghp_" + "R8x2Lq" * 6
_AWS = "AKIA" + "Q7ZP3MX9TK2L4WVB"
_SLACK = "xoxb-" + "2715539-84021-" + "Zq7Rk2Lm9Xw"
_GOOGLE = "AIza" + "SyB-9xQ2mLkP7rT4vW8zN3cF6hJ1uY5eA0d"
_JWT = "eyJhbGciOiJIUzI1NiJ9" + "." + "eyJzdWIiOiJwbHVnaW4ifQ" + "." + "q9Xk2Lm7Rt4Vw8Zn3Cf6Hj1Uy5Ea0D"
_STRIPE = "sk_live_" + "51Hq8ZtR2kLm9Xw7Vb4Nc6Pd"
SECRETS: dict[str, tuple[str, str]] = {
    "user:pass@ in a URL": ("GET https://bob:Tr0ub4dor3@api.example.com/v1/x failed", "Tr0ub4dor3"),
    "user:p@ss@ in a URL": ("connect mysql://root:p@ssW0rd!@db:3306/ledmatrix refused", "ssW0rd!"),
    "api_key query parameter": ("HTTP 403 for https://api.x.io/v2?q=Paris&api_key=Kq93Lz0PwX", "Kq93Lz0PwX"),
    "token query parameter": ("https://api.x.io/feed?token=tZ8q2LmN4v&limit=5 timed out", "tZ8q2LmN4v"),
    "key query parameter": ("https://maps.x.com/geo?key=mK7Rq2Zx9P&q=home", "mK7Rq2Zx9P"),
    "signature query parameter": ("GET /s3/obj?X-Amz-Signature=9f8e7d6c5b4a&x=1 403", "9f8e7d6c5b4a"),
    "appid query parameter": ("GET /data/2.5/weather?q=x&appid=0d1e2f3a4b5c6d7e 401", "0d1e2f3a4b5c6d7e"),
    "password=": ("login failed: user=bob password=Hunter2Hunter2", "Hunter2Hunter2"),
    "secret: quoted": ("config {'client_secret': 'S3cr3t-V4lue'} rejected", "S3cr3t-V4lue"),
    "auth=": ("retry with auth=Zm9vOmJhcg", "Zm9vOmJhcg"),
    "key=": ("cache miss key=Wq4Rt7Yu1Io", "Wq4Rt7Yu1Io"),
    "Authorization: Bearer": ("401 with headers {Authorization: Bearer Ab3dEf6hIj9kLm}", "Ab3dEf6hIj9kLm"),
    "Authorization: Basic": ("Authorization: Basic Ym9iOnMzY3IzdA== rejected", "Ym9iOnMzY3IzdA=="),
    "GitHub token": (f"git push failed using {_GH}", _GH),
    "AWS access key id": (f"S3 denied for {_AWS}", _AWS),
    "Slack token": (f"slack post with {_SLACK} failed", _SLACK),
    "Google API key": (f"quota exceeded for {_GOOGLE}", _GOOGLE),
    "JWT": (f"expired session {_JWT}", _JWT),
    "Stripe live key": (f"stripe charge with {_STRIPE} failed", _STRIPE),
}

# Credentials hidden from a naive redactor by characters that disappear when the text is drawn.
OBFUSCATED: dict[str, tuple[str, str]] = {
    "ANSI inside the name": ("pass\x1b[0mword=Obfusc4ted1", "Obfusc4ted1"),
    "NUL inside the name": ("pass\x00word=Obfusc4ted2", "Obfusc4ted2"),
    "zero-width inside the name": ("pass\u200bword=Obfusc4ted3", "Obfusc4ted3"),
    "bidi override inside the name": ("pass\u202eword=Obfusc4ted4", "Obfusc4ted4"),
    "full-width name": ("ｐａｓｓｗｏｒｄ=Obfusc4ted5", "Obfusc4ted5"),
    "ANSI inside a token": ("ghp_R8x2Lq\x1b[1mR8x2LqR8x2LqR8x2LqR8x2LqR8x2Lq", "R8x2LqR8x2LqR8x2Lq"),
}

# context values (and keys) that carry credentials
SECRET_CONTEXT: dict[str, Any] = {
    "password": "CtxPassw0rd",
    "headers": {"Authorization": "Bearer CtxBearerT0ken", "X-Api-Key": "CtxApiK3y"},
    "url": "https://carol:CtxUrlPass@host.example/x",
    "notes": ["see token=CtxListT0ken"],
}
SECRET_CONTEXT_VALUES = ("CtxPassw0rd", "CtxBearerT0ken", "CtxApiK3y", "CtxUrlPass", "CtxListT0ken")


# ---------------------------------------------------------------------- a hostile environment

class Faulty:
    """A module with some functions replaced by faults; everything else passes through."""

    def __init__(self, module: Any, **replaced: Callable[..., Any]) -> None:
        self._module = module
        self.__dict__.update(replaced)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def _raise(error: OSError) -> Callable[..., Any]:
    def fault(*args: object, **kwargs: object) -> Any:
        raise error
    return fault


def _half_written(*args: Any, **kwargs: Any) -> Any:
    """``os.fdopen`` whose file fills the disk halfway through the write."""
    handle = os.fdopen(*args, **kwargs)
    write = handle.write

    def fill(text: str) -> int:
        write(text[: len(text) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    handle.write = fill  # type: ignore[method-assign]
    return handle


FAULTS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "read-only file system": lambda p: p.setattr(export, "tempfile", Faulty(
        tempfile, mkstemp=_raise(OSError(errno.EROFS, "Read-only file system")))),
    "permission denied": lambda p: p.setattr(export, "tempfile", Faulty(
        tempfile, mkstemp=_raise(PermissionError(errno.EACCES, "Permission denied")))),
    "disk full while writing": lambda p: p.setattr(export, "os", Faulty(os, fdopen=_half_written)),
    "disk full at fsync": lambda p: p.setattr(export, "os", Faulty(
        os, fsync=_raise(OSError(errno.ENOSPC, "No space left on device")))),
    "rename fails": lambda p: p.setattr(export, "os", Faulty(os, replace=_raise(OSError(errno.EIO, "I/O")))),
}


def saved_pattern(**fields: Any) -> dict[str, Any]:
    return {"key": "weather/KeyError/update/ab12", "severity": "error", "error_type": "KeyError",
            "message": "'temp'", "plugin_id": "weather", "count": 7, **fields}


BROKEN_STATES: dict[str, object] = {
    "truncated JSON text": '{"version": 1, "patterns": [{"key": "weather/Ti',
    "binary garbage": b"\x00\xff\xfe garbage",
    "a list": [1, 2, 3],
    "another version": {"version": 2, "patterns": [saved_pattern()], "plugins": {}},
    "the version as text": {"version": "1", "patterns": [], "plugins": {}},
    "no version": {"patterns": [saved_pattern()], "plugins": {}},
    "patterns not a list": {"version": 1, "patterns": {"k": saved_pattern()}, "plugins": {}},
    "an entry cut short": {"version": 1, "patterns": [{"key": "k", "sev"[:2]: "er"}], "plugins": {}},
    "a count that is NaN": {"version": 1, "patterns": [saved_pattern(count=float("nan"))], "plugins": {}},
    "100,000 entries": {"version": 1, "patterns": [saved_pattern()] * 100_000, "plugins": {}},
    "nested 5,000 deep": {"version": 1, "patterns": [_nested(5000)], "plugins": {}},
    "reading raises a decode error": json.JSONDecodeError("Expecting value", "", 0),
    "reading raises an I/O error": OSError(errno.EIO, "I/O error"),
    "reading raises anything": RuntimeError("cache bug"),
}


STATE_KEY = "error-status:state"


class BrokenCache(FakeCacheManager):
    """The host's cache with a broken saved state under our key (or a read that raises)."""

    def __init__(self, broken: object) -> None:
        super().__init__()
        self.broken = broken

    def get(self, key: str, max_age: float | None = 300, memory_ttl: float | None = None) -> Any:
        if key == STATE_KEY and not self.set_calls:
            if isinstance(self.broken, BaseException):
                raise self.broken
            return self.broken
        return super().get(key, max_age, memory_ttl)




# ---------------------------------------------------------------------- deep tracebacks

DEEP_LEVELS = 100
DEEP_FRAMES = 2 * DEEP_LEVELS + 2  # deep_error, then _dive and _left/_right per level, then the last _dive


def _left(depth: int, path: int) -> None:
    _dive(depth, path)


def _right(depth: int, path: int) -> None:
    _dive(depth, path)


def _dive(depth: int, path: int) -> None:
    """Recurse ``depth`` levels; the outer twelve go left or right by the bits of ``path``."""
    if depth == 0:
        raise ValueError("deep failure")
    step = _right if depth > DEEP_LEVELS - 12 and path >> (DEEP_LEVELS - depth) & 1 else _left
    step(depth - 1, path)


def deep_error(path: int) -> BaseException:
    """A traceback 202 frames deep, unlike any other ``path``'s in its outer frames only."""
    try:
        _dive(DEEP_LEVELS, path)
    except ValueError as error:
        return error
    raise AssertionError("unreachable")


def deep_traceback_growth(count: int = 2100) -> int:
    """Bytes traced while ``count`` distinct 202-frame tracebacks are recorded with max_records=10."""
    import gc
    import tracemalloc

    from error_status.aggregator import ErrorAggregator

    errors = [deep_error(path) for path in range(count)]  # (made before measuring)
    aggregator = ErrorAggregator(max_records=10)
    logger, was_disabled = aggregator.logger, aggregator.logger.disabled
    logger.disabled = True  # (the module's logger: put back as it was, for whoever runs next)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for error in errors:
            aggregator.record_error(error, plugin_id="deep")
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        logger.disabled = was_disabled
        aggregator.close()


# ---------------------------------------------------------------------- host objects that fight back


class Raising:
    """Every attribute read raises, as a half-initialised host object might."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"no {name}")


class RaisingMapping(dict[str, Any]):
    """A summary, state info or cache entry whose every read raises (a half-initialised host object)."""

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no")

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no")


class RaisingState(enum.Enum):
    """A host state whose ``.value`` raises."""

    BROKEN = "broken"

    @property
    def value(self) -> Any:  # type: ignore[override]
        raise RuntimeError("no value")
