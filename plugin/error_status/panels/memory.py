"""MemoryPanel: a panel that keeps copies of what it is shown (luma's dummy), for tests and pictures."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from .base import check_open
from .recording import Frame, FrameLog


class MemoryPanel:
    """A panel in memory: the last `keep` frames it was shown, identical consecutive ones merged."""

    def __init__(self, width: int, height: int, *, keep: int = 10_000) -> None:
        if width < 1 or height < 1 or keep < 1:
            raise ValueError(f"MemoryPanel needs width, height and keep >= 1, got {width}, {height}, {keep}")
        self._log = FrameLog((width, height), keep)
        self._closed = False
        self.shown = 0

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in LEDs."""
        return self._log.size

    @property
    def frames(self) -> list[Frame]:
        """Recorded frames, oldest first; treat the images as read-only."""
        return self._log.frames

    @property
    def last(self) -> Image.Image | None:
        """A copy of the last frame shown, or None."""
        return self._log.last

    def show(self, image: Image.Image) -> None:
        """Record a copy of the frame."""
        check_open(self._closed)
        self._log.add(image)
        self.shown += 1

    def close(self) -> None:
        """Stop accepting frames; the recording stays readable."""
        self._closed = True

    def save_png(self, path: str | Path, *, scale: int = 1, led: bool = False) -> None:
        """Write the last frame as a PNG (see ``FrameLog.save_png``)."""
        self._log.save_png(path, scale=scale, led=led)

    def save_gif(self, path: str | Path, *, fps: float, scale: int = 1, led: bool = False) -> None:
        """Write the recording as a GIF (see ``FrameLog.save_gif``)."""
        self._log.save_gif(path, fps=fps, scale=scale, led=led)
