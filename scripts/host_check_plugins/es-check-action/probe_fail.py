"""web_ui_actions probe: JSON on stdout, exit code 3."""

import json
import sys

print(json.dumps({"status": "error", "message": "probe_fail: message from the script's JSON"}))
sys.exit(3)
