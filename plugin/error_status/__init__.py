"""error-status: LEDMatrix's error aggregation service made right, and a plugin that shows it.

LEDMatrix loads this file as the plugin's entry point (``manifest.json``) and asks it for the class
it names, ``ErrorStatusPlugin``, which is imported then (so the web UI's action scripts, which
import a part of this package, do not load the renderer). Importing it starts nothing: no threads,
no files, no hardware.

Rooms, in the direction data flows: ``hygiene`` (make input safe) → ``aggregator`` (patterns and
their lifecycle) → ``board`` (what is on screen) → ``render`` (a picture of it) → ``panels`` (where
it goes); ``ledmatrix`` wires them into the host and ``fleet`` into Prometheus and Alertmanager;
``cli`` and ``demo`` run them without the host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .ledmatrix.plugin import ErrorStatusPlugin

__all__ = ["ErrorStatusPlugin", "__version__"]


def __getattr__(name: str) -> Any:
    """``ErrorStatusPlugin``, imported on first use."""
    if name == "ErrorStatusPlugin":
        from .ledmatrix.plugin import ErrorStatusPlugin

        return ErrorStatusPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
