"""Golden images of the shared scenes at every supported panel size, compared exactly.

Regenerate with ``UPDATE_GOLDEN=1 pytest tests/test_render_golden.py`` and look at the PNGs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from error_status.render import render
from error_status.render.examples import GOLDEN_SIZES, SCENES

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("size", GOLDEN_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scene", sorted(SCENES))
def test_scene_matches_golden(scene: str, size: tuple[int, int]) -> None:
    image = render(SCENES[scene](), size[0], size[1], 0.0)
    assert image.mode == "RGB" and image.size == size
    path = GOLDEN / scene / f"{size[0]}x{size[1]}.png"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
    assert path.exists(), f"no golden image {path}: run with UPDATE_GOLDEN=1 and look at it"
    with Image.open(path) as golden:
        difference = ImageChops.difference(image, golden.convert("RGB")).getbbox()
    assert difference is None, f"{scene} at {size} differs from {path} in {difference}"


@pytest.mark.parametrize("size", GOLDEN_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_lit_channel_survives_dimming(size: tuple[int, int]) -> None:
    for make in SCENES.values():
        image = render(make(), size[0], size[1], 0.0)
        colours = {c for _, c in image.getcolors(maxcolors=1 << 16) or []}
        dim = {c for c in colours if any(0 < channel < 64 for channel in c)}
        assert not dim, f"colours with a lit channel below 64 (lost when dimmed): {dim}"
