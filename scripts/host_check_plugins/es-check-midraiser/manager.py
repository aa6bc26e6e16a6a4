"""host_check test plugin: the first display() of a turn draws, the later ones raise.

Those later calls run in the controller's dwell loop, outside the executor: the host logs
"Error during display update" and records nothing anywhere else.
"""

from PIL import Image, ImageDraw
from src.plugin_system.base_plugin import BasePlugin


class EsCheckMidRaiser(BasePlugin):
    """Fails after the first frame of each turn."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.needs_high_fps = False
        self.calls_this_turn = 0

    def update(self):
        pass

    def display(self, force_clear=False):
        if force_clear:
            self.calls_this_turn = 0
        self.calls_this_turn += 1
        if self.calls_this_turn > 1:
            raise ValueError(f"es-check-midraiser frame {self.calls_this_turn} failed (simulated)")
        dm = self.display_manager
        image = Image.new("RGB", (dm.matrix.width, dm.matrix.height))
        ImageDraw.Draw(image).text((2, 2), "MID", fill=(0, 160, 160),
                                   font=getattr(dm, "extra_small_font", None))
        dm.image = image
        dm.draw = ImageDraw.Draw(image)
        dm.update_display()
        return True
