"""open_panel(): which back-end "auto" picks, and how explicit kinds and options are handled."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from error_status.panels import PanelUnavailable
from error_status.panels import opening as panel_module
from error_status.panels.emulator import EmulatorPanel
from error_status.panels.memory import MemoryPanel
from error_status.panels.opening import open_panel, resolve_kind


def available(*names: str) -> Callable[[str], bool]:
    """An importability check that finds exactly names."""
    return lambda name: name in names


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        (("rgbmatrix", "RGBMatrixEmulator"), "rgbmatrix"),
        (("rgbmatrix",), "rgbmatrix"),
        (("RGBMatrixEmulator",), "emulator-browser"),
        ((), "memory"),
    ],
)
def test_auto_prefers_hardware_then_browser_emulator_then_memory(
    modules: tuple[str, ...], expected: str
) -> None:
    assert resolve_kind("auto", available(*modules)) == expected


@pytest.mark.parametrize("kind", ["rgbmatrix", "emulator", "emulator-browser", "memory"])
def test_an_explicit_kind_overrides_auto(kind: str) -> None:
    assert resolve_kind(kind, available()) == kind
    assert resolve_kind(kind, available("rgbmatrix", "RGBMatrixEmulator")) == kind


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown panel kind 'hub75'"):
        open_panel("hub75")


def test_auto_falls_back_to_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panel_module, "_importable", available())
    panel = open_panel(width=32, height=16, keep=5, hardware_mapping="adafruit-hat", port=9000)
    assert isinstance(panel, MemoryPanel)
    assert panel.size == (32, 16)


def test_auto_opens_the_real_panel_when_rgbmatrix_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panel_module, "_importable", available("rgbmatrix", "RGBMatrixEmulator"))
    monkeypatch.setitem(sys.modules, "rgbmatrix", None)
    with pytest.raises(PanelUnavailable, match="not on PyPI"):
        open_panel()


def test_unknown_option_is_named() -> None:
    with pytest.raises(ValueError, match="unknown panel option 'brightnes'"):
        open_panel("memory", brightnes=50)


def test_real_module_lookup_does_not_import() -> None:
    assert panel_module._importable("PIL")
    assert not panel_module._importable("no_such_module_for_error_status")


def test_emulator_kind_is_the_headless_raw_adapter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    panel = open_panel("emulator", 32, 16, brightness=50)
    try:
        assert isinstance(panel, EmulatorPanel)
        assert panel.url is None
        assert panel.size == (32, 16)
    finally:
        panel.close()
    assert list(tmp_path.iterdir()) == []
