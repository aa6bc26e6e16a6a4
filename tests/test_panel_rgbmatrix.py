"""RGBMatrixPanel against a faithful double of hzeller's rgbmatrix binding."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from PIL import Image

from error_status.panels import Panel, PanelUnavailable
from error_status.panels.hardware import RGBMATRIX_OPTION_NAMES, RGBMatrixPanel

NON_RGB = (
    "Currently, only RGB mode is supported for SetImage(). Please create images with mode 'RGB' or "
    "convert first with image = image.convert('RGB'). Pull requests to support more modes natively "
    "are also welcome :)"
)


class FakeOptions:
    """RGBMatrixOptions: plain properties with the binding's defaults; unknown names raise AttributeError."""

    __slots__ = tuple(sorted(RGBMATRIX_OPTION_NAMES - {"do_gpio_init"}))

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, None)
        self.rows, self.cols, self.chain_length, self.parallel = 32, 32, 1, 1
        self.hardware_mapping, self.brightness, self.pwm_bits = "regular", 100, 11


class FakeCanvas:
    """FrameCanvas: a pixel buffer that keeps whatever was last drawn into it."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = Image.new("RGB", (width, height))

    def SetImage(self, image: Image.Image, offset_x: int = 0, offset_y: int = 0, unsafe: bool = True) -> None:
        if image.mode != "RGB":
            raise Exception(NON_RGB)
        self.pixels.paste(image, (offset_x, offset_y))

    def Clear(self) -> None:
        self.pixels = Image.new("RGB", (self.width, self.height))


class FakeMatrix:
    """RGBMatrix: SwapOnVSync shows the new canvas and returns the previously shown one, stale."""

    def __init__(self, rows: int = 0, chains: int = 0, parallel: int = 0, options: Any = None) -> None:
        self.options = options or FakeOptions()
        self.width = self.options.cols * self.options.chain_length
        self.height = self.options.rows * self.options.parallel
        self.shown = FakeCanvas(self.width, self.height)
        self.created: list[FakeCanvas] = []
        self.swaps = self.clears = 0

    def CreateFrameCanvas(self) -> FakeCanvas:
        self.created.append(FakeCanvas(self.width, self.height))
        return self.created[-1]

    def SwapOnVSync(self, canvas: FakeCanvas, framerate_fraction: int = 1) -> FakeCanvas:
        previous, self.shown = self.shown, canvas
        self.swaps += 1
        return previous

    def Clear(self) -> None:
        self.shown.Clear()
        self.clears += 1


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[FakeMatrix]:
    """A fake rgbmatrix module in sys.modules; the list collects the matrices it opens."""
    matrices: list[FakeMatrix] = []

    def open_matrix(**kwargs: Any) -> FakeMatrix:
        matrices.append(FakeMatrix(**kwargs))
        return matrices[-1]

    module = types.ModuleType("rgbmatrix")
    module.RGBMatrix = open_matrix  # type: ignore[attr-defined]
    module.RGBMatrixOptions = FakeOptions  # type: ignore[attr-defined]
    module.FrameCanvas = FakeCanvas  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rgbmatrix", module)
    return matrices


def frames(width: int, height: int, count: int) -> list[Image.Image]:
    """Frames that each light one different pixel: any stale pixel shows up."""
    result = []
    for index in range(count):
        image = Image.new("RGB", (width, height))
        image.putpixel((index % width, index // width % height), (255, index * 20 % 256, 0))
        result.append(image)
    return result


def assert_visible(matrix: FakeMatrix, image: Image.Image) -> None:
    assert matrix.shown.pixels.tobytes() == image.tobytes()


def test_visible_canvas_always_holds_the_last_frame(opened: list[FakeMatrix]) -> None:
    panel = RGBMatrixPanel(64, 32)
    (matrix,) = opened
    for image in frames(64, 32, 9):
        panel.show(image)
        assert_visible(matrix, image)
    assert len(matrix.created) == 1
    assert matrix.swaps == 9


def test_the_double_catches_partial_redraws() -> None:
    """Drawing only what changed is fine in the emulator and wrong on hardware; the double sees it."""
    matrix = FakeMatrix()
    canvas = matrix.CreateFrameCanvas()
    first, second, third = frames(32, 32, 3)
    for image in (first, second):
        canvas.SetImage(image)
        canvas = matrix.SwapOnVSync(canvas)
    canvas.SetImage(third.crop((2, 0, 3, 1)), 2, 0)  # only the newly lit pixel
    canvas = matrix.SwapOnVSync(canvas)
    with pytest.raises(AssertionError):
        assert_visible(matrix, third)


def test_is_a_panel_and_closes_once(opened: list[FakeMatrix]) -> None:
    panel = RGBMatrixPanel(64, 32)
    assert isinstance(panel, Panel)
    panel.close()
    panel.close()
    assert opened[0].clears == 1
    with pytest.raises(RuntimeError, match="closed"):
        panel.show(Image.new("RGB", (64, 32)))


def test_geometry_and_options_are_applied(opened: list[FakeMatrix]) -> None:
    options = {"hardware_mapping": "adafruit-hat", "gpio_slowdown": 4, "brightness": 60, "drop_privileges": 0}
    RGBMatrixPanel(64, 32, options=options)
    built = opened[0].options
    assert (built.rows, built.cols, built.chain_length, built.parallel) == (32, 64, 1, 1)
    assert {name: getattr(built, name) for name in options} == options


def test_chain_length_splits_the_width(opened: list[FakeMatrix]) -> None:
    RGBMatrixPanel(128, 32, options={"chain_length": 2})
    built = opened[0].options
    assert (built.rows, built.cols, built.chain_length) == (32, 64, 2)


def test_unknown_option_is_named(opened: list[FakeMatrix]) -> None:
    with pytest.raises(ValueError, match="'gpio_slowdwn'"):
        RGBMatrixPanel(64, 32, options={"gpio_slowdwn": 2})
    assert opened == []


def test_option_missing_from_this_build_is_named(opened: list[FakeMatrix]) -> None:
    with pytest.raises(ValueError, match="no option 'do_gpio_init'"):
        RGBMatrixPanel(64, 32, options={"do_gpio_init": 0})


def test_wrong_geometry_is_refused() -> None:
    with pytest.raises(ValueError, match="opened as 32x32, not the requested 64x32"):
        RGBMatrixPanel(64, 32, matrix=FakeMatrix())


def test_checks_frames_before_the_hardware_does(opened: list[FakeMatrix]) -> None:
    panel = RGBMatrixPanel(64, 32)
    with pytest.raises(ValueError, match="mode 'RGB'"):
        panel.show(Image.new("RGBA", (64, 32)))
    with pytest.raises(ValueError, match="64x32"):
        panel.show(Image.new("RGB", (64, 16)))
    assert opened[0].swaps == 0


def test_an_injected_matrix_is_used() -> None:
    matrix = FakeMatrix(options=_options(rows=16, cols=32))
    panel = RGBMatrixPanel(32, 16, matrix=matrix)
    image = frames(32, 16, 1)[0]
    panel.show(image)
    assert_visible(matrix, image)
    with pytest.raises(ValueError, match="not both"):
        RGBMatrixPanel(32, 16, matrix=matrix, options={"brightness": 50})


def test_missing_rgbmatrix_explains_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rgbmatrix", None)
    with pytest.raises(PanelUnavailable) as error:
        RGBMatrixPanel(64, 32)
    message = str(error.value)
    for needle in (
        "not on PyPI",
        "hzeller/rpi-rgb-led-matrix",
        "python3-dev cython3",
        "pip install .",
        "first_time_install.sh",
    ):
        assert needle in message


def _options(**values: Any) -> FakeOptions:
    options = FakeOptions()
    for name, value in values.items():
        setattr(options, name, value)
    return options
