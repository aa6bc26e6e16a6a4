"""What the panel shows: a pure function of a board snapshot, a panel size and a time to an RGB
image (``render``), the same frame painted into an image the caller owns (``Renderer.paint`` on a
``Canvas``), scenes drawn ahead on another thread (``Renderer.prepare``); a layout per panel shape,
bitmap fonts set with a gap between glyphs, a short cause per alert, shapes that carry meaning."""

from .renderer import Canvas, Renderer, render

__all__ = ["Canvas", "Renderer", "render"]
