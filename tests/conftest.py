"""Shared fixtures: a manual clock and aggregators built on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from error_status.aggregator import ErrorAggregator
from error_status.clock import ManualClock


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
