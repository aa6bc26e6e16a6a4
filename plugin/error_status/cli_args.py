"""Argument types of the ``error-status`` command: each checks its value once and says what is
wrong in argparse's words (a clear message and exit status 2, before anything runs)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from .render.layout import check_size


def panel_size(text: str) -> tuple[int, int]:
    """``WxH`` as a checked panel size."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 64x32, got {text!r}") from None
    try:
        return check_size(width, height)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def positive_number(text: str) -> float:
    """A positive, finite number."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def pixel_scale(text: str) -> int:
    """A whole number of pixels per LED, 1-32."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 32:
        raise argparse.ArgumentTypeError(f"must be a whole number 1-32, got {text!r}")
    return value


def tcp_port(text: str) -> int:
    """A TCP port number."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 1-65535, got {text!r}")
    return value


def output_file(*suffixes: str) -> Callable[[str], Path]:
    """A file to write, with one of ``suffixes``, in a directory that exists (nothing is created)."""
    def parse(text: str) -> Path:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"must end in {' or '.join(suffixes)}, got {text!r}")
        parent = path.parent
        if not parent.is_dir():
            raise argparse.ArgumentTypeError(f"directory {str(parent)!r} does not exist (create it first)")
        return path
    return parse


def existing_directory(text: str) -> Path:
    """A directory that exists."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"directory {text!r} does not exist (create it first)")
    return path
