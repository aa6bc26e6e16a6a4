"""error-status: LEDMatrix's error aggregation service made right, and a plugin that shows it.

LEDMatrix loads this file as the plugin's entry point (``manifest.json``); it names the class the
host instantiates. Importing it starts nothing: no threads, no files, no hardware.

Rooms, in the direction data flows: ``hygiene`` (make input safe) → ``aggregator`` (patterns and
their lifecycle) → ``board`` (what is on screen) → ``render`` (a picture of it) → ``panels`` (where
it goes); ``ledmatrix`` wires them into the host; ``cli`` and ``demo`` run them without it.
"""

from .ledmatrix.plugin import ErrorStatusPlugin

__all__ = ["ErrorStatusPlugin"]
__version__ = "0.1.0"
