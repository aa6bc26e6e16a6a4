"""host_check test plugin: logs an ERROR and swallows it, like most real plugins do.

Every ``interval`` seconds (config, default 1; update_interval in the manifest is 1 s too)
``self.logger.error("YouTube video %s unavailable", <random 11-char id>)``. It never raises, so
the host's health tracker and aggregator see nothing. Draws "VIDEO" in purple.
"""

import random
import string
import time

from PIL import Image, ImageDraw
from src.plugin_system.base_plugin import BasePlugin

_ID_CHARS = string.ascii_letters + string.digits + "-_"


class EsCheckSwallower(BasePlugin):
    """Fails quietly."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.needs_high_fps = False
        self._last_log = 0.0
        self.logged = 0

    def _maybe_log(self):
        now = time.monotonic()
        if now - self._last_log < float(self.config.get("interval") or 1.0):
            return
        self._last_log = now
        try:
            raise LookupError("video unavailable")
        except LookupError:
            video_id = "".join(random.choice(_ID_CHARS) for _ in range(11))
            self.logger.error("YouTube video %s unavailable", video_id)
            self.logged += 1

    def update(self):
        self._maybe_log()

    def display(self, force_clear=False):
        self._maybe_log()
        dm = self.display_manager
        width, height = dm.matrix.width, dm.matrix.height
        image = Image.new("RGB", (width, height))
        draw = ImageDraw.Draw(image)
        draw.text((2, 2), "VIDEO", fill=(128, 0, 255), font=getattr(dm, "extra_small_font", None))
        draw.rectangle([2, height - 6, 2 + int(time.time()) % max(1, width - 6), height - 3],
                       fill=(96, 0, 192))
        dm.image = image
        dm.draw = ImageDraw.Draw(image)
        dm.update_display()
        return True
