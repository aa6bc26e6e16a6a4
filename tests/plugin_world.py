"""A host-like world for the plugin's tests: the seed aggregator singleton, an executor that
records into it, a display manager, a cache and a plugin manager (the ``host`` fixture)."""

from __future__ import annotations

import types
from typing import Any

from hostdoubles import FakeCacheManager, FakeDisplayManager, FakePluginManager, SeedAggregator
from PIL import Image

from error_status import ErrorStatusPlugin
from error_status.clock import ManualClock
from error_status.render.layout import plan


def colours(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> set[tuple[int, int, int]]:
    """The colours present in an image (or a box of it)."""
    part = image.crop(box) if box else image
    return {c for _, c in part.getcolors(1 << 16) or []}


class Host:
    """A host-like setting: the seed aggregator singleton, an executor that records into it."""

    def __init__(self, clock: ManualClock, width: int = 64, height: int = 32, **plugin_manager: Any) -> None:
        self.clock = clock
        self.aggregator = SeedAggregator()
        self.module = types.SimpleNamespace(get_error_aggregator=lambda: self.aggregator)
        self.display = FakeDisplayManager(width, height)
        self.cache = FakeCacheManager()
        self.plugins = FakePluginManager(**plugin_manager)
        self.instances: list[ErrorStatusPlugin] = []
        self.options = {"clock": clock, "host_module": lambda: self.module, "poll_interval": 3600.0}

    def plugin(self, config: dict[str, Any] | None = None, cache: Any = None) -> ErrorStatusPlugin:
        """An instance built as the host's loader builds it (keyword arguments)."""
        instance = ErrorStatusPlugin(
            plugin_id="error-status", config=dict(config or {}), display_manager=self.display,
            cache_manager=cache or self.cache, plugin_manager=self.plugins,
            service_options=self.options)
        self.instances.append(instance)
        return instance

    def settle(self) -> None:
        """Let every instance's driver run a full cycle now (its thread would, when woken)."""
        for instance in self.instances:
            if instance._driver is not None:
                instance._driver.cycle(block=True)

    def fail(self, plugin_id: str, times: int, message: str = "Read timed out after 10s",
             error: type[Exception] = TimeoutError) -> None:
        """What LEDMatrix's PluginExecutor does when a plugin's update() raises."""
        for _ in range(times):
            try:
                raise error(message)
            except Exception as caught:
                exc = caught
            self.aggregator.record_error(exc, plugin_id=plugin_id, operation="execute")


def header_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The header band of the layout."""
    band = plan(width, height).header
    assert band is not None
    return (0, band.y, width, band.y + band.height)
