"""Pictures of frames for people: enlarged, optionally in the LED look (lit dots on black)."""

from __future__ import annotations

from PIL import Image, ImageDraw


def render_picture(image: Image.Image, *, scale: int = 1, led: bool = False) -> Image.Image:
    """The frame enlarged scale times: nearest-neighbour, or with led=True as lit dots on black."""
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    size = (image.width * scale, image.height * scale)
    big = image.convert("RGB").resize(size, Image.Resampling.NEAREST)
    if not led:
        return big
    if scale < 2:
        raise ValueError("led=True needs scale >= 2: each LED is a dot plus a dark gap")
    return Image.composite(big, Image.new("RGB", size), _led_mask(image.size, scale))


def side_by_side(pictures: list[Image.Image], gap: int = 8, background: tuple[int, int, int] = (40, 40, 40)
                 ) -> Image.Image:
    """Pictures in a row, ``gap`` px of ``background`` between them (top-aligned)."""
    width = sum(p.width for p in pictures) + gap * max(0, len(pictures) - 1)
    sheet = Image.new("RGB", (width, max(p.height for p in pictures)), background)
    x = 0
    for picture in pictures:
        sheet.paste(picture, (x, 0))
        x += picture.width + gap
    return sheet


def _led_mask(size: tuple[int, int], scale: int) -> Image.Image:
    """An "L" mask of one dot per LED: round when the dot is >= 5 px wide, square below."""
    cell = Image.new("L", (scale, scale), 0)
    gap = max(1, scale // 4)
    start, end = gap // 2, gap // 2 + scale - gap - 1
    draw = ImageDraw.Draw(cell)
    shape = draw.ellipse if scale - gap >= 5 else draw.rectangle
    shape((start, start, end, end), fill=255)
    row = Image.new("L", (size[0] * scale, scale), 0)
    for x in range(size[0]):
        row.paste(cell, (x * scale, 0))
    mask = Image.new("L", (size[0] * scale, size[1] * scale), 0)
    for y in range(size[1]):
        mask.paste(row, (0, y * scale))
    return mask
