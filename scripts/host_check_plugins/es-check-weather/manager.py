"""host_check test plugin: healthy, a second picture in the rotation (a temperature and a sun), drawn
into one image it keeps and reuses, as many real plugins do."""

from PIL import Image, ImageDraw
from src.plugin_system.base_plugin import BasePlugin


class EsCheckWeather(BasePlugin):
    """Never fails; redraws once a second."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.needs_high_fps = False
        self.frames = 0
        self.image = None

    def update(self):
        pass

    def display(self, force_clear=False):
        dm = self.display_manager
        width, height = dm.matrix.width, dm.matrix.height
        if self.image is None or self.image.size != (width, height):
            self.image = Image.new("RGB", (width, height))
        draw = ImageDraw.Draw(self.image)
        draw.rectangle([0, 0, width, height], fill=(0, 0, 0))
        self.frames += 1
        font = getattr(dm, "extra_small_font", None)
        draw.text((2, 2), f"{20 + self.frames % 5}C", fill=(255, 220, 0), font=font)
        draw.ellipse([width - 14, height - 14, width - 4, height - 4], fill=(255, 160, 0))
        dm.image = self.image
        dm.update_display()
        return True
