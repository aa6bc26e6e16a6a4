"""host_check test plugin: carries web_ui_actions probes; draws nothing."""

from src.plugin_system.base_plugin import BasePlugin


class EsCheckAction(BasePlugin):
    def update(self):
        pass

    def display(self, force_clear=False):
        return False
