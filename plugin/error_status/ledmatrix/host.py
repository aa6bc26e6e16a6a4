"""How the driver takes in what the host's own aggregator records: mirrored (the default: exact
increments at each poll, a wake-up on each pattern), replaced by ours (opt-in), or not at all."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from types import ModuleType

from ..aggregator import ErrorAggregator
from .install import install_as_host_aggregator
from .mirror import HostMirror

logger = logging.getLogger(__name__)

HOST_MODES = ("mirror", "replace", "off")


def import_host_aggregator() -> ModuleType | None:
    """LEDMatrix's ``src.error_aggregator`` when running inside the host, else None."""
    try:
        return importlib.import_module("src.error_aggregator")
    except Exception:
        return None


class HostLink:
    """The link to the host's aggregator; every call into the host is guarded."""

    def __init__(self, mode: str, ours: ErrorAggregator,
                 host_module: Callable[[], ModuleType | None] = import_host_aggregator) -> None:
        if mode not in HOST_MODES:
            raise ValueError(f"host_aggregator must be one of {', '.join(HOST_MODES)}, got {mode!r}")
        self.mode = mode
        self.ours = ours
        self._host_module = host_module
        self.mirror: HostMirror | None = None
        self._uninstall: Callable[[], None] | None = None

    def attach(self, wake: Callable[[], object]) -> None:
        """Mirror the host's aggregator (``wake`` is called when it detects a pattern), or replace
        it when so configured and possible (else mirror it)."""
        module = self._host_module() if self.mode != "off" else None
        factory = getattr(module, "get_error_aggregator", None)
        if module is None or factory is None:
            return
        try:
            instance = factory()
        except Exception:
            logger.warning("error-status: the host's error aggregator is not available", exc_info=True)
            return
        if instance is self.ours:
            return
        self.mirror = HostMirror(instance, self.ours)
        self.mirror.attach(wake)
        if self.mode == "replace":
            self._uninstall = install_as_host_aggregator(module, self.ours, mirror=self.mirror)
            if self._uninstall is not None:
                self.mirror = None  # the host now records into ours

    def poll(self) -> int:
        """Take in what the host recorded since the last poll; how many occurrences."""
        return self.mirror.poll() if self.mirror is not None else 0

    def detach(self) -> None:
        """Stop mirroring; hand the host its own aggregator back."""
        if self.mirror is not None:
            self.mirror.detach()
        if self._uninstall is not None:
            self._uninstall()
            self._uninstall = None
