"""error-status: LEDMatrix's error aggregation service made right, and a plugin that shows it.

LEDMatrix loads this file as the plugin's entry point (``manifest.json``); it names the class the
host instantiates. Importing it starts nothing: no threads, no files, no hardware.
"""

from .plugin import ErrorStatusPlugin

__all__ = ["ErrorStatusPlugin"]
__version__ = "0.1.0"
