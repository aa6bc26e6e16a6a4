"""EmulatorPanel: RGBMatrixEmulator behind the Panel interface, without touching the caller's CWD.

RGBMatrixEmulator reads emulator_config.json from the current working directory when it is first
imported and again in every RGBMatrixOptions(), and writes a default one (browser adapter) there if
it is missing. This module writes a complete config into a private directory and chdirs there, under
a module lock, only around the import and the construction. os.chdir is process-wide: another
thread that opens relative paths during that window would see the private directory.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PIL import Image

from .base import PanelUnavailable, check_frame, check_open

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Adapter = Literal["raw", "browser"]
CONFIG_NAME = "emulator_config.json"
_CWD_LOCK = threading.Lock()


def emulator_config(adapter: Adapter, port: int = 8888) -> dict[str, Any]:
    """A complete emulator_config.json: every key, so RGBMatrixEmulator logs no warnings; no fallback."""
    browser = adapter == "browser"
    return {
        "pixel_outline": 0,
        "pixel_size": 12 if browser else 1,
        "pixel_style": "circle" if browser else "square",
        "pixel_glow": 0,
        "display_adapter": adapter,
        "allow_adapter_fallback": False,
        "icon_path": None,
        "emulator_title": "error-status" if browser else None,
        "browser": {
            "_comment": "Written by error_status.panel_emulator; used by the browser adapter only.",
            "port": port,
            "target_fps": 60,
            "fps_display": False,
            "quality": 70,
            "image_border": True,
            "debug_text": False,
            "image_format": "PNG",
            "open_immediately": False,
        },
        "log_level": "warning",
    }


class EmulatorPanel:
    """A Panel drawn by RGBMatrixEmulator: adapter "raw" (headless, for tests) or "browser" (for people).

    The browser adapter starts a Tornado server thread that lives until the process exits (there is no
    stop API), sets asyncio's global event-loop policy, and, from the main thread, replaces the SIGINT
    and SIGTERM handlers with one that calls sys.exit(). One server per process: the first port wins.
    Never use it in tests. Emulator colours are linear, not the panel's CIE1931 (render-stack.md §5).
    """

    def __init__(
        self,
        width: int,
        height: int,
        *,
        adapter: Adapter = "raw",
        port: int = 8888,
        config_dir: Path | None = None,
    ) -> None:
        if adapter not in ("raw", "browser"):
            raise ValueError(f"adapter must be 'raw' or 'browser', got {adapter!r}")
        self._size = (width, height)
        self._kind = adapter
        self._matrix, self._canvas = _open_matrix(width, height, emulator_config(adapter, port), config_dir)
        self._adapter: Any = self._canvas.display_adapter
        self._closed = False
        try:
            self._port = _serve(self._adapter, port) if adapter == "browser" else None
        except PanelUnavailable:
            self.close()
            raise

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in LEDs."""
        return self._size

    @property
    def url(self) -> str | None:
        """Where the browser adapter serves the panel; None for the raw adapter."""
        return None if self._port is None else f"http://localhost:{self._port}/"

    def show(self, image: Image.Image) -> None:
        """Draw a full RGB frame (checked here: the emulator would paste any mode)."""
        check_open(self._closed)
        check_frame(image, self._size)
        self._canvas.SetImage(image)
        self._canvas = self._matrix.SwapOnVSync(self._canvas)

    def read_back(self) -> npt.NDArray[np.uint8]:
        """The last frame the raw adapter received, a (height, width, 3) uint8 array, for tests."""
        if self._kind != "raw":
            raise RuntimeError("read_back() needs the raw adapter")
        if not self._adapter.frames:
            raise LookupError("nothing has been shown yet")
        frame: npt.NDArray[np.uint8] = self._adapter._last_frame()
        return frame.copy()

    def close(self) -> None:
        """Free the adapter singleton, so that the next panel (of any size) gets its own adapter."""
        if not self._closed:
            self._closed = True
            type(self._adapter).INSTANCE = None


def _open_matrix(width: int, height: int, config: dict[str, Any], config_dir: Path | None) -> tuple[Any, Any]:
    """Import the emulator and build matrix + canvas with config as the CWD's emulator_config.json."""
    with _config_directory(config_dir) as directory, _CWD_LOCK, contextlib.chdir(directory):
        (directory / CONFIG_NAME).write_text(json.dumps(config, indent=2))
        try:
            return _construct(width, height)
        except OSError as exc:  # the browser adapter could not listen on its port
            raise PanelUnavailable(f"the emulator's web server could not start: {exc} "
                                   "(another port: --port)") from exc
        except SystemExit as exc:  # the emulator's adapter loader calls sys.exit(1) on failure
            raise PanelUnavailable(
                f"RGBMatrixEmulator could not load its {config['display_adapter']!r} display adapter "
                f"(it called sys.exit({exc.code}); its log above says why)"
            ) from exc


@contextlib.contextmanager
def _config_directory(config_dir: Path | None) -> Iterator[Path]:
    """config_dir itself, or a temporary directory removed afterwards."""
    if config_dir is not None:
        yield Path(config_dir).resolve()
        return
    with tempfile.TemporaryDirectory(prefix="error-status-rgbme-") as directory:
        yield Path(directory)


def _construct(width: int, height: int) -> tuple[Any, Any]:
    """RGBMatrix + its first canvas (CreateFrameCanvas first: the matrix has no canvas until then)."""
    try:
        from RGBMatrixEmulator import RGBMatrix, RGBMatrixOptions
    except ModuleNotFoundError as exc:
        raise PanelUnavailable(
            "RGBMatrixEmulator is not installed: pip install 'ledmatrix-error-status[emulator]'"
        ) from exc
    options = RGBMatrixOptions()
    options.rows, options.cols = height, width
    _refuse_shared_adapter(options.display_adapter)
    matrix = RGBMatrix(options=options)
    try:
        return matrix, matrix.CreateFrameCanvas()
    except BaseException:
        _forget(options.display_adapter)
        raise


def _refuse_shared_adapter(adapter_class: Any) -> None:
    """Display adapters are per-class singletons: a second live matrix would draw into the first one's."""
    if adapter_class.INSTANCE is not None:
        raise PanelUnavailable(
            f"another RGBMatrixEmulator matrix still holds the {adapter_class.__name__} "
            "(a per-process singleton); close the other EmulatorPanel first"
        )


def _forget(adapter_class: Any) -> None:
    """Undo a half-built adapter: its singleton, and the web server made for it (which never listened)."""
    failed = adapter_class.INSTANCE
    adapter_class.INSTANCE = None
    server = sys.modules.get("RGBMatrixEmulator.adapters.browser_adapter.server")
    if server is not None and server.Server.instance is not None and server.Server.instance.adapter is failed:
        server.Server.instance = None


def _serve(adapter: Any, port: int) -> int:
    """Point the emulator's single web server (started by the first browser panel) at adapter."""
    from RGBMatrixEmulator.adapters.browser_adapter.request_handlers.image import ImageHandler
    from RGBMatrixEmulator.adapters.browser_adapter.request_handlers.image_web_socket import (
        ImageWebSocketHandler,
    )
    from RGBMatrixEmulator.adapters.browser_adapter.request_handlers.main import MainHandler
    from RGBMatrixEmulator.adapters.browser_adapter.server import Server

    running: Any = Server.instance
    if running.adapter.options.browser.port != port:
        raise PanelUnavailable(
            f"the emulator's web server already listens on port {running.adapter.options.browser.port} "
            "in this process and cannot move"
        )
    for handler in (MainHandler, ImageHandler, ImageWebSocketHandler):
        handler.register_adapter(adapter)
    return port
