"""host_check test plugin: healthy. The time in white and a bar sliding along the bottom in blue."""

import time

from PIL import Image, ImageDraw
from src.plugin_system.base_plugin import BasePlugin


class EsCheckClock(BasePlugin):
    """Never fails; redraws once a second (the host's normal 1 s cadence)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.needs_high_fps = False
        self.updates = 0

    def update(self):
        self.updates += 1

    def display(self, force_clear=False):
        dm = self.display_manager
        width, height = dm.matrix.width, dm.matrix.height
        image = Image.new("RGB", (width, height))
        draw = ImageDraw.Draw(image)
        font = getattr(dm, "extra_small_font", None)
        draw.text((2, 2), time.strftime("%H:%M:%S"), fill=(255, 255, 255), font=font)
        x = int(time.time() * 8) % max(1, width - 6)
        draw.rectangle([x, height - 5, x + 5, height - 2], fill=(0, 64, 255))
        dm.image = image
        dm.draw = ImageDraw.Draw(image)
        dm.update_display()
        return True
