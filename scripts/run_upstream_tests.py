"""Run LEDMatrix's own ``test/test_error_aggregator.py``, unchanged, against ``error_status.aggregator``.

Usage: python scripts/run_upstream_tests.py /path/to/LEDMatrix [pytest args...]

The host checkout is only read: its test file and ``src/exceptions.py`` are copied into a temporary
directory where ``src.error_aggregator`` is this project's module, then pytest runs there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SHIM = '''"""src.error_aggregator replaced by error_status.aggregator."""
import sys
from error_status import aggregator as _ours
sys.modules[__name__] = _ours
'''


def main(argv: list[str]) -> int:
    """Build the scratch tree and run pytest on the host's test file."""
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__, file=sys.stderr if not argv else sys.stdout)
        return 2 if not argv else 0
    host = Path(argv[0]).resolve()
    test_file = host / "test" / "test_error_aggregator.py"
    exceptions = host / "src" / "exceptions.py"
    for needed in (test_file, exceptions):
        if not needed.is_file():
            print(f"not found: {needed}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="upstream-tests-") as scratch:
        root = Path(scratch)
        (root / "src").mkdir()
        (root / "src" / "__init__.py").write_text("")
        (root / "src" / "error_aggregator.py").write_text(SHIM)
        shutil.copy(exceptions, root / "src" / "exceptions.py")
        (root / "test").mkdir()
        shutil.copy(test_file, root / "test" / test_file.name)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", scratch,
                   str(root / "test" / test_file.name), *argv[1:]]
        return subprocess.call(command, cwd=scratch)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
