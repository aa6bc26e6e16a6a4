"""Outputs: one Panel interface (size, show(image), close()) met by the real panel (``hardware``),
RGBMatrixEmulator (``emulator``), memory (``memory``), LEDMatrix's display manager
(``display_manager``), and the ``Recorder`` wrapper that timestamps what it passes on."""

from .base import Panel, PanelUnavailable
from .memory import MemoryPanel
from .opening import PANEL_KINDS, open_panel
from .recording import Recorder

__all__ = ["PANEL_KINDS", "MemoryPanel", "Panel", "PanelUnavailable", "Recorder", "open_panel"]
