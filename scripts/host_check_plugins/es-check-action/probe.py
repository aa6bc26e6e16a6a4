"""web_ui_actions probe: prints, as JSON, how the web process ran it (argv, cwd, env, stdin)."""

import json
import os
import select
import sys


def read_stdin():
    try:
        ready, _, _ = select.select([sys.stdin], [], [], 0.5)
    except (OSError, ValueError) as error:
        return {"readable": False, "error": repr(error)}
    if not ready:
        return {"readable": False, "note": "nothing within 0.5 s (inherited, not closed)"}
    data = sys.stdin.read()
    return {"readable": True, "data": data, "isatty": sys.stdin.isatty()}


probe = {
    "argv": sys.argv,
    "cwd": os.getcwd(),
    "executable": sys.executable,
    "version": sys.version.split()[0],
    "LEDMATRIX_ROOT": os.environ.get("LEDMATRIX_ROOT"),
    "EMULATOR": os.environ.get("EMULATOR"),
    "stdin": read_stdin(),
    "stdout_isatty": sys.stdout.isatty(),
    "sys_path_0": sys.path[0],
}
print("probe: a line on stderr", file=sys.stderr)
if probe["stdin"].get("data") and "plain" in probe["stdin"]["data"]:
    print("plain text output, not JSON")
else:
    reply = {"status": "success", "message": "probe: message from the script's JSON", "probe": probe}
    print(json.dumps(reply))
