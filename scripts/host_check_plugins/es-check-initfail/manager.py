"""host_check test plugin: the constructor raises, so the host never loads it."""

from src.plugin_system.base_plugin import BasePlugin


class EsCheckInitFail(BasePlugin):
    """Never constructed."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        raise OSError("es-check-initfail: cannot open /dev/simulated (constructor failure)")

    def update(self):
        pass

    def display(self, force_clear=False):
        return False
