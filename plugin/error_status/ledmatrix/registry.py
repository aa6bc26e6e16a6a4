"""One driver per process and settings: LEDMatrix re-uses the plugin's module, and its harness builds
sixteen instances; each instance acquires the driver for its settings and releases it at cleanup."""

from __future__ import annotations

from typing import Any

from .. import forksafe
from .config import PluginSettings
from .driver import Driver, DriverKey

_drivers: dict[tuple[DriverKey, tuple[tuple[str, int], ...]], tuple[Driver, int]] = {}
_drivers_lock = forksafe.Lock()


def acquire(settings: PluginSettings, plugin_manager: object, cache_manager: object,
            **options: Any) -> Driver:
    """The driver for these settings, started once per process; pair with ``release``."""
    key = (DriverKey.of(settings), tuple(sorted((name, id(value)) for name, value in options.items())))
    with _drivers_lock:
        driver, users = _drivers.get(key, (None, 0))
        if driver is None:
            driver = Driver(key[0], **options)
            driver.registry_key = key
        _drivers[key] = (driver, users + 1)
    driver.start(plugin_manager, cache_manager)
    return driver


def release(driver: Driver) -> None:
    """One user fewer; the last one stops the driver and detaches it from the host."""
    key = driver.registry_key
    with _drivers_lock:
        current, users = _drivers.get(key, (None, 0)) if key is not None else (None, 0)
        if current is not driver:
            return
        if users > 1:
            _drivers[key] = (driver, users - 1)
            return
        del _drivers[key]
    driver.stop()
