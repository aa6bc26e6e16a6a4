"""The Prometheus collector over a published view: names, values, bounds, and no feedback loop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from error_status.aggregator import ErrorAggregator
from error_status.board import alert_from_pattern
from error_status.clock import ManualClock
from error_status.fleet import FleetCounters, LatestView, MetricsView, ViewBuilder, make_registry
from error_status.fleet.view import OTHER, ViewLimits
from error_status.model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(registry: CollectorRegistry) -> Samples:
    """Every sample of a scrape, parsed back with prometheus_client's own parser."""
    text = generate_latest(registry).decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def names(samples: Samples) -> set[str]:
    return {name for name, _ in samples}


@pytest.fixture
def aggregator() -> Iterator[ErrorAggregator]:
    made = ErrorAggregator(pattern_threshold=2, clock=ManualClock())
    yield made
    made.close()


def fleet_alert(plugin: str = "pi-kitchen", severity: Severity = Severity.CRITICAL) -> Alert:
    return Alert(f"alertmanager:{plugin}", severity, plugin, "DiskFull", "full", 1, 0.0, 0.0,
                 origin="alertmanager")


def local_snapshot(aggregator: ErrorAggregator, *fleet: Alert) -> BoardSnapshot:
    local = tuple(alert_from_pattern(p) for p in aggregator.active_patterns())
    health = (PluginHealth("clock", HealthState.HEALTHY), PluginHealth("weather", HealthState.FAILING),
              *(PluginHealth(a.plugin_id or "", HealthState.CRITICAL) for a in fleet))
    return BoardSnapshot(alerts=local + fleet, health=tuple(sorted(health, key=lambda h: h.plugin_id)))


def test_the_panel_counters_and_gauges_are_exported_under_ledmatrix_names(
        aggregator: ErrorAggregator) -> None:
    for _ in range(3):
        aggregator.record_error(TimeoutError("slow"), plugin_id="weather")
    aggregator.record_error(KeyError("x"), plugin_id="nhl")
    summary = aggregator.get_error_summary()
    view = LatestView()
    registry = make_registry(view, "9.9.9", CollectorRegistry())
    view.publish(ViewBuilder().build(summary["plugin_error_counts"], local_snapshot(aggregator),
                                     summary["stats"]))
    samples = scrape(registry)
    assert value(samples, "ledmatrix_plugin_errors_total", plugin="weather", type="TimeoutError") == 3
    assert value(samples, "ledmatrix_plugin_errors_total", plugin="nhl", type="KeyError") == 1
    assert value(samples, "ledmatrix_error_alerts", plugin="weather", severity="warning") == 1
    assert value(samples, "ledmatrix_error_alerts", plugin="clock", severity="critical") == 0
    assert value(samples, "ledmatrix_plugin_health", plugin="weather", state="failing") == 1
    assert value(samples, "ledmatrix_plugin_health", plugin="weather", state="healthy") == 0
    assert value(samples, "ledmatrix_plugin_health", plugin="clock", state="healthy") == 1
    assert value(samples, "ledmatrix_error_status_info", version="9.9.9") == 1
    assert value(samples, "ledmatrix_error_events_dropped_total") == 0
    assert value(samples, "ledmatrix_error_internal_errors_total", component="aggregator") == 0
    assert value(samples, "ledmatrix_alertmanager_polls_total", result="ok") == 0
    assert all(name.startswith("ledmatrix_") for name in names(samples))


def test_alerts_from_alertmanager_are_never_exported_back(aggregator: ErrorAggregator) -> None:
    for _ in range(2):
        aggregator.record_error(TimeoutError("slow"), plugin_id="weather")
    view = LatestView()
    registry = make_registry(view, "1", CollectorRegistry())
    view.publish(ViewBuilder().build({}, local_snapshot(aggregator, fleet_alert(), fleet_alert("backup"))))
    text = generate_latest(registry).decode()
    assert "pi-kitchen" not in text and "backup" not in text
    assert 'plugin="weather"' in text


def test_the_view_replaces_the_last_one_and_counters_follow(aggregator: ErrorAggregator) -> None:
    view = LatestView()
    registry = make_registry(view, "1", CollectorRegistry())
    view.publish(MetricsView(errors=(("a", "E", 1),), events_dropped=2,
                             fleet=FleetCounters(polls_ok=5, polls_failed=1, malformed_alerts=3,
                                                 textfile_failures=4)))
    first = scrape(registry)
    assert value(first, "ledmatrix_error_events_dropped_total") == 2
    assert value(first, "ledmatrix_alertmanager_polls_total", result="failed") == 1
    assert value(first, "ledmatrix_alertmanager_malformed_alerts_total") == 3
    assert value(first, "ledmatrix_error_internal_errors_total", component="textfile") == 4
    view.publish(MetricsView(errors=(("a", "E", 7),)))
    assert value(scrape(registry), "ledmatrix_plugin_errors_total", plugin="a", type="E") == 7
    with pytest.raises(TypeError):
        view.publish({"errors": ()})  # type: ignore[arg-type]


def test_cardinality_is_bounded_and_counters_stay_monotonic() -> None:
    builder = ViewBuilder(ViewLimits(max_plugins=3, max_error_types=2), max_error_series=5)
    counts = {f"p{i}": {f"T{j}": 1 for j in range(4)} for i in range(6)}
    first = builder.build(counts, BoardSnapshot())
    assert len({plugin for plugin, _, _ in first.errors}) <= 4  # three plugins and (other)
    assert len(first.errors) <= 5 + 4  # the series cap, plus one (other) per plugin label
    assert sum(count for _, _, count in first.errors) == 24  # nothing is lost, only folded
    counts["p0"]["T9"] = 1  # a new type of a kept plugin must not push others out
    counts["a-new-plugin"] = {"T0": 5}
    second = dict(((p, t), c) for p, t, c in builder.build(counts, BoardSnapshot()).errors)
    for plugin, error_type, count in first.errors:
        assert second[(plugin, error_type)] >= count
    assert second[(OTHER, OTHER)] > dict(((p, t), c) for p, t, c in first.errors)[(OTHER, OTHER)]


def test_hostile_counts_are_ignored_not_raised() -> None:
    hostile: dict[object, object] = {"ok": {"E": 2, "neg": -1, "flag": True, "txt": "3"}, 5: {"E": 1},
                                     "bad": ["E"]}
    view = ViewBuilder().build(hostile, BoardSnapshot(), {"events_dropped": "many"})  # type: ignore[arg-type]
    assert ("ok", "E", 2) in view.errors and view.events_dropped == 0
    assert ViewBuilder().build("nope", BoardSnapshot()).errors == ()  # type: ignore[arg-type]


def test_the_process_wide_registry_is_never_touched() -> None:
    before = set(REGISTRY._names_to_collectors)
    registry = make_registry(LatestView(), "1")
    assert registry is not REGISTRY and set(REGISTRY._names_to_collectors) == before
    assert "ledmatrix_plugin_errors" in registry._names_to_collectors  # describe() registered the names


def test_describe_does_not_read_the_source() -> None:
    class Exploding:
        def metrics_view(self) -> MetricsView:
            raise AssertionError("read at registration")

    make_registry(Exploding(), "1", CollectorRegistry())
