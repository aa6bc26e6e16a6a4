"""Shared fixtures: a manual clock and aggregators built on it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Run from a checkout without installing (LEDMatrix's scripts/run_plugin_tests.py does this):
# make the package and the test helpers importable.
for _path in (Path(__file__).resolve().parents[1] / "plugin", Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from error_status.aggregator import ErrorAggregator  # noqa: E402
from error_status.clock import ManualClock  # noqa: E402


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when the test says so."""
    return ManualClock()


@pytest.fixture
def make_aggregator(clock: ManualClock) -> Iterator[object]:
    """Build aggregators on the manual clock; closed at teardown."""
    made: list[ErrorAggregator] = []

    def build(**kwargs: object) -> ErrorAggregator:
        kwargs.setdefault("clock", clock)
        aggregator = ErrorAggregator(**kwargs)  # type: ignore[arg-type]
        made.append(aggregator)
        return aggregator

    yield build
    for aggregator in made:
        aggregator.close()


@pytest.fixture
def host(clock: ManualClock) -> Iterator[object]:
    """A host-like world for the plugin (``plugin_world.Host``); its instances cleaned up at the end."""
    from plugin_world import Host

    made = Host(clock)
    yield made
    for instance in made.instances:
        instance.cleanup()
