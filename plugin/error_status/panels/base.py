"""The Panel interface every output meets (luma.core's device: size, show(image), close()), and the
checks every implementation applies to a frame."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PIL import Image


class PanelUnavailable(RuntimeError):
    """The requested panel back-end cannot be opened on this machine."""


@runtime_checkable
class Panel(Protocol):
    """A fixed-size sink of full RGB frames (luma.core's device: size, display(image), cleanup())."""

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in LEDs."""
        ...

    def show(self, image: Image.Image) -> None:
        """Put a full "RGB" frame of exactly `size` on the panel."""
        ...

    def close(self) -> None:
        """Release the panel; safe to call twice."""
        ...


def check_frame(image: Image.Image, size: tuple[int, int]) -> None:
    """Raise ValueError unless image is "RGB" and exactly size (rgbmatrix raises, the emulator would not)."""
    if image.mode != "RGB":
        raise ValueError(
            f"panel frames must be mode 'RGB', got {image.mode!r}: convert with image.convert('RGB') "
            "(rgbmatrix raises for other modes; RGBMatrixEmulator would silently paste them)"
        )
    if image.size != size:
        raise ValueError(f"panel is {size[0]}x{size[1]}, got a {image.size[0]}x{image.size[1]} frame")


def check_open(closed: bool) -> None:
    """Raise RuntimeError when a closed panel is used."""
    if closed:
        raise RuntimeError("the panel is closed")
