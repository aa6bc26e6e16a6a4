"""open_panel(): the panel a command line asks for, by kind, with "auto" choosing what this machine has."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from typing import Any

from .base import Panel
from .memory import MemoryPanel

PANEL_KINDS = ("auto", "rgbmatrix", "emulator", "emulator-browser", "memory")
EMULATOR_OPTIONS = frozenset({"port", "config_dir"})
MEMORY_OPTIONS = frozenset({"keep"})


def open_panel(kind: str = "auto", width: int = 64, height: int = 32, **options: Any) -> Panel:
    """Open a panel of the given kind ("auto", "rgbmatrix", "emulator", "emulator-browser", "memory").

    "auto" picks "rgbmatrix" when the rgbmatrix module is importable (a failure to open it is then
    raised, not hidden behind a fallback: on a Pi you want to know), else "emulator-browser" when
    RGBMatrixEmulator is importable (the headless raw emulator shows a person nothing), else "memory".
    "emulator" is the headless raw adapter. Passing an explicit kind overrides the choice.
    options: RGBMatrixOptions names (hardware_mapping, gpio_slowdown, brightness, ...) for
    "rgbmatrix"; port and config_dir for the emulators; keep for "memory". Options that belong to
    another kind are ignored, so one set works for "auto"; unknown names raise ValueError.
    """
    from .hardware import RGBMATRIX_OPTION_NAMES

    _check_option_names(options, RGBMATRIX_OPTION_NAMES | EMULATOR_OPTIONS | MEMORY_OPTIONS)
    return _OPENERS[resolve_kind(kind)](width, height, options)


def resolve_kind(kind: str, importable: Callable[[str], bool] | None = None) -> str:
    """The concrete panel kind for kind; "auto" as documented in open_panel()."""
    if kind not in PANEL_KINDS:
        raise ValueError(f"unknown panel kind {kind!r}; choose one of {', '.join(PANEL_KINDS)}")
    if kind != "auto":
        return kind
    found = importable or _importable
    if found("rgbmatrix"):
        return "rgbmatrix"
    return "emulator-browser" if found("RGBMatrixEmulator") else "memory"


def _importable(name: str) -> bool:
    """Whether a top-level module can be imported, without importing it (imports have side effects)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _check_option_names(options: Mapping[str, Any], known: frozenset[str]) -> None:
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"unknown panel option {unknown[0]!r}; known: {', '.join(sorted(known))}")


def _pick(options: Mapping[str, Any], names: frozenset[str]) -> dict[str, Any]:
    return {name: value for name, value in options.items() if name in names}


def _open_rgbmatrix(width: int, height: int, options: Mapping[str, Any]) -> Panel:
    from .hardware import RGBMATRIX_OPTION_NAMES, RGBMatrixPanel

    return RGBMatrixPanel(width, height, options=_pick(options, RGBMATRIX_OPTION_NAMES))


def _open_emulator(width: int, height: int, options: Mapping[str, Any]) -> Panel:
    from .emulator import EmulatorPanel

    return EmulatorPanel(width, height, adapter="raw", **_pick(options, EMULATOR_OPTIONS))


def _open_browser(width: int, height: int, options: Mapping[str, Any]) -> Panel:
    from .emulator import EmulatorPanel

    return EmulatorPanel(width, height, adapter="browser", **_pick(options, EMULATOR_OPTIONS))


def _open_memory(width: int, height: int, options: Mapping[str, Any]) -> Panel:
    return MemoryPanel(width, height, **_pick(options, MEMORY_OPTIONS))


_OPENERS: dict[str, Callable[[int, int, Mapping[str, Any]], Panel]] = {
    "rgbmatrix": _open_rgbmatrix,
    "emulator": _open_emulator,
    "emulator-browser": _open_browser,
    "memory": _open_memory,
}
