"""LEDMatrix web UI action: test-alert (see manifest.json's web_ui_actions). The web process runs this
file as `python3 <plugin dir>/web_actions/test_alert.py`; it prints one JSON answer."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugin"))

from error_status.ledmatrix.web_actions import main

if __name__ == "__main__":
    sys.exit(main("test-alert"))
