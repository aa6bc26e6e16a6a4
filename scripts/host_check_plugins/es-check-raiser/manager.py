"""host_check test plugin: raises RuntimeError from update() and display().

Config knobs (config.json, under "es-check-raiser"): fail_update (true), fail_display (true),
fail_after / heal_after (seconds since the instance was built; heal_after null = never heals).
While healed it draws a grey "HEALED" so its frames are recognisable.
"""

import time

from PIL import Image, ImageDraw
from src.plugin_system.base_plugin import BasePlugin


class EsCheckRaiser(BasePlugin):
    """Fails on purpose."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.needs_high_fps = False
        self._born = time.monotonic()
        self.update_calls = 0
        self.display_calls = 0

    def _failing(self, key):
        if not self.config.get(key, True):
            return False
        age = time.monotonic() - self._born
        if age < float(self.config.get("fail_after") or 0):
            return False
        heal = self.config.get("heal_after")
        return heal is None or age < float(heal)

    def update(self):
        self.update_calls += 1
        if self._failing("fail_update"):
            raise RuntimeError(f"es-check-raiser update failed (simulated, call {self.update_calls})")

    def display(self, force_clear=False):
        self.display_calls += 1
        if self._failing("fail_display"):
            raise RuntimeError(f"es-check-raiser display failed (simulated, call {self.display_calls})")
        dm = self.display_manager
        image = Image.new("RGB", (dm.matrix.width, dm.matrix.height))
        ImageDraw.Draw(image).text((2, 2), "HEALED", fill=(128, 128, 128),
                                   font=getattr(dm, "extra_small_font", None))
        dm.image = image
        dm.draw = ImageDraw.Draw(image)
        dm.update_display()
        return True
