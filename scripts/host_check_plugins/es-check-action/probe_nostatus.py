"""web_ui_actions probe: exit 0 with JSON that has no "status" key."""

import json

print(json.dumps({"ok": True, "message": "nostatus: message from the script's JSON"}))
