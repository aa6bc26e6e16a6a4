"""What the panel shows: a pure function of a board snapshot, a panel size and a time to an RGB
image (``render``), with a layout per panel shape, bitmap fonts and shapes that carry meaning."""

from .renderer import Renderer, render

__all__ = ["Renderer", "render"]
