"""EmulatorPanel on the real RGBMatrixEmulator, raw adapter, headless (never the browser adapter)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import error_status
from error_status.panels import Panel, PanelUnavailable
from error_status.panels.emulator import CONFIG_NAME, EmulatorPanel, emulator_config


@pytest.fixture
def clean_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty CWD and check that nothing was written into it, nor the CWD left changed."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    yield work
    assert Path.cwd() == work
    assert list(work.iterdir()) == []


@pytest.fixture
def panels() -> Iterator[list[EmulatorPanel]]:
    """Panels to close even when a test fails (the emulator's adapters are per-process singletons)."""
    opened: list[EmulatorPanel] = []
    yield opened
    for panel in opened:
        panel.close()


def noise(width: int, height: int, seed: int = 0) -> Image.Image:
    """A frame of random colours: every pixel and channel must survive exactly."""
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels, "RGB")


def test_is_a_panel(clean_cwd: Path, panels: list[EmulatorPanel]) -> None:
    panels.append(EmulatorPanel(64, 32))
    assert isinstance(panels[0], Panel)
    assert panels[0].size == (64, 32)
    assert panels[0].url is None


def test_pixels_read_back_exactly(clean_cwd: Path, panels: list[EmulatorPanel]) -> None:
    panel = EmulatorPanel(64, 32)
    panels.append(panel)
    for seed in range(3):
        image = noise(64, 32, seed)
        panel.show(image)
        assert np.array_equal(panel.read_back(), np.asarray(image))


def test_two_sizes_one_after_another(clean_cwd: Path, panels: list[EmulatorPanel]) -> None:
    for width, height in [(64, 32), (128, 32), (32, 16)]:
        panel = EmulatorPanel(width, height)
        panels.append(panel)
        image = noise(width, height)
        panel.show(image)
        assert panel.read_back().shape == (height, width, 3)
        assert np.array_equal(panel.read_back(), np.asarray(image))
        panel.close()


def test_second_live_panel_is_refused(clean_cwd: Path, panels: list[EmulatorPanel]) -> None:
    panels.append(EmulatorPanel(64, 32))
    with pytest.raises(PanelUnavailable, match="close the other EmulatorPanel"):
        EmulatorPanel(128, 32)


def test_rejects_what_hardware_rejects(clean_cwd: Path, panels: list[EmulatorPanel]) -> None:
    panel = EmulatorPanel(64, 32)
    panels.append(panel)
    with pytest.raises(ValueError, match="mode 'RGB'"):
        panel.show(Image.new("RGBA", (64, 32)))
    with pytest.raises(ValueError, match="64x32"):
        panel.show(Image.new("RGB", (32, 32)))


def test_no_signal_handler_no_thread(clean_cwd: Path) -> None:
    handler = signal.getsignal(signal.SIGINT)
    threads = set(threading.enumerate())
    panel = EmulatorPanel(64, 32)
    panel.show(noise(64, 32))
    panel.close()
    assert signal.getsignal(signal.SIGINT) is handler
    assert set(threading.enumerate()) == threads


def test_read_back_before_any_frame(clean_cwd: Path, panels: list[EmulatorPanel]) -> None:
    panels.append(EmulatorPanel(64, 32))
    with pytest.raises(LookupError):
        panels[0].read_back()


def test_config_dir_keeps_the_complete_config(
    clean_cwd: Path, tmp_path: Path, panels: list[EmulatorPanel]
) -> None:
    panels.append(EmulatorPanel(64, 32, config_dir=tmp_path))
    written = json.loads((tmp_path / CONFIG_NAME).read_text())
    assert written == emulator_config("raw")
    assert written["display_adapter"] == "raw"
    assert written["allow_adapter_fallback"] is False


def test_config_has_every_key_the_emulator_knows(clean_cwd: Path) -> None:
    EmulatorPanel(8, 8).close()  # the first import of RGBMatrixEmulator must not happen in the CWD
    from RGBMatrixEmulator.internal.emulator_config import RGBMatrixEmulatorConfig

    defaults = RGBMatrixEmulatorConfig.DEFAULT_CONFIG
    browser_defaults = defaults["browser"]
    assert isinstance(browser_defaults, dict)
    for adapter in ("raw", "browser"):
        config = emulator_config(adapter)
        assert set(config) == set(defaults)
        assert set(config["browser"]) == set(browser_defaults)


def test_fresh_import_writes_nothing_and_logs_nothing(tmp_path: Path) -> None:
    """In a new interpreter the first import of RGBMatrixEmulator happens inside EmulatorPanel."""
    script = (
        "from PIL import Image\n"
        "from error_status.panels.emulator import EmulatorPanel\n"
        "p = EmulatorPanel(64, 32)\n"
        "p.show(Image.new('RGB', (64, 32), (1, 2, 3)))\n"
        "assert p.read_back()[0, 0].tolist() == [1, 2, 3]\n"
        "p.close()\n"
    )
    package_root = str(Path(error_status.__file__).resolve().parents[1])
    paths = [package_root, os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert list(tmp_path.iterdir()) == []
