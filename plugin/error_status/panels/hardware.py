"""RGBMatrixPanel: a real HUB75 panel through hzeller's rgbmatrix binding, double-buffered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PIL import Image

from .base import PanelUnavailable, check_frame, check_open

# RGBMatrixOptions properties across binding versions (bindings/python/rgbmatrix/core.pyx).
RGBMATRIX_OPTION_NAMES = frozenset(
    {
        "rows",
        "cols",
        "chain_length",
        "parallel",
        "hardware_mapping",
        "pwm_bits",
        "pwm_lsb_nanoseconds",
        "brightness",
        "scan_mode",
        "multiplexing",
        "row_address_type",
        "disable_hardware_pulsing",
        "show_refresh_rate",
        "inverse_colors",
        "led_rgb_sequence",
        "pixel_mapper_config",
        "panel_type",
        "pwm_dither_bits",
        "limit_refresh_rate_hz",
        "gpio_slowdown",
        "rp1_rio",
        "daemon",
        "drop_privileges",
        "drop_priv_user",
        "drop_priv_group",
        "do_gpio_init",
    }
)

INSTALL_HINT = (
    "The 'rgbmatrix' module is not installed, and it is not on PyPI. Build it on the Raspberry Pi from "
    "https://github.com/hzeller/rpi-rgb-led-matrix: `sudo apt-get install python3-dev cython3`, then "
    "`pip install .` in the repository root (LEDMatrix's first_time_install.sh does this for you). "
    "Off the Pi, use the 'emulator-browser' or 'memory' panel instead."
)


class RGBMatrixPanel:
    """A Panel on real hardware; one offscreen canvas, a full SetImage and a swap per frame."""

    def __init__(
        self,
        width: int,
        height: int,
        *,
        options: Mapping[str, Any] | None = None,
        matrix: Any = None,
    ) -> None:
        if matrix is not None and options:
            raise ValueError("pass either options (to open the panel) or an opened matrix, not both")
        self._size = (width, height)
        self._matrix = matrix if matrix is not None else _open_matrix(width, height, options or {})
        _check_geometry(self._matrix, self._size)
        self._canvas = self._matrix.CreateFrameCanvas()
        self._closed = False

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in LEDs."""
        return self._size

    def show(self, image: Image.Image) -> None:
        """Draw the whole frame into the offscreen canvas and swap it in at the next vsync (blocks).

        SwapOnVSync returns the previously shown buffer with its stale content, so every frame is
        drawn in full: a partial redraw would alternate between two buffers and flicker.
        """
        check_open(self._closed)
        check_frame(image, self._size)
        self._canvas.SetImage(image)
        self._canvas = self._matrix.SwapOnVSync(self._canvas)

    def close(self) -> None:
        """Blank the panel, once."""
        if not self._closed:
            self._closed = True
            self._matrix.Clear()


def _open_matrix(width: int, height: int, options: Mapping[str, Any]) -> Any:
    """Open rgbmatrix.RGBMatrix with rows/cols from the size, then the given options on top."""
    _check_names(options)
    rgbmatrix = _import_rgbmatrix()
    built = rgbmatrix.RGBMatrixOptions()
    for name, value in {**_geometry(width, height, options), **options}.items():
        if not hasattr(built, name):
            raise ValueError(f"this rgbmatrix build has no option {name!r}")
        setattr(built, name, value)
    return rgbmatrix.RGBMatrix(options=built)


def _import_rgbmatrix() -> Any:
    """The rgbmatrix module, or PanelUnavailable explaining how to get it."""
    try:
        import rgbmatrix
    except ModuleNotFoundError as exc:
        if exc.name != "rgbmatrix":
            raise PanelUnavailable(f"rgbmatrix is installed but cannot import {exc.name!r}: {exc}") from exc
        raise PanelUnavailable(INSTALL_HINT) from exc
    except ImportError as exc:
        raise PanelUnavailable(
            f"rgbmatrix is installed but fails to import ({exc}); rebuild it with `pip install .` "
            "in rpi-rgb-led-matrix against the Pillow installed here"
        ) from exc
    return rgbmatrix


def _check_names(options: Mapping[str, Any]) -> None:
    for name in options:
        if name not in RGBMATRIX_OPTION_NAMES:
            raise ValueError(
                f"unknown rgbmatrix option {name!r}; known: {', '.join(sorted(RGBMATRIX_OPTION_NAMES))}"
            )


def _geometry(width: int, height: int, options: Mapping[str, Any]) -> dict[str, int]:
    """rows/cols/chain_length/parallel for a width x height panel (chain_length=1 unless options say)."""
    chain = int(options.get("chain_length", 1))
    parallel = int(options.get("parallel", 1))
    return {"rows": height // parallel, "cols": width // chain, "chain_length": chain, "parallel": parallel}


def _check_geometry(matrix: Any, size: tuple[int, int]) -> None:
    """The opened matrix must be exactly the panel size (chain, parallel and pixel mappers change it)."""
    width, height = matrix.width, matrix.height
    if (width, height) != size:
        raise ValueError(f"the matrix opened as {width}x{height}, not the requested {size[0]}x{size[1]}")
