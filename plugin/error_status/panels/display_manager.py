"""LEDMatrix's display manager as a Panel: a frame goes into the manager's image, then its
``update_display()`` pushes it (dirty tracking, the emulator or the panel: the host's business)."""

from __future__ import annotations

from typing import Any

from PIL import Image

from ..render.layout import check_size
from .base import check_frame


class DisplayManagerPanel:
    """A Panel over the host's ``display_manager`` (the real one, or the harness's doubles).

    The size is read at every use from ``matrix.width/height`` (the host documents these as the
    logical size; Vegas narrows them while it captures). Frames are pasted into an image this
    panel obtained from ``clear()``: other plugins assign their own images to ``image`` and reuse
    them, so pasting into whatever ``image`` holds could draw into another plugin's canvas.
    """

    def __init__(self, display_manager: Any) -> None:
        self.manager = display_manager
        self._owned: Image.Image | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in LEDs, as the host reports them now."""
        manager = self.manager
        matrix = getattr(manager, "matrix", None)
        width = getattr(matrix, "width", None) or getattr(manager, "width", None)
        height = getattr(matrix, "height", None) or getattr(manager, "height", None)
        if not isinstance(width, int) or not isinstance(height, int):
            width, height = manager.image.size
        return check_size(width, height)

    def clear(self) -> None:
        """A fresh, black image from the manager (it does not push a frame)."""
        self.manager.clear()
        self._owned = self.manager.image

    def target(self) -> Image.Image:
        """The manager's image this panel owns, to paint a frame into in place (a fresh one from
        ``clear()`` when the manager holds another); then call ``push()``."""
        if self.manager.image is not self._owned:
            self.clear()
        image: Image.Image = self.manager.image
        return image

    def push(self) -> None:
        """Push what is in the manager's image to the panel."""
        self.manager.update_display()

    def show(self, image: Image.Image) -> None:
        """Put a full frame into the manager's image and push it."""
        check_frame(image, self.size)
        self.target().paste(image, (0, 0))
        self.push()

    def close(self) -> None:
        """Nothing to release: the host owns the display manager."""
