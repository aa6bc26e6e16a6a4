"""Hostile input to every public entry point of the aggregator: handled safely, or (for a setting) a
TypeError/ValueError that names it. ``record_error`` never raises, never blocks, never loses a count."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile import BAD_AGGREGATOR_SETTINGS, CONTEXTS, ERRORS, IDS, Unprintable

from error_status import aggregator as aggregator_module
from error_status.aggregator import ErrorAggregator, ErrorRecord, EventKind, PatternEvent

Build = Callable[..., ErrorAggregator]
SLOW = 0.25  # seconds: one record_error taking longer than this is blocking its caller's except block
SEED_HEALTH_KEYS = {"plugin_id", "status", "total_errors", "error_types", "recent_error_count", "last_error"}


def counted(aggregator: ErrorAggregator) -> int:
    """Occurrences the aggregator has counted (by type: every occurrence has one)."""
    return sum(aggregator.get_error_summary()["error_counts_by_type"].values())


def check_record(record: object, aggregator: ErrorAggregator) -> None:
    """A returned record is a bounded, JSON-safe ErrorRecord."""
    assert isinstance(record, ErrorRecord)
    limits = aggregator.limits
    assert isinstance(record.error_type, str) and 0 < len(record.error_type) <= 100
    assert record.error_type.isprintable()
    assert isinstance(record.message, str) and len(record.message) <= limits.max_message_length
    for name in (record.plugin_id, record.operation):
        assert name is None or (isinstance(name, str) and 0 < len(name) <= limits.max_id_length
                                and name.isprintable())
    text = json.dumps(record.to_dict(), allow_nan=False)
    assert len(text) < 64_000


def timed(call: Callable[..., object], *args: object, **kwargs: object) -> tuple[object, float]:
    """``call(*args, **kwargs)`` and the seconds it took."""
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - started


@pytest.mark.parametrize("label", list(ERRORS))
def test_record_error_accepts_any_error_with_any_ids(label: str, make_aggregator: Build,
                                                     tmp_path: Path) -> None:
    aggregator = make_aggregator(pattern_threshold=3)
    calls = 0
    for id_label, make_id in IDS.items():
        error = ERRORS[label]()
        record, seconds = timed(aggregator.record_error, error, plugin_id=make_id(), operation=make_id())
        calls += 1
        check_record(record, aggregator)
        assert seconds < SLOW, f"{label} / {id_label}: record_error took {seconds:.3f}s"
    assert counted(aggregator) == calls, "an occurrence was lost"
    assert aggregator.stats()["records_kept"] == calls
    aggregator.export_to_file(tmp_path / "export.json")
    assert len(json.loads((tmp_path / "export.json").read_text("utf-8"))["all_records"]) == calls


def test_base_exceptions_are_recorded_not_raised(make_aggregator: Build) -> None:
    aggregator = make_aggregator()
    for error in (KeyboardInterrupt("ctrl-c"), SystemExit(3), GeneratorExit()):
        record = aggregator.record_error(error, plugin_id="host")
        assert record.error_type == type(error).__name__
    assert aggregator.get_error_summary()["plugin_error_counts"] == {
        "host": {"KeyboardInterrupt": 1, "SystemExit": 1, "GeneratorExit": 1}}


@pytest.mark.parametrize("label", list(CONTEXTS))
def test_record_error_copies_any_context(label: str, make_aggregator: Build) -> None:
    aggregator = make_aggregator()
    context = CONTEXTS[label]()
    before = repr(context) if label in ("a list", "non-finite floats", "refers to itself") else None
    for error in (ERRORS["a raised exception"](), ERRORS["context property raises"](), "text"):
        record, seconds = timed(aggregator.record_error, error, context=context, plugin_id="p")
        check_record(record, aggregator)
        assert seconds < SLOW, f"{label}: record_error took {seconds:.3f}s"
        assert isinstance(record, ErrorRecord)
        assert isinstance(record.context, dict)
        assert len(record.context) <= aggregator.limits.max_context_items + 1
    if before is not None:
        assert repr(context) == before, "the caller's context was changed"
    assert counted(aggregator) == 3


def test_the_process_wide_record_error_never_raises(monkeypatch: pytest.MonkeyPatch,
                                                    make_aggregator: Build) -> None:
    aggregator = make_aggregator()
    monkeypatch.setattr(aggregator_module, "_error_aggregator", aggregator)
    for make_error in ERRORS.values():
        check_record(aggregator_module.record_error(make_error(), context=CONTEXTS["refers to itself"](),
                                                    plugin_id=Unprintable(), operation=b"op"), aggregator)
    assert counted(aggregator) == len(ERRORS)


def test_ingest_accepts_anything_another_source_describes(make_aggregator: Build) -> None:
    aggregator = make_aggregator()
    hostile: list[Any] = [make() for make in IDS.values()] + [ValueError, ERRORS["a 10 MB message"]()]
    for value in hostile:
        record, seconds = timed(aggregator.ingest, value, value, plugin_id=value, operation=value,
                                context=value, stack_trace=value, fingerprint=value)
        check_record(record, aggregator)
        assert seconds < SLOW
    record = aggregator.ingest("LoggedError", "m", stack_trace="Traceback\n" * 1_000_000)
    assert record.stack_trace is not None and len(record.stack_trace) <= 8000
    assert counted(aggregator) == len(hostile) + 1


def test_subscribers_are_checked_when_they_subscribe(make_aggregator: Build) -> None:
    aggregator = make_aggregator(pattern_threshold=2)
    for callback in (5, "print", object()):
        with pytest.raises(TypeError, match="callback"):
            aggregator.subscribe(callback)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="callback"):
            aggregator.on_pattern_detected(callback)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="callback"):
        aggregator.on_pattern_detected(None)  # type: ignore[arg-type]
    for kinds in (5, ["detected"], [EventKind.DETECTED, None], "detected"):
        with pytest.raises(TypeError, match="kinds"):
            aggregator.subscribe(print, kinds=kinds)  # type: ignore[arg-type]

    class OddCallable:
        """A callable whose ``__qualname__`` lookup raises (it names the delivery thread)."""

        def __getattr__(self, name: str) -> Any:
            raise RuntimeError(name)

        def __call__(self, event: PatternEvent) -> None:
            seen.append(event)

    seen: list[PatternEvent] = []
    aggregator.subscribe(OddCallable(), name=Unprintable())  # type: ignore[arg-type]
    drained = aggregator.subscribe(kinds=EventKind.DETECTED, name="x" * 100_000)  # type: ignore[arg-type]
    aggregator.on_pattern_detected(lambda pattern: None)
    for _ in range(2):
        aggregator.record_error(ValueError("boom"), plugin_id="p")
    assert [e.kind for e in drained.drain()] == [EventKind.DETECTED]
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [e.kind for e in seen] == [EventKind.DETECTED]


def test_plugin_health_for_any_plugin_id(make_aggregator: Build) -> None:
    aggregator = make_aggregator()
    stored: Counter[str | None] = Counter()
    for id_label, make_id in IDS.items():
        record = aggregator.record_error(ValueError("x"), plugin_id=make_id())
        stored[record.plugin_id] += 1
        health = aggregator.get_plugin_health(make_id())  # type: ignore[arg-type]
        assert set(health) >= SEED_HEALTH_KEYS, id_label
        json.dumps({k: v for k, v in health.items() if k != "plugin_id"}, allow_nan=False)
        # the id is cleaned the same way when recorded and when asked about
        assert health["total_errors"] == (stored[record.plugin_id] if record.plugin_id else 0), id_label
        assert health["status"] == ("degraded" if record.plugin_id else "healthy"), id_label


@pytest.mark.parametrize("value", [-1, -0.5, float("nan"), float("inf"), 10**400, "24", None, True, [24]])
def test_clear_old_records_refuses_bad_ages_by_name(value: object, make_aggregator: Build) -> None:
    aggregator = make_aggregator()
    aggregator.record_error(ValueError("x"))
    with pytest.raises((TypeError, ValueError), match="max_age_hours"):
        aggregator.clear_old_records(value)  # type: ignore[arg-type]
    assert aggregator.clear_old_records(0) == 1
    assert counted(aggregator) == 1  # counts are cumulative


def test_export_to_file_refuses_bad_paths_and_leaves_no_debris(make_aggregator: Build,
                                                                tmp_path: Path) -> None:
    aggregator = make_aggregator()
    aggregator.record_error(ValueError("x"), plugin_id="p")
    for value in (None, 5, b"bytes.json", Unprintable(), ["a.json"]):
        with pytest.raises(TypeError, match="filepath"):
            aggregator.export_to_file(value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="filepath"):
        aggregator.export_to_file("")
    target = tmp_path / "taken"
    (target / "inside").mkdir(parents=True)
    with pytest.raises(OSError):
        aggregator.export_to_file(target)  # a directory is in the way
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert (target / "inside").is_dir()


@pytest.mark.parametrize(("kwargs", "error", "name"), BAD_AGGREGATOR_SETTINGS)
def test_bad_aggregator_settings_name_themselves(kwargs: dict[str, Any], error: type[Exception],
                                                 name: str) -> None:
    with pytest.raises(error, match=name):
        ErrorAggregator(**kwargs)
