"""The README's "Many panels" examples work: the plugin config parses, the scrape job passes promtool."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from fleetservers import binary

from error_status.fleet import parse_fleet_settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
SECTION = README.split("## Many panels", 1)[1].split("\n## ", 1)[0]


def block(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", SECTION, re.S)
    assert found, f"no {language} block in the Many panels section"
    return found.group(1)


def test_the_plugin_config_example_parses() -> None:
    settings = parse_fleet_settings(json.loads(block("json")))
    assert settings.alertmanager_matchers == ('severity=~"critical|error"', 'instance!~"pi-kitchen:.*"')
    assert settings.alertmanager_token_file and settings.alertmanager_poll_seconds == 30


def test_the_scrape_job_passes_promtool(tmp_path: Path) -> None:
    config = tmp_path / "prometheus.yml"
    config.write_text(block("yaml"))
    promtool = str(Path(binary("prometheus")).with_name("promtool"))
    result = subprocess.run([promtool, "check", "config", str(config)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_inline_textfile_example_is_valid() -> None:
    path = re.search(r'"metrics_textfile":\s*"([^"]+)"', SECTION.replace("\n", " "))
    assert path and parse_fleet_settings({"metrics_textfile": path.group(1)}).metrics_textfile
    port = re.search(r'"metrics_port": (\d+), "metrics_bind": "([^"]+)"', SECTION)
    assert port and parse_fleet_settings({"metrics_port": int(port.group(1)), "metrics_bind": port.group(2)})
