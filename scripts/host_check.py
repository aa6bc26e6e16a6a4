"""Run LEDMatrix's real display controller headless with error-status and test plugins; record every frame.

Usage (in a venv with LEDMatrix's requirements and RGBMatrixEmulator, e.g. /work/host-venv):

    python scripts/host_check.py --host /path/to/LEDMatrix --plugin-repo . --scenario raising \\
        --seconds 60 --out /tmp/hc-raising [--es-config '{"live_priority": true}'] [--size 64x32] \\
        [--display-duration 5] [--expect-alert raiser]

What it does:

* builds a scratch host root in a temporary directory: a copy of the host's code (``src``,
  ``web_interface``, ``schema``, ... ; ``assets`` is a symlink), ``config/config.json`` made from
  the host's template, ``emulator_config.json`` with RGBMatrixEmulator's headless ``raw`` adapter,
  and ``plugin-repos/`` holding a copy of ``--plugin-repo`` as ``error-status`` plus the test
  plugins of the scenario (from ``scripts/host_check_plugins/``). The host checkout is only read.
* points the host's ``CacheManager`` at ``<scratch>/cache`` (it has no setting for it: it tries
  ``/var/cache/ledmatrix`` first, so ``_get_writable_cache_dir`` is replaced in-process) and the
  web preview snapshot at ``<scratch>/led_matrix_preview.png``.
* imports the host's ``src.display_controller`` from the scratch root (which is the CWD), builds
  ``DisplayController()`` and runs ``run()`` on the main thread with ``EMULATOR=true``. At the
  deadline the next ``_tick_plugin_updates`` / ``_poll_on_demand_requests`` on that thread raises
  ``KeyboardInterrupt``, which ``run()`` handles as Ctrl-C (its own ``cleanup()``).
* wraps ``display_manager.update_display`` on the instance as soon as the display manager is built
  (beneath the controller's follower gate and whatever plugins install while loading, e.g.
  error-status's status mark) and ``matrix.SwapOnVSync``: a frame is recorded when the
  call really reached the panel (dirty tracking and capture mode skip it), with the time, the
  controller's ``current_display_mode``, the pushing thread, colour statistics and PNGs.
* samples the host's health tracker, state manager, aggregator and error-status's board (looked up
  defensively) every ``--sample-interval`` seconds and keeps the transitions.
* collects host log records at WARNING and above into ``<out>/host.log`` (all of INFO+ in
  ``host-full.log``) and writes ``<out>/report.json`` plus a summary on stdout.

``--plugin-ref REV`` installs a committed revision of the plugin repository (``git archive``) instead
of its working tree. ``--web-check form,action`` skips the display run and drives the host's Flask
app in-process instead: it renders the plugin's config form, submits it the way a browser does and
diffs ``config.json`` (``web.json``, ``web_form.html``), and runs the ``es-check-action`` plugin's
``web_ui_actions`` probes.

It decides nothing unless asked: ``--expect-alert PLUGIN`` fails (exit 1) when an error-status frame
later than ``--alert-grace`` seconds after the plugin's circuit opened (or, if it never opened, after
the first failure the host saw) looks all-clear; ``--expect-all-clear`` fails when one looks like an
alert after the grace period. ``--hook FILE`` loads a Python file whose ``on_ready(rig)``,
``on_frame(rig, frame)``, ``on_sample(rig, t)`` and ``on_end(rig, report)`` are called; a hook
adds results with ``rig.check(name, ok, detail)``. Exit codes: 0 ran (and checks passed), 1 a check
failed, 2 the rig could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib.util
import io
import json
import logging
import os
import queue
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback
import types
import zlib
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TEST_PLUGINS_DIR = HERE / "host_check_plugins"
ES_ID = "error-status"

#: Which test plugins each scenario enables (error-status is always enabled, and rotates last).
SCENARIOS: dict[str, list[str]] = {
    "healthy": ["es-check-clock"],
    "raising": ["es-check-clock", "es-check-raiser"],
    "swallowing": ["es-check-clock", "es-check-swallower"],
    "both": ["es-check-clock", "es-check-raiser", "es-check-swallower"],
    "midraise": ["es-check-clock", "es-check-midraiser"],
    "initfail": ["es-check-clock", "es-check-initfail"],
    "all": ["es-check-clock", "es-check-raiser", "es-check-swallower", "es-check-midraiser",
            "es-check-initfail"],
}

#: Reference colours (RGB). A lit pixel is scaled so its brightest channel is 255 (dimming keeps
#: the hue), then given the nearest name, or "other" when nothing is within PALETTE_RADIUS.
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0),
    "orange": (255, 96, 0),
    "amber": (255, 176, 0),
    "green": (0, 200, 96),
    "blue": (0, 64, 255),
    "white": (255, 255, 255),
}
PALETTE_RADIUS = 70.0
LIT_THRESHOLD = 40  # brightest channel at or above this counts as lit
ALERT_COLOURS = ("red", "orange", "amber")
ALL_CLEAR_MIN_GREEN = 12  # green pixels an all-clear frame shows at least

# Copied from the host into the scratch root (everything else at the top level is skipped).
HOST_SKIP = {".git", "assets", "rpi-rgb-led-matrix-master", "plugin-repos", "plugins", "test", "docs",
             "__pycache__", ".github", "emulator_config.json"}
PLUGIN_REPO_SKIP = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
                    "out", "build", "dist", "emulator_config.json"}

RAW_EMULATOR_CONFIG = {
    "pixel_outline": 0,
    "pixel_size": 1,
    "pixel_style": "square",
    "pixel_glow": 0,
    "display_adapter": "raw",
    "allow_adapter_fallback": False,
    "icon_path": None,
    "emulator_title": "host_check",
    "suppress_font_warnings": True,
    "suppress_adapter_load_errors": False,
    "browser": {"_comment": "unused: raw adapter", "port": 8888, "target_fps": 24, "fps_display": False,
                "quality": 70, "image_border": True, "debug_text": False, "image_format": "JPEG",
                "open_immediately": False},
    "log_level": "warning",
}


class RigError(Exception):
    """The rig cannot run (bad arguments or host tree); reported with exit code 2."""


class RigStop(KeyboardInterrupt):
    """Raised on the controller's thread at the deadline; run() treats it as Ctrl-C."""


# ----------------------------------------------------------------------------------------- helpers

def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` merged into a copy of ``base`` (dicts recursively, everything else replaced)."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-safe rendering of host values (datetimes, enums, exceptions...)."""
    if depth > 6:
        return repr(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, depth + 1) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and hasattr(value, "name"):  # Enum
        return jsonable(value.value, depth + 1)
    return repr(value)


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def hardware_for(width: int, height: int) -> dict[str, int]:
    """rows/cols/chain as a real install would write them (64-wide panels chained when possible)."""
    if width % 64 == 0 and width >= 64:
        return {"rows": height, "cols": 64, "chain_length": width // 64, "parallel": 1}
    return {"rows": height, "cols": width, "chain_length": 1, "parallel": 1}


def git_commit(path: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def git_dirty(path: Path) -> bool | None:
    try:
        out = subprocess.run(["git", "-C", str(path), "status", "--porcelain"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip()) if out.returncode == 0 else None


def resolve_plugin_id(name: str, known: list[str]) -> str:
    """'raiser' -> 'es-check-raiser' when that is a known id; otherwise the name itself."""
    if name in known:
        return name
    for candidate in (f"es-check-{name}", name.replace("_", "-")):
        if candidate in known:
            return candidate
    return name


# ------------------------------------------------------------------------------- frame statistics

def colour_stats(image: Any, regions: dict[str, tuple[int, int, int, int]]) -> dict[str, Any]:
    """Counts of lit pixels per palette colour, for the frame and each named region."""
    import numpy as np

    arr = np.asarray(image.convert("RGB"), dtype=np.float32)

    def count(a: Any) -> dict[str, int]:
        peak = a.max(axis=2)
        lit = peak >= LIT_THRESHOLD
        out = {"lit": int(lit.sum())}
        if not out["lit"]:
            return out | {name: 0 for name in PALETTE} | {"other": 0}
        px = a[lit] * (255.0 / peak[lit])[:, None]
        refs = np.array(list(PALETTE.values()), dtype=np.float32)
        dist = np.sqrt(((px[:, None, :] - refs[None, :, :]) ** 2).sum(axis=2))
        nearest = dist.argmin(axis=1)
        close = dist[np.arange(len(px)), nearest] <= PALETTE_RADIUS
        for i, name in enumerate(PALETTE):
            out[name] = int(((nearest == i) & close).sum())
        out["other"] = int((~close).sum())
        return out

    stats = count(arr)
    if regions:
        stats["regions"] = {}
        for name, (x, y, w, h) in regions.items():
            stats["regions"][name] = count(arr[y:y + h, x:x + w])
    return stats


def classify(stats: dict[str, Any]) -> str:
    """How a frame looks: 'all_clear', 'all_clear_marked', 'alert' or 'other'.

    'all_clear': green (the ALL OK screen) and no red/orange/amber at all. 'all_clear_marked': green
    still dominates (at least twice the red/orange/amber pixels), but some are present - e.g. a failing
    health dot under a green ALL OK, which still reads as "all OK" from across the room. 'alert':
    red/orange/amber dominate.
    """
    alert = sum(stats.get(c, 0) for c in ALERT_COLOURS)
    green = stats.get("green", 0)
    if green >= ALL_CLEAR_MIN_GREEN and green >= 2 * alert:
        return "all_clear" if alert == 0 else "all_clear_marked"
    if alert >= 3:
        return "alert"
    return "other"


CLEAR_LOOKS = ("all_clear", "all_clear_marked")


def led_look(image: Any, cell: int = 6, gap: int = 1) -> Any:
    """Each pixel as a ``cell`` x ``cell`` block with a ``gap`` px dark line; unlit LEDs dark grey."""
    import numpy as np
    from PIL import Image

    arr = np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    unlit = arr.max(axis=2) < 8
    arr[unlit] = (28, 28, 28)
    pitch = cell + gap
    big = np.repeat(np.repeat(arr, pitch, axis=0), pitch, axis=1)
    big[pitch - gap::pitch, :, :] = 0
    big[:, pitch - gap::pitch, :] = 0
    return Image.fromarray(big, "RGB")


# --------------------------------------------------------------------------------- error-status

def find_board(instance: Any, max_depth: int = 3) -> tuple[list[str], Any] | None:
    """The attribute path from the plugin instance to an object with ``alerts`` and ``health``.

    Introspective on purpose: the plugin's internals are not an API. Breadth-first over instance
    dicts plus a few likely property names; callables, modules and builtins are not entered.
    """
    preferred = ("snapshot", "board", "_board", "_snapshot", "service", "_service", "driver", "_driver")
    seen: set[int] = set()
    frontier: list[tuple[list[str], Any]] = [([], instance)]
    for _depth in range(max_depth + 1):
        nxt: list[tuple[list[str], Any]] = []
        for path, node in frontier:
            if id(node) in seen:
                continue
            seen.add(id(node))
            if path and hasattr(node, "alerts") and hasattr(node, "health"):
                return path, node
            children: list[tuple[str, Any]] = []
            try:
                attrs = dict(vars(node))
            except TypeError:
                attrs = {}
            for name in preferred:  # live names first: a "saved" or "last" copy may be stale
                try:
                    if name in attrs or hasattr(type(node), name):
                        children.append((name, getattr(node, name)))
                except Exception:
                    continue
            children.extend((k, v) for k, v in attrs.items() if k not in preferred)
            for key, value in children:
                if value is None or isinstance(value, bool | int | float | str | bytes | types.ModuleType
                                               | type) or callable(value):
                    continue
                if isinstance(value, dict | list | tuple | set):
                    continue
                nxt.append(([*path, key], value))
        frontier = nxt
    return None


def read_path(root: Any, path: list[str]) -> Any:
    node = root
    for name in path:
        node = getattr(node, name)
    return node


def describe_board(board: Any) -> dict[str, Any]:
    """alerts and health of a board snapshot as plain data (defensive about the field names)."""
    def field(obj: Any, *names: str) -> Any:
        for name in names:
            if hasattr(obj, name):
                return jsonable(getattr(obj, name))
        return None

    alerts = []
    for alert in list(getattr(board, "alerts", ()) or ()):
        alerts.append({
            "plugin_id": field(alert, "plugin_id", "source"),
            "severity": field(alert, "severity"),
            "error_type": field(alert, "error_type"),
            "message": field(alert, "message"),
            "count": field(alert, "count"),
            "operation": field(alert, "operation"),
        })
    health = []
    for item in list(getattr(board, "health", ()) or ()):
        health.append({"plugin_id": field(item, "plugin_id"), "state": field(item, "state"),
                       "reason": field(item, "reason")})
    return {"alerts": alerts, "health": health}


# ------------------------------------------------------------------------------------------- rig

def exc_plugin(error: BaseException) -> str | None:
    """The plugin whose code raised: the innermost traceback frame under ``plugin-repos/<id>/``
    (following ``__cause__``/``__context__``), since some host log lines do not name the plugin."""
    seen: set[int] = set()
    found = None
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for frame in traceback.extract_tb(error.__traceback__):
            marker = f"{os.sep}plugin-repos{os.sep}"
            if marker in frame.filename:
                found = frame.filename.split(marker, 1)[1].split(os.sep, 1)[0]
        if found:
            return found
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return found


class LogCollector(logging.Handler):
    """Keeps WARNING+ records (time since start, level, logger, plugin_id, thread, message)."""

    def __init__(self, rig: Rig, path: Path) -> None:
        super().__init__(logging.WARNING)
        self.rig = rig
        self.records: list[dict[str, Any]] = []
        self._file = path.open("w", encoding="utf-8")
        self._lock_ = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = repr(record.msg)
        entry = {
            "t": round(record.created - self.rig.t0_wall, 3),
            "level": record.levelname,
            "logger": record.name,
            "plugin_id": getattr(record, "plugin_id", None),
            "thread": record.threadName,
            "template": str(record.msg)[:200],
            "message": message[:500],
            "exc": None,
        }
        text = ""
        if record.exc_info and record.exc_info[1] is not None:
            entry["exc"] = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"[:300]
            entry["exc_plugin"] = exc_plugin(record.exc_info[1])
            text = "".join(traceback.format_exception(*record.exc_info))
        with self._lock_:
            self.records.append(entry)
            if self._file.closed:  # a plugin thread logging while the rig exits
                return
            plugin = f" [{entry['plugin_id']}]" if entry["plugin_id"] else ""
            self._file.write(f"+{entry['t']:8.3f}s {entry['level']:<8} {entry['logger']}{plugin} "
                             f"({entry['thread']}): {message}\n")
            if text:
                self._file.write("    " + text.rstrip().replace("\n", "\n    ") + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock_:
            self._file.close()
        super().close()


class Rig:
    """State shared by the hooks, the frame wrapper, the sampler and the report."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out = Path(args.out).resolve()
        self.t0 = time.monotonic()
        self.t0_wall = time.time()
        self.width, self.height = parse_size(args.size)
        self.regions: dict[str, tuple[int, int, int, int]] = {}
        for spec in args.region or []:
            name, _, box = spec.partition("=")
            x, y, w, h = (int(v) for v in box.split(","))
            self.regions[name] = (x, y, w, h)
        self.scenario_plugins = self._scenario_plugins()
        self.enabled_ids = [*self.scenario_plugins, ES_ID]
        self.frames: list[dict[str, Any]] = []
        self.frame_lock = threading.Lock()
        self.writer_queue: queue.Queue[Any] = queue.Queue()
        self.swaps = 0
        self.clears = 0
        self.local = threading.local()
        self.digests_seen: dict[str, set[int]] = defaultdict(set)
        self.saved_other: Counter[str] = Counter()
        self.turns: list[dict[str, Any]] = []
        self.dwells: list[dict[str, Any]] = []
        self.health: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.states: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.board_changes: list[dict[str, Any]] = []
        self.board_path: list[str] | None = None
        self.board_error: str | None = None
        self.aggregator_first: dict[str, float] = {}
        self.aggregator_counts: dict[str, int] = {}
        self.checks: list[dict[str, Any]] = []
        self.hooks: list[Any] = []
        self.controller: Any = None
        self.plugin_manager: Any = None
        self.display_manager: Any = None
        self.controller_thread: threading.Thread | None = None
        self.run_started: float | None = None
        self.deadline: float | None = None
        self.stopping = threading.Event()
        self.scratch: Path | None = None
        self.log: LogCollector | None = None
        self.notes: list[str] = []
        self.actions = [parse_action_spec(spec) for spec in args.web_action or []]

    # -- time
    def t(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def check(self, name: str, ok: bool, detail: Any = None) -> None:
        """Record a pass/fail result (for hooks and the built-in expectations)."""
        self.checks.append({"name": name, "ok": bool(ok), "detail": jsonable(detail)})

    def _scenario_plugins(self) -> list[str]:
        if self.args.plugins is not None:
            return [p for p in self.args.plugins.split(",") if p]
        if self.args.scenario not in SCENARIOS:
            raise RigError(f"unknown scenario {self.args.scenario!r}; known: {', '.join(SCENARIOS)}")
        return list(SCENARIOS[self.args.scenario])

    # ------------------------------------------------------------------ scratch host root

    def prepare_scratch(self) -> Path:
        args = self.args
        host = Path(args.host).resolve()
        if not (host / "src" / "display_controller.py").is_file():
            raise RigError(f"not a LEDMatrix checkout: {host}")
        root = Path(tempfile.mkdtemp(prefix="es-hostcheck-", dir=args.scratch_parent))
        self.scratch = root
        for entry in host.iterdir():
            if entry.name in HOST_SKIP or (entry.name.startswith(".") and entry.name != ".gitignore"):
                continue
            target = root / entry.name
            if entry.is_dir():
                shutil.copytree(entry, target, symlinks=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(entry, target)
        (root / "assets").symlink_to(host / "assets")  # fonts etc., read only
        for name in ("plugins", "plugin-repos"):
            (root / name).mkdir(exist_ok=True)
        config_dir = root / "config"
        for stale in ("config.json", "config_secrets.json", "wifi_status.json"):
            (config_dir / stale).unlink(missing_ok=True)

        repos = root / "plugin-repos"
        plugin_repo = Path(args.plugin_repo).resolve()
        if not (plugin_repo / "manifest.json").is_file():
            raise RigError(f"no manifest.json in --plugin-repo {plugin_repo}")
        # A copy, not a symlink: the host's dependency step compares basename(realpath(dir)).
        if args.plugin_ref:
            # A committed revision, unaffected by edits in progress in the working tree.
            (repos / ES_ID).mkdir()
            command = ["git", "-C", str(plugin_repo), "archive", "--format=tar", args.plugin_ref]
            archive = subprocess.run(command, capture_output=True, check=False)
            if archive.returncode != 0:
                raise RigError(f"git archive {args.plugin_ref} failed: {archive.stderr.decode()[:300]}")
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(repos / ES_ID, filter="data")
        else:
            shutil.copytree(plugin_repo, repos / ES_ID, symlinks=False,
                            ignore=lambda _d, names: [n for n in names if n in PLUGIN_REPO_SKIP
                                                      or n.endswith(".egg-info")])
        sources = [TEST_PLUGINS_DIR, *[Path(d).resolve() for d in args.extra_plugin_dir or []]]
        available: dict[str, Path] = {}
        for source in sources:
            for candidate in sorted(source.iterdir()) if source.is_dir() else []:
                if (candidate / "manifest.json").is_file():
                    available[candidate.name] = candidate
        for pid in self.scenario_plugins:
            if pid not in available:
                raise RigError(f"test plugin {pid!r} not found in {', '.join(map(str, sources))}")
            shutil.copytree(available[pid], repos / pid,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

        config = json.loads((config_dir / "config.template.json").read_text(encoding="utf-8"))
        for key in list(config):  # template plugin entries (web-ui-info) are not ours
            if isinstance(config[key], dict) and "enabled" in config[key] and key not in (
                    "schedule", "dim_schedule", "display", "plugin_system", "sync", "web_interface"):
                config[key]["enabled"] = False
        config["schedule"] = {**config.get("schedule", {}), "enabled": False}
        config["dim_schedule"] = {**config.get("dim_schedule", {}), "enabled": False}
        display = config.setdefault("display", {})
        display.setdefault("hardware", {}).update(hardware_for(self.width, self.height))
        display["hardware"]["brightness"] = args.brightness
        display["plugin_rotation_order"] = list(self.enabled_ids)
        display.setdefault("vegas_scroll", {})["enabled"] = False
        config.setdefault("plugin_system", {})["plugins_directory"] = "plugin-repos"
        for pid in self.scenario_plugins:
            config[pid] = {"enabled": True, "display_duration": args.display_duration}
        es = {"enabled": True, "display_duration": args.display_duration}
        es.update(json.loads(args.es_config) if args.es_config else {})
        if args.es_section is not None:  # the whole entry, as given ('absent': no entry at all)
            es = None if args.es_section == "absent" else json.loads(args.es_section)
        if es is not None:
            config[ES_ID] = es
        for spec in args.plugin_config or []:
            pid, _, blob = spec.partition("=")
            pid = resolve_plugin_id(pid, self.enabled_ids)
            config[pid] = deep_merge(config.get(pid, {}), json.loads(blob))
        if args.config_patch:
            config = deep_merge(config, json.loads(args.config_patch))
        (config_dir / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        (root / "emulator_config.json").write_text(json.dumps(RAW_EMULATOR_CONFIG, indent=2),
                                                   encoding="utf-8")
        (root / "cache").mkdir()
        self.config_written = config
        return root

    # ------------------------------------------------------------------ in-process host

    def setup_process(self) -> None:
        assert self.scratch is not None
        root = self.scratch
        os.environ["EMULATOR"] = "true"
        os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        sys.dont_write_bytecode = True
        os.chdir(root)
        sys.path.insert(0, str(root))

        from src.logging_config import setup_logging  # the host's own, as run.py does

        level = getattr(logging, self.args.log_level.upper())
        setup_logging(level=level, format_type="readable", log_file=str(self.out / "host-full.log"))
        root_logger = logging.getLogger()
        if not self.args.log_console:
            for handler in list(root_logger.handlers):
                if type(handler) is logging.StreamHandler:
                    root_logger.removeHandler(handler)
        self.log = LogCollector(self, self.out / "host.log")
        root_logger.addHandler(self.log)

        cache_dir = str(root / "cache")
        import src.cache_manager as cache_module

        def _scratch_cache_dir(_self: Any) -> str:
            return cache_dir

        cache_module.CacheManager._get_writable_cache_dir = _scratch_cache_dir

        import src.display_manager as dm_module

        # The preview snapshot path is fixed (/tmp/led_matrix_preview.png) and first written during
        # DisplayManager.__init__ (test pattern), so redirect it at the writer itself.
        original_write = dm_module.DisplayManager._write_snapshot_if_due
        preview = str(root / "led_matrix_preview.png")
        marker = str(root / "led_matrix_preview_viewer")

        def _write_snapshot_if_due(dm_self: Any) -> None:
            dm_self._snapshot_path = preview
            dm_self._viewer_marker_path = marker
            original_write(dm_self)

        dm_module.DisplayManager._write_snapshot_if_due = _write_snapshot_if_due

        # The frame recorder goes on the display manager as soon as it exists: beneath the
        # controller's follower gate and anything plugins install while loading (error-status's
        # status mark), so what it records is what reaches the panel.
        original_init = dm_module.DisplayManager.__init__
        rig = self

        def __init__(dm_self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(dm_self, *args, **kwargs)
            if rig.display_manager is None:
                rig.display_manager = dm_self
                rig._install_frame_hooks()

        dm_module.DisplayManager.__init__ = __init__

    def build_controller(self) -> None:
        from src.display_controller import DisplayController

        started = time.monotonic()
        self.controller = DisplayController()
        self.init_seconds = round(time.monotonic() - started, 3)
        self.plugin_manager = self.controller.plugin_manager
        if self.display_manager is not self.controller.display_manager:
            self.notes.append("the controller's display manager is not the one built first: frames recorded "
                              "above the plugins' wrappers")
            self.display_manager = self.controller.display_manager
            self._install_frame_hooks()
        tracker = getattr(self.plugin_manager, "health_tracker", None)
        if tracker is not None:
            if self.args.circuit_cooldown is not None:
                tracker.cooldown_period = self.args.circuit_cooldown
            if self.args.half_open_timeout is not None:
                tracker.half_open_timeout = self.args.half_open_timeout
        self._install_mode_tracker()
        self._install_dwell_tracker()
        self._install_stop_hooks()

    def _install_dwell_tracker(self) -> None:
        """Each dwell's first display() goes through the executor: note when, for whom, and its result.

        A dwell that keeps the same mode (live priority holding the display) shows up here but not as a
        mode change.
        """
        executor = getattr(self.plugin_manager, "plugin_executor", None)
        if executor is None:
            return
        real = executor.execute_display
        rig = self

        def execute_display(plugin: Any, plugin_id: str, *a: Any, **kw: Any) -> Any:
            entry = {"t": rig.t(), "plugin": plugin_id, "mode": kw.get("display_mode"),
                     "force_clear": kw.get("force_clear"), "result": None}
            rig.dwells.append(entry)
            result = real(plugin, plugin_id, *a, **kw)
            entry["result"] = result
            return result

        executor.execute_display = execute_display

    def _install_mode_tracker(self) -> None:
        """Every change of ``current_display_mode``, exactly (a skipped turn lasts microseconds).

        The instance's class is swapped for a subclass whose property stores the value where it was
        and notes each change; nothing else about the controller changes.
        """
        controller = self.controller
        rig = self
        base = type(controller)

        def get(obj: Any) -> Any:
            return obj.__dict__.get("current_display_mode")

        def set_(obj: Any, value: Any) -> None:
            previous = obj.__dict__.get("current_display_mode")
            obj.__dict__["current_display_mode"] = value
            if value != previous or not rig.turns:
                t = rig.t()
                if rig.turns and rig.turns[-1]["end"] is None:
                    rig.turns[-1]["end"] = t
                plugin = obj.__dict__.get("mode_to_plugin_id", {}).get(value)
                rig.turns.append({"mode": value, "plugin": plugin, "start": t, "end": None})

        controller.__class__ = type(f"HostCheck{base.__name__}", (base,),
                                    {"current_display_mode": property(get, set_)})

    def _install_frame_hooks(self) -> None:
        dm = self.display_manager
        rig = self
        matrix = getattr(dm, "matrix", None)
        if matrix is not None:
            real_swap = matrix.SwapOnVSync

            def swap(*a: Any, **kw: Any) -> Any:
                if getattr(rig.local, "in_update", False):
                    rig.local.swapped = True
                else:
                    rig.clears += 1  # matrix.Clear() and friends push outside update_display
                rig.swaps += 1
                return real_swap(*a, **kw)

            matrix.SwapOnVSync = swap
        inner = dm.update_display  # the controller's follower gate, if it installed one
        lock = getattr(dm, "_update_lock", None) or threading.RLock()

        def update_display(*a: Any, **kw: Any) -> Any:
            with lock:
                try:
                    image = dm.image.copy()
                except Exception:
                    image = None
                rig.local.in_update = True
                rig.local.swapped = False
                try:
                    return inner(*a, **kw)
                finally:
                    rig.local.in_update = False
                    if rig.local.swapped and image is not None:
                        rig._record_frame(image)

        dm.update_display = update_display

    def _install_stop_hooks(self) -> None:
        controller = self.controller
        rig = self

        def wrap(name: str) -> None:
            real = getattr(controller, name)

            def stopper(*a: Any, **kw: Any) -> Any:
                if (rig.deadline is not None and time.monotonic() >= rig.deadline
                        and threading.current_thread() is rig.controller_thread):
                    rig.stopping.set()
                    raise RigStop()
                return real(*a, **kw)

            setattr(controller, name, stopper)

        for name in ("_tick_plugin_updates", "_poll_on_demand_requests", "_check_vegas_interrupt"):
            if hasattr(controller, name):
                wrap(name)

    # ------------------------------------------------------------------ frames

    def _record_frame(self, image: Any) -> None:
        controller = self.controller
        mode = getattr(controller, "current_display_mode", None)
        plugin = (getattr(controller, "mode_to_plugin_id", {}) or {}).get(mode)
        digest = zlib.adler32(image.tobytes())
        frame = {"i": 0, "t": self.t(), "mode": mode, "plugin": plugin,
                 "thread": threading.current_thread().name, "digest": digest,
                 # False while the schedule blanks the panel (the mode keeps its last value then)
                 "display_active": getattr(controller, "is_display_active", None)}
        with self.frame_lock:
            frame["i"] = len(self.frames)
            self.frames.append(frame)
            key = str(mode)
            new = digest not in self.digests_seen[key]
            self.digests_seen[key].add(digest)
            frame["new"] = new
            save = False
            if self.args.save == "all":
                save = True
            elif self.args.save != "none" and new:
                if plugin == ES_ID or self.args.save == "all-distinct":
                    save = True
                else:
                    self.saved_other[key] += 1
                    save = (self.saved_other[key] - 1) % max(1, self.args.sample_other) == 0
        self.writer_queue.put((frame, image, save))

    def writer_loop(self) -> None:
        frames_dir = self.out / "frames"
        led_dir = self.out / "frames_led"
        frames_dir.mkdir(exist_ok=True)
        led_dir.mkdir(exist_ok=True)
        while True:
            item = self.writer_queue.get()
            if item is None:
                return
            frame, image, save = item
            try:
                stats = colour_stats(image, self.regions)
                frame["stats"] = stats
                frame["look"] = classify(stats)
                if save:
                    name = f"{frame['i']:06d}_{frame['t']:08.3f}s_{frame['mode']}.png"
                    image.save(frames_dir / name)
                    led_look(image, self.args.led_cell, 1).save(led_dir / name)
                    frame["png"] = f"frames/{name}"
                    frame["png_led"] = f"frames_led/{name}"
                if self.args.keep_images:
                    frame["_image"] = image
                for hook in self.hooks:
                    if hasattr(hook, "on_frame"):
                        hook.on_frame(self, frame)
            except Exception as error:  # keep recording whatever happens
                frame["writer_error"] = repr(error)

    # ------------------------------------------------------------------ sampling

    def sampler_loop(self) -> None:
        last_health: dict[str, tuple[Any, ...]] = {}
        last_state: dict[str, tuple[Any, ...]] = {}
        last_board: Any = None
        last_agg = 0.0
        while not self.stopping.is_set():
            t = self.t()
            pm = self.plugin_manager
            ids = sorted(set(getattr(pm, "plugin_manifests", {}) or {}) | set(self.enabled_ids)) if pm else []
            tracker = getattr(pm, "health_tracker", None)
            for pid in ids:
                if tracker is not None:
                    try:
                        summary = tracker.get_health_summary(pid)
                        key = (summary.get("circuit_state"), summary.get("consecutive_failures"),
                               summary.get("total_failures"), summary.get("degraded"),
                               summary.get("circuit_opened_time"))
                        if last_health.get(pid) != key:
                            last_health[pid] = key
                            self.health[pid].append({"t": t, **jsonable(summary)})
                    except Exception as error:
                        self.notes.append(f"health {pid}: {error!r}")
                state_manager = getattr(pm, "state_manager", None)
                if state_manager is not None:
                    try:
                        info = state_manager.get_state_info(pid)
                        err = info.get("error_info") or {}
                        key = (info.get("state"), err.get("error"), err.get("timestamp"))
                        if last_state.get(pid) != key and info.get("state") != "running":
                            last_state[pid] = key
                            self.states[pid].append({"t": t, "state": info.get("state"),
                                                     "error_info": jsonable(info.get("error_info"))})
                    except Exception as error:
                        self.notes.append(f"state {pid}: {error!r}")
            board = self._read_board()
            if board is not None and board != last_board:
                last_board = board
                self.board_changes.append({"t": t, **board})
            if t - last_agg >= 1.0:
                last_agg = t
                self._sample_aggregator(t)
            for hook in self.hooks:
                if hasattr(hook, "on_sample"):
                    try:
                        hook.on_sample(self, t)
                    except Exception as error:
                        self.notes.append(f"hook on_sample: {error!r}")
            self.stopping.wait(self.args.sample_interval)

    def _read_board(self) -> dict[str, Any] | None:
        pm = self.plugin_manager
        instance = (getattr(pm, "plugins", {}) or {}).get(ES_ID) if pm else None
        if instance is None:
            return None
        try:
            if self.board_path is None:
                found = find_board(instance)
                if found is None:
                    self.board_error = "no object with alerts+health reachable from the plugin instance"
                    return None
                self.board_path = found[0]
            return describe_board(read_path(instance, self.board_path))
        except Exception as error:
            self.board_error = repr(error)
            self.board_path = None
            return None

    def _sample_aggregator(self, t: float) -> None:
        try:
            from src.error_aggregator import get_error_aggregator

            summary = get_error_aggregator().get_error_summary()
        except Exception as error:
            self.notes.append(f"aggregator: {error!r}")
            return
        counts = summary.get("plugin_error_counts", {}) or {}
        for pid, n in counts.items():
            if n and pid not in self.aggregator_first:
                self.aggregator_first[pid] = t
        self.aggregator_counts = dict(counts)

    # ------------------------------------------------------------------ run

    def run(self) -> None:
        self.controller_thread = threading.current_thread()
        self.run_started = self.t()
        self.deadline = time.monotonic() + self.args.seconds
        for hook in self.hooks:
            if hasattr(hook, "on_ready"):
                hook.on_ready(self)

        def watchdog() -> None:
            # If the controller never reaches a stop point (stuck in a plugin call), interrupt it.
            assert self.deadline is not None
            if self.stopping.wait(max(0.0, self.deadline - time.monotonic()) + self.args.stop_grace):
                return
            self.notes.append("watchdog: no stop point reached in time; sending SIGINT")
            import signal
            os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=watchdog, name="host-check-watchdog", daemon=True).start()
        if self.actions:
            threading.Thread(target=self.action_loop, name="host-check-actions", daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):  # run() handles ours; a second Ctrl-C lands here
            self.controller.run()
        self.stopping.set()
        self.run_ended = self.t()


    # ------------------------------------------------------------------ web actions

    def es_on_screen_since(self) -> float | None:
        """When error-status's current turn began, if it is on screen now."""
        turn = self.turns[-1] if self.turns else None
        if turn is None or turn["plugin"] != ES_ID or turn["end"] is not None:
            return None
        return turn["start"]

    def action_loop(self) -> None:
        """Run each --web-action at its time, exactly as the web process runs a button's script."""
        assert self.scratch is not None and self.run_started is not None
        manifest = json.loads((self.scratch / "plugin-repos" / ES_ID / "manifest.json").read_text())
        scripts = {a.get("id"): a.get("script") for a in manifest.get("web_ui_actions") or []}
        for action in sorted(self.actions, key=lambda a: a["at"]):
            while not self.stopping.is_set() and self.t() < self.run_started + action["at"]:
                time.sleep(0.02)
            if action["wait_es"]:
                while not self.stopping.is_set():
                    since = self.es_on_screen_since()
                    if since is not None and self.t() - since >= 1.0:
                        break
                    time.sleep(0.02)
            if self.stopping.is_set():
                action["skipped"] = "the run ended first"
                continue
            if action["via"] == "api":
                self._run_action_via_api(action)
                continue
            script = scripts.get(action["name"])
            if not script:
                action["skipped"] = f"no web_ui_action {action['name']!r} in the manifest"
                continue
            path = self.scratch / "plugin-repos" / ES_ID / script
            env = os.environ.copy()  # api_v3.py: os.environ.copy() plus LEDMATRIX_ROOT
            env["LEDMATRIX_ROOT"] = str(self.scratch)
            # The display's cache is redirected in-process; the subprocess cannot be, hence the variable.
            env["ERROR_STATUS_CACHE_DIR"] = str(self.scratch / "cache")
            action["command"] = ["python3", str(path)]
            action["es_turn_since"] = self.es_on_screen_since()
            action["t_start"] = self.t()
            try:
                stdin_kw: dict[str, Any] = ({"input": "{}"} if self.args.web_action_stdin == "json"
                                            else {"stdin": subprocess.DEVNULL})
                done = subprocess.run(["python3", str(path)], capture_output=True, text=True, timeout=60,
                                      env=env, cwd=str(self.scratch), check=False, **stdin_kw)
                action["rc"] = done.returncode
                action["stdout"] = done.stdout[-4000:]
                action["stderr"] = done.stderr[-2000:]
                try:
                    action["json"] = json.loads(done.stdout)
                except ValueError:
                    action["json"] = None
            except (OSError, subprocess.SubprocessError) as error:
                action["error"] = repr(error)
            action["t_end"] = self.t()
            action["seconds"] = round(action["t_end"] - action["t_start"], 3)

    def _run_action_via_api(self, action: dict[str, Any]) -> None:
        """The button's own path: POST /api/v3/plugins/action {plugin_id, action_id, params: {}} to the
        host's Flask app, imported into this process (the host then runs ``python3 <script>`` with
        ``os.environ`` plus LEDMATRIX_ROOT and this process's stdin)."""
        assert self.scratch is not None
        os.environ["ERROR_STATUS_CACHE_DIR"] = str(self.scratch / "cache")  # copied into the script's env
        action["command"] = "POST /api/v3/plugins/action"
        action["es_turn_since"] = self.es_on_screen_since()
        try:
            if getattr(self, "_web_client", None) is None:
                import web_interface.app as webapp

                webapp._reconciliation_started = True
                self._web_client = webapp.app.test_client()
            action["t_start"] = self.t()
            response = self._web_client.post("/api/v3/plugins/action", json={
                "plugin_id": ES_ID, "action_id": action["name"], "params": {}})
            action["rc"] = f"HTTP {response.status_code}"
            action["json"] = response.get_json(silent=True)
            action["stdout"] = response.get_data(as_text=True)[-4000:]
        except Exception as error:
            action.setdefault("t_start", self.t())
            action["error"] = repr(error)
        action["t_end"] = self.t()
        action["seconds"] = round(action["t_end"] - action["t_start"], 3)


def parse_action_spec(spec: str) -> dict[str, Any]:
    """'acknowledge@40' or 'test-alert@60:es' -> {name, at, wait_es}."""
    name, sep, when = spec.partition("@")
    if not sep or not name:
        raise RigError(f"--web-action wants NAME@T[:es][:api], got {spec!r}")
    when, *flags = when.split(":")
    unknown = [f for f in flags if f not in ("es", "api")]
    if unknown:
        raise RigError(f"--web-action: unknown suffix {unknown[0]!r} in {spec!r}")
    try:
        at = float(when)
    except ValueError:
        raise RigError(f"--web-action: bad time in {spec!r}") from None
    return {"name": name, "at": at, "wait_es": "es" in flags, "via": "api" if "api" in flags else "script"}


def analyse_actions(rig: Rig, frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per action: what error-status showed before and after it, when its frames changed, and
    LED-look PNGs of the last frame before and the first ones after (``actions/``)."""
    out = []
    es_frames = [f for f in frames if f["plugin"] == ES_ID]
    es_dwells = [d for d in rig.dwells if d["plugin"] == ES_ID]
    actions = [a for a in rig.actions if "t_start" in a]
    folder = rig.out / "actions"
    folder.mkdir(exist_ok=True)
    for index, action in enumerate(actions):
        start, end = action["t_start"], action.get("t_end", action["t_start"])
        until = actions[index + 1]["t_start"] if index + 1 < len(actions) else 1e9
        before = [f for f in es_frames if start - 30 <= f["t"] < start]
        after = [f for f in es_frames if start <= f["t"] < until]
        seen = {f["digest"] for f in before}
        looks_before = Counter(f.get("look") for f in before)
        first_new = next((f for f in after if f["digest"] not in seen), None)
        # "changed": the first frame after the start whose look differs from the last one before it
        last = before[-1] if before else None
        first_other_look = next((f for f in after if last is None or f.get("look") != last.get("look")), None)
        board_change = next((c for c in rig.board_changes if c["t"] >= start), None)
        windows = {}
        for lo, hi in ((0, 5), (5, 20), (20, 60), (60, 120)):
            sel = [f for f in after if start + lo <= f["t"] < start + hi]
            windows[f"{lo}-{hi}s"] = dict(Counter(f.get("look") for f in sel))
        dwells_after = [d for d in es_dwells if start <= d["t"] < until]
        entry = {
            "name": action["name"], "via": action.get("via"), "t_start": start, "t_end": end,
            "seconds": action.get("seconds"),
            "rc": action.get("rc"), "json": action.get("json"), "stderr": action.get("stderr"),
            "error": action.get("error"), "es_on_screen_at_start_since": action.get("es_turn_since"),
            "es_frames_30s_before": len(before), "looks_before": dict(looks_before),
            "last_frame_before": ({k: last.get(k) for k in ("t", "look", "digest", "png_led")}
                                  if last else None),
            "first_es_frame_after_start_t": after[0]["t"] if after else None,
            "first_unseen_frame_t": first_new["t"] if first_new else None,
            "first_other_look": ({k: first_other_look.get(k) for k in ("t", "look", "png_led")}
                                 if first_other_look else None),
            "board_change_after": ({"t": board_change["t"], "alerts": board_change["alerts"]}
                                   if board_change else None),
            "looks_after_windows": windows,
            "es_dwells_after": dict(Counter(str(d["result"]) for d in dwells_after)),
            "es_frames_until_next_action": len(after),
            "pngs": [],
        }
        picks = [("before", last)]
        applied = [f for f in after if f["t"] >= end + 0.2]
        if applied:
            picks.append(("after_applied", applied[0]))
        entry["first_es_frame_after_applied"] = (
            {k: applied[0].get(k) for k in ("t", "look", "digest")} if applied else None)
        es_turns = [t for t in rig.turns if t["plugin"] == ES_ID and start < t["start"] < until]
        entry["es_turns_after"] = [{"start": t["start"], "end": t["end"], "frames": t.get("frames")}
                                   for t in es_turns[:12]]
        for number, turn in enumerate(es_turns[:3], 1):
            first = next((f for f in after if turn["start"] <= f["t"] <= (turn["end"] or 1e9)), None)
            if first is not None:
                picks.append((f"turn{number}", first))
        for lo in (60, 75):
            later = [f for f in after if f["t"] >= end + lo]
            if later:
                picks.append((f"after_{lo}s", later[0]))
        for label, frame in picks:
            if frame is None or "_image" not in frame:
                continue
            name = f"{index:02d}_{action['name']}_{label}_{frame['t']:07.2f}s_{frame.get('look')}.png"
            led_look(frame["_image"], rig.args.led_cell, 1).save(folder / name)
            entry["pngs"].append(f"actions/{name}")
        out.append(entry)
    for action in rig.actions:
        if "t_start" not in action:
            out.append({"name": action["name"], "skipped": action.get("skipped")})
    return out


# ------------------------------------------------------------------------------------------ web

class FormParser(HTMLParser):
    """The fields of one <form>, serialised the way a browser submits it (what htmx posts)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.depth = 0  # >0 while inside the form
        self.fields: list[dict[str, Any]] = []
        self._select: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            if self.depth or a.get("id") == self.form_id:
                self.depth += 1
            return
        if not self.depth:
            return
        if tag == "input":
            self.fields.append({"kind": "input", "type": a.get("type", "text").lower(), "name": a.get("name"),
                                "value": a.get("value", ""), "checked": "checked" in a,
                                "disabled": "disabled" in a, "id": a.get("id")})
        elif tag == "select":
            self._select = {"kind": "select", "name": a.get("name"), "options": [],
                            "disabled": "disabled" in a, "multiple": "multiple" in a, "id": a.get("id")}
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
            self._select["options"].append(self._option)
        elif tag == "textarea":
            self._textarea = {"kind": "textarea", "name": a.get("name"), "value": "",
                              "disabled": "disabled" in a}
            self.fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.depth:
            self.depth -= 1
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["value"] += data

    def pairs(self) -> list[tuple[str, str]]:
        """(name, value) in document order, per the HTML form-submission rules that matter here."""
        out: list[tuple[str, str]] = []
        for f in self.fields:
            if not f.get("name") or f.get("disabled"):
                continue
            if f["kind"] == "input":
                if f["type"] in ("submit", "button", "reset", "image", "file"):
                    continue
                if f["type"] in ("checkbox", "radio"):
                    if f["checked"]:
                        out.append((f["name"], f["value"] or "on"))
                    continue
                out.append((f["name"], f["value"]))
            elif f["kind"] == "select":
                chosen = [o for o in f["options"] if o["selected"]]
                if not chosen and f["options"] and not f["multiple"]:
                    chosen = [f["options"][0]]  # a single select with nothing selected shows/sends the first
                for o in chosen:
                    out.append((f["name"], o["value"] if o["value"] is not None else o["text"].strip()))
            elif f["kind"] == "textarea":
                out.append((f["name"], f["value"]))
        return out


def schema_leaves(schema: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """dotted path -> property schema, for every non-object property."""
    out: dict[str, dict[str, Any]] = {}
    for key, prop in (schema.get("properties") or {}).items():
        path = f"{prefix}.{key}" if prefix else key
        if prop.get("type") == "object" and prop.get("properties"):
            out.update(schema_leaves(prop, path))
        else:
            out[path] = prop
    return out


def get_path(data: Any, path: str) -> Any:
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return "<absent>"
        node = node[part]
    return node


def shown_value(fields: list[dict[str, Any]], path: str) -> Any:
    """What the browser shows for a schema leaf: a checkbox checked or not, the select's chosen
    option (the first when none is selected), an input's value; several inputs (x.0, x.1...) listed."""
    mine = [f for f in fields if f.get("name") and (f["name"] == path or f["name"].startswith(path + ".")
                                                   or f["name"] == path + "[]")]
    if not mine:
        return "<no field>"
    shown = []
    for f in mine:
        if f["kind"] == "select":
            chosen = [o for o in f["options"] if o["selected"]]
            shown.append(chosen[0]["value"] if chosen else
                         f"{f['options'][0]['value'] if f['options'] else None} (first; none selected)")
        elif f["kind"] == "input" and f["type"] in ("checkbox", "radio"):
            shown.append("checked" if f["checked"] else "unchecked")
        elif f["kind"] == "input" and f["type"] == "hidden":
            continue
        else:
            shown.append(f["value"])
    return shown[0] if len(shown) == 1 else shown


def parse_with_plugin(rig: Rig, before: Any, after: Any) -> dict[str, Any]:
    """The saved section read by error-status's own parser (imported from --plugin-repo's plugin/
    directory), compared with ``PluginSettings()`` field by field."""
    import dataclasses

    plugin_dir = str(Path(rig.args.plugin_repo).resolve() / "plugin")
    if plugin_dir not in sys.path:
        sys.path.insert(0, plugin_dir)
    try:
        from error_status.ledmatrix.config import PluginSettings, parse_settings
    except Exception as error:
        return {"error": f"import: {error!r}"}

    def flat(obj: Any, prefix: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                out.update(flat(value, f"{prefix}{f.name}."))
            else:
                out[f"{prefix}{f.name}"] = repr(value)
        return out

    defaults = flat(PluginSettings())
    result: dict[str, Any] = {"plugin_dir": plugin_dir}
    written = getattr(rig, "config_written", {}).get(ES_ID) or {}
    for label, section in (("written_by_rig", written), ("before", before), ("after", after)):
        try:
            parsed = flat(parse_settings(section))
        except Exception as error:
            result[label] = {"error": repr(error)}
            continue
        result[label] = {"diff_from_defaults": {k: {"default": defaults[k], "parsed": v}
                                                for k, v in parsed.items() if defaults.get(k) != v}}
    for label, section in (("after_equals_before", before), ("after_equals_written_by_rig", written)):
        try:
            result[label] = flat(parse_settings(section)) == flat(parse_settings(after))
        except Exception as error:
            result[label] = repr(error)
    return result


def run_web_checks(rig: Rig) -> dict[str, Any]:
    """In-process Flask test client against the scratch root: the plugin config form and web_ui_actions."""
    assert rig.scratch is not None
    result: dict[str, Any] = {}
    rig.config_before_web = (rig.scratch / "config" / "config.json").read_text()
    result["es_section_written_by_rig"] = getattr(rig, "config_written", {}).get(ES_ID, "<absent>")
    import web_interface.app as webapp

    webapp._reconciliation_started = True  # no store reinstall attempts (network) from the scratch root
    wanted_early = {c.strip() for c in rig.args.web_check.split(",") if c.strip()}
    if "serve" in wanted_early:
        add_open_tab_route(webapp.app)  # before the app's first request (Flask refuses routes after it)
    client = webapp.app.test_client()
    config_path = rig.scratch / "config" / "config.json"
    wanted = {c.strip() for c in rig.args.web_check.split(",") if c.strip()}

    if "form" in wanted:
        plugin = rig.args.web_form_plugin
        schema = json.loads((rig.scratch / "plugin-repos" / plugin / "config_schema.json").read_text())
        leaves = schema_leaves(schema)
        before = json.loads(config_path.read_text()).get(plugin, {})
        page = client.get(f"/v3/partials/plugin-config/{plugin}")
        html = page.get_data(as_text=True)
        (rig.out / "web_form.html").write_text(html, encoding="utf-8")
        parser = FormParser(f"plugin-config-form-{plugin}")
        parser.feed(html)
        pairs = parser.pairs()
        posted: dict[str, list[str]] = defaultdict(list)
        for name, value in pairs:
            posted[name].append(value)
        from werkzeug.datastructures import MultiDict

        response = client.post(f"/api/v3/plugins/config?plugin_id={plugin}", data=MultiDict(pairs),
                               content_type="application/x-www-form-urlencoded")
        after = json.loads(config_path.read_text()).get(plugin, {})
        rows = []
        for path, prop in leaves.items():
            names = [n for n in posted if n == path or n.startswith(path + ".") or n == path + "[]"]
            rows.append({
                "path": path, "type": prop.get("type"),
                "x-widget": prop.get("x-widget") or prop.get("x_widget"),
                "default": prop.get("default"), "before": get_path(before, path),
                "shown": shown_value(parser.fields, path),
                "form_sent": {n: posted[n] for n in names} or "<not sent>",
                "saved": get_path(after, path),
            })
            row = rows[-1]
            row["saved_equals_default"] = row["saved"] == row["default"]
        result["form"] = {
            "plugin": plugin, "get_status": page.status_code, "post_status": response.status_code,
            "post_response": response.get_json(silent=True) or response.get_data(as_text=True)[:500],
            "config_before": before, "config_after": after, "fields": rows,
            "posted_pairs": pairs,
            "config_section_present_before": plugin in json.loads(rig.config_before_web)
            if getattr(rig, "config_before_web", None) else None,
        }
        if plugin == ES_ID:
            result["form"]["parsed"] = parse_with_plugin(rig, before, after)
    if "action" in wanted:
        actions = []
        for action_id, params in (("probe", {}), ("probe", {"x": 1}), ("probe-plain", {"mode": "plain"}),
                                  ("probe-fail", {}), ("probe-nostatus", {}), ("missing", {})):
            started = time.monotonic()
            response = client.post("/api/v3/plugins/action", json={"plugin_id": "es-check-action",
                                                                  "action_id": action_id, "params": params})
            actions.append({"action_id": action_id, "params": params, "status": response.status_code,
                            "seconds": round(time.monotonic() - started, 3),
                            "json": response.get_json(silent=True)})
        page = client.get("/v3/partials/plugin-config/es-check-action").get_data(as_text=True)
        result["action"] = {"calls": actions, "buttons_in_page": page.count("executePluginAction(")}
    if "serve" in wanted:
        result["serve"] = serve_and_screenshot(rig, webapp.app)
    if "load" in wanted:
        result["load"] = load_in_web_process(rig, webapp)
    try:
        from src.cache_manager import CacheManager

        result["web_cache_dir"] = CacheManager().cache_dir
    except Exception as error:
        result["web_cache_dir"] = repr(error)
    return result


OPEN_TAB_SCRIPT = """
<script>
// host_check: open the tab %(tab)s as a click on its nav button would (Alpine's activeTab).
(function () {
  var tries = 0;
  function open() {
    tries += 1;
    var data = window.Alpine && window.Alpine.$data ? window.Alpine.$data(document.body) : null;
    var known = data && (data.installedPlugins || []).some(function (p) { return p.id === %(tab_js)s; });
    if (data && (known || tries > 40)) { data.activeTab = %(tab_js)s; return; }
    if (tries < 80) { setTimeout(open, 100); }
  }
  window.addEventListener('load', function () { setTimeout(open, 200); });
})();
</script>
"""


# The page's server-sent-event streams (stats, display preview, logs) never end, and Chromium's virtual
# time does not advance while a request is pending, so the screenshot would never be taken: the rig's
# copy of the page gets an EventSource that never connects (nothing else on the page changes).
NO_STREAMS_SCRIPT = """<script>
// host_check: no server-sent-event streams in this copy of the page (a headless screenshot waits for them).
window.EventSource = function () { this.readyState = 2; this.close = function () {};
  this.addEventListener = function () {}; this.removeEventListener = function () {}; };
window.EventSource.CONNECTING = 0; window.EventSource.OPEN = 1; window.EventSource.CLOSED = 2;
</script>"""


def add_open_tab_route(app: Any) -> None:
    """``/host-check/open-tab/<tab>``: the host's own ``/v3/`` page with a script that opens ``tab``
    (a plugin id) once Alpine runs: the v3 UI has no URL for a plugin's tab, and a headless
    screenshot cannot click. Served by the rig, in-process; nothing in the host changes."""
    from flask import Response

    def open_tab(tab: str) -> Any:
        page = app.test_client().get("/v3/").get_data(as_text=True)
        script = OPEN_TAB_SCRIPT % {"tab": tab, "tab_js": json.dumps(tab)}
        page = page.replace("<head>", "<head>" + NO_STREAMS_SCRIPT, 1)
        return Response(page.replace("</body>", script + "</body>", 1), mimetype="text/html")

    app.add_url_rule("/host-check/open-tab/<tab>", "host_check_open_tab", open_tab)


def serve_and_screenshot(rig: Rig, app: Any) -> dict[str, Any]:
    """Serve the host's Flask app on 127.0.0.1 (a free port) and take each --web-screenshot with
    headless Chromium; then keep serving for --web-serve-seconds (0: stop at once)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", rig.args.web_port, app, threaded=True)
    port = server.server_port
    threading.Thread(target=server.serve_forever, name="host-check-web", daemon=True).start()
    out: dict[str, Any] = {"url": f"http://127.0.0.1:{port}", "shots": []}
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    for spec in rig.args.web_screenshot or []:
        target, _, png = spec.rpartition("=")
        if not target:
            raise RigError(f"--web-screenshot wants URLPATH=PNG, got {spec!r}")
        url = f"http://127.0.0.1:{port}{target if target.startswith('/') else '/' + target}"
        shot: dict[str, Any] = {"url": url, "png": str(Path(png).resolve())}
        if chromium is None:
            shot["error"] = "no chromium on PATH (apt-get install -y chromium)"
            out["shots"].append(shot)
            continue
        profile = tempfile.mkdtemp(prefix="host-check-chromium-")
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", f"--screenshot={shot['png']}",
                   f"--window-size={rig.args.web_window}",
                   f"--virtual-time-budget={int(rig.args.web_screenshot_wait * 1000)}", url]
        shot["command"] = command
        started = time.monotonic()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
            shot["rc"] = done.returncode
            shot["stderr_tail"] = done.stderr[-800:]
        except (OSError, subprocess.SubprocessError) as error:
            shot["error"] = repr(error)
        shot["seconds"] = round(time.monotonic() - started, 2)
        shot["exists"] = Path(shot["png"]).is_file()
        shutil.rmtree(profile, ignore_errors=True)
        out["shots"].append(shot)
    if rig.args.web_serve_seconds > 0:
        print(f"host_check: serving {out['url']} for {rig.args.web_serve_seconds}s", flush=True)
        time.sleep(rig.args.web_serve_seconds)
    server.shutdown()
    return out


def load_in_web_process(rig: Rig, webapp: Any) -> dict[str, Any]:
    """What the web process does after an install, an update or an enable toggle
    (``api_v3.plugin_manager.load_plugin``/``reload_plugin``): load error-status into the web app's
    own PluginManager (no display manager, no cache manager), then watch it for --web-load-seconds:
    the threads it left, config.json, and the WARNING+ records its loggers wrote."""
    assert rig.scratch is not None
    pm = webapp.plugin_manager
    root_logger = logging.getLogger()
    if rig.log is not None and rig.log not in root_logger.handlers:  # the web app's import re-set logging
        root_logger.addHandler(rig.log)
    before_threads = {t.name for t in threading.enumerate()}
    logged_before = len(rig.log.records) if rig.log else 0
    pm.discover_plugins()
    started = time.monotonic()
    ok = pm.load_plugin(ES_ID)
    out: dict[str, Any] = {"load_plugin": ok, "state": jsonable(pm.state_manager.get_state_info(ES_ID))}
    time.sleep(rig.args.web_load_seconds)
    out["seconds_watched"] = round(time.monotonic() - started, 1)
    out["new_threads"] = sorted({t.name for t in threading.enumerate()} - before_threads)
    out["config_after"] = json.loads((rig.scratch / "config" / "config.json").read_text()).get(ES_ID)
    records = rig.log.records[logged_before:] if rig.log else []
    mine = [r for r in records if "error_status" in r["logger"] or ES_ID in r["logger"]]
    out["plugin_log_records"] = len(mine)
    groups = Counter((r["level"], r["logger"], r["message"][:160]) for r in mine).most_common(8)
    out["plugin_log_groups"] = [{"level": level, "logger": name, "message": message, "count": n}
                                for (level, name, message), n in groups]
    out["plugin_log_first_last_t"] = [mine[0]["t"], mine[-1]["t"]] if mine else None
    return out


def print_web_summary(rig: Rig, web: dict[str, Any]) -> None:
    p = print
    p(f"== host_check web: out={rig.out / 'web.json'}  web process cache dir: {web.get('web_cache_dir')}")
    form = web.get("form")
    if form:
        p(f"form for {form['plugin']}: GET {form['get_status']}, POST {form['post_status']} "
          f"{json.dumps(form['post_response'])[:160]}")
        p(f"error-status section the rig wrote: {json.dumps(web.get('es_section_written_by_rig'))}")
        p(f"section in config.json before: {form.get('config_section_present_before')}  "
          f"before={json.dumps(form['config_before'])}")
        for row in form["fields"]:
            flag = "" if row["saved_equals_default"] else "   <-- saved != default"
            p(f"  {row['path']:<28} {row['type']!s:<8} default={json.dumps(row['default'])} "
              f"before={json.dumps(row['before'])} shown={json.dumps(row['shown'])} "
              f"sent={json.dumps(row['form_sent'])} saved={json.dumps(row['saved'])}{flag}")
        parsed = form.get("parsed")
        if parsed:
            for label in ("written_by_rig", "before", "after"):
                p(f"parse_settings({label}) vs PluginSettings(): {json.dumps(parsed.get(label))}")
            p(f"parse_settings(after) == parse_settings(before): {parsed.get('after_equals_before')}; "
              f"== parse_settings(written_by_rig): {parsed.get('after_equals_written_by_rig')}")
    serve = web.get("serve")
    if serve:
        p(f"served {serve['url']}")
        for shot in serve["shots"]:
            p(f"  screenshot {shot['url']} -> {shot['png']} (exists {shot.get('exists')}, "
              f"rc {shot.get('rc')}, {shot.get('seconds')}s)"
              f"{' ' + shot['error'] if shot.get('error') else ''}")
    load = web.get("load")
    if load:
        p(f"loaded into the web process's PluginManager: {load['load_plugin']} "
          f"(state {load['state'].get('state')}); "
          f"after {load['seconds_watched']}s new threads {load['new_threads']}; its loggers wrote "
          f"{load['plugin_log_records']} WARNING+ records (t {load['plugin_log_first_last_t']})")
        for group in load["plugin_log_groups"]:
            p(f"  {group['count']:4d}x {group['level']} {group['logger']}: {group['message']}")
        p(f"  config.json {ES_ID} after: {json.dumps(load['config_after'])}")
    action = web.get("action")
    if action:
        p(f"web_ui_actions: {action['buttons_in_page']} buttons rendered")
        for call in action["calls"]:
            p(f"  {call['action_id']} params={call['params']} -> HTTP {call['status']} "
              f"in {call['seconds']}s: {json.dumps(call['json'])[:300]}")


# --------------------------------------------------------------------------------------- report

def first_board_alert(rig: Rig, pid: str) -> tuple[float | None, float | None]:
    """(first time the board had an alert naming pid, first time its health dot was not healthy)."""
    alert_t = health_t = None
    for change in rig.board_changes:
        if alert_t is None and any(pid in str(a.get("plugin_id")) or pid in str(a.get("message"))
                                   for a in change["alerts"]):
            alert_t = change["t"]
        if health_t is None and any(h.get("plugin_id") == pid and str(h.get("state")).lower()
                                    not in ("healthy", "unknown") for h in change["health"]):
            health_t = change["t"]
    return alert_t, health_t


def circuit_events(rig: Rig, pid: str) -> list[dict[str, Any]]:
    """Circuit transitions. A half-open attempt that fails lasts milliseconds, so a re-open is also
    recognised by a new circuit_opened_time while the state stays "open"."""
    events = []
    prev, prev_opened = "closed", None
    for sample in rig.health.get(pid, []):
        state, opened = sample.get("circuit_state"), sample.get("circuit_opened_time")
        reopened = state == prev == "open" and opened != prev_opened
        if state != prev or reopened:
            events.append({"t": sample["t"], "from": "open (re-opened)" if reopened else prev, "to": state,
                           "consecutive_failures": sample.get("consecutive_failures"),
                           "total_failures": sample.get("total_failures")})
        prev, prev_opened = state, opened
    return events


def first_failure(rig: Rig, pid: str) -> tuple[float | None, str | None]:
    """The first failure signal the host gave for pid: health failure, aggregator record or ERROR log."""
    candidates = []
    for sample in rig.health.get(pid, []):
        if sample.get("total_failures"):
            candidates.append((sample["t"], "health_tracker.total_failures"))
            break
    if pid in rig.aggregator_first:
        candidates.append((rig.aggregator_first[pid], "aggregator.plugin_error_counts"))
    for record in rig.log.records if rig.log else []:
        if record["level"] in ("ERROR", "CRITICAL") and (
                pid in (record.get("plugin_id"), record.get("exc_plugin")) or pid in record["message"]):
            candidates.append((record["t"], f"log {record['logger']}"))
            break
    if not candidates:
        return None, None
    return min(candidates)


def build_report(rig: Rig) -> dict[str, Any]:
    args = rig.args
    frames = [f for f in rig.frames if "stats" in f or "writer_error" in f]
    if rig.turns and rig.turns[-1]["end"] is None:
        rig.turns[-1]["end"] = getattr(rig, "run_ended", rig.t())
    per_mode: dict[str, dict[str, Any]] = {}
    for f in frames:
        m = per_mode.setdefault(str(f["mode"]), {"frames": 0, "distinct": 0, "looks": Counter(),
                                                 "colours": Counter(), "threads": Counter(),
                                                 "first_t": f["t"], "last_t": f["t"]})
        m["frames"] += 1
        m["distinct"] += 1 if f.get("new") else 0
        m["looks"][f.get("look", "?")] += 1
        m["threads"][f["thread"]] += 1
        m["last_t"] = f["t"]
        for name in (*PALETTE, "other", "lit"):
            m["colours"][name] += f.get("stats", {}).get(name, 0)
    for turn in rig.turns:
        turn["frames"] = sum(1 for f in frames if f["mode"] == turn["mode"]
                             and turn["start"] <= f["t"] <= (turn["end"] or 1e9))
    pm = rig.plugin_manager
    manifests = sorted((getattr(pm, "plugin_manifests", {}) or {}).keys()) if pm else []
    loaded = sorted((getattr(pm, "plugins", {}) or {}).keys()) if pm else []
    final_state = {}
    final_health = {}
    last_update = {}
    for pid in manifests:
        try:
            final_state[pid] = jsonable(pm.state_manager.get_state_info(pid))
        except Exception as error:
            final_state[pid] = repr(error)
        tracker = getattr(pm, "health_tracker", None)
        if tracker is not None:
            final_health[pid] = jsonable(tracker.get_health_summary(pid))
        raw = (getattr(pm, "plugin_last_update", {}) or {}).get(pid)
        last_update[pid] = None if raw is None else round(raw - rig.t0_wall, 3) if raw else 0.0
    try:
        from src.error_aggregator import get_error_aggregator

        agg = get_error_aggregator().get_error_summary()
        aggregator = {"total_errors": agg.get("total_errors"),
                      "plugin_error_counts": agg.get("plugin_error_counts"),
                      "error_counts_by_type": agg.get("error_counts_by_type"),
                      "active_patterns": {k: {kk: vv for kk, vv in v.items() if kk != "affected_plugins"}
                                          | {"affected_plugins": sorted(set(v.get("affected_plugins", [])))}
                                          for k, v in (agg.get("active_patterns") or {}).items()},
                      "recent_errors": [{kk: r.get(kk) for kk in ("error_type", "message", "plugin_id",
                                                                   "operation", "timestamp")}
                                        for r in (agg.get("recent_errors") or [])[-10:]],
                      "first_record_t": rig.aggregator_first}
    except Exception as error:
        aggregator = {"error": repr(error)}
    logs = rig.log.records if rig.log else []
    log_groups = Counter((r["level"], r["logger"], r["plugin_id"], r.get("exc_plugin"), r["template"])
                         for r in logs)

    per_plugin = {}
    for pid in rig.enabled_ids:
        if pid == ES_ID:
            continue
        alert_t, health_t = first_board_alert(rig, pid)
        fail_t, fail_src = first_failure(rig, pid)
        per_plugin[pid] = {
            "circuit_events": circuit_events(rig, pid),
            "first_failure_t": fail_t, "first_failure_source": fail_src,
            "board_first_alert_t": alert_t, "board_first_unhealthy_dot_t": health_t,
        }

    es_frames = [f for f in frames if f["plugin"] == ES_ID]
    report = {
        "tool": "error-status scripts/host_check.py",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(rig.t0_wall)),
        "args": vars(args),
        "host": {"path": str(Path(args.host).resolve()), "commit": git_commit(Path(args.host))},
        "plugin_repo": {"path": str(Path(args.plugin_repo).resolve()), "ref": args.plugin_ref,
                        "head": git_commit(Path(args.plugin_repo)),
                        "dirty_tree_used": not args.plugin_ref and git_dirty(Path(args.plugin_repo))},
        "scratch": str(rig.scratch), "scratch_kept": bool(args.keep_scratch),
        "size": [rig.width, rig.height],
        "timing": {"controller_init_s": getattr(rig, "init_seconds", None), "run_started_t": rig.run_started,
                   "run_ended_t": getattr(rig, "run_ended", None)},
        "plugins": {"enabled_in_config": rig.enabled_ids, "discovered": manifests, "loaded": loaded,
                    "discovered_not_loaded": [p for p in manifests if p not in loaded],
                    "available_modes": list(getattr(rig.controller, "available_modes", []) or [])},
        "frames_total": len(frames), "swaps_total": rig.swaps, "swaps_outside_update_display": rig.clears,
        "modes": {k: {**v, "looks": dict(v["looks"]), "colours": dict(v["colours"]),
                      "threads": dict(v["threads"])} for k, v in per_mode.items()},
        "error_status": {
            "frames": len(es_frames),
            "all_clear": sum(1 for f in es_frames if f.get("look") == "all_clear"),
            "all_clear_marked": sum(1 for f in es_frames if f.get("look") == "all_clear_marked"),
            "alert": sum(1 for f in es_frames if f.get("look") == "alert"),
            "other": sum(1 for f in es_frames if f.get("look") == "other"),
            "first_alert_frame_t": next((f["t"] for f in es_frames if f.get("look") == "alert"), None),
            "board_path": rig.board_path, "board_error": rig.board_error,
            "board_changes": rig.board_changes[:200],
        },
        "per_plugin": per_plugin,
        "turns": rig.turns,
        "dwells": rig.dwells,
        "health_samples": dict(rig.health),
        "state_samples": dict(rig.states),
        "final_state_info": final_state,
        "final_health": final_health,
        "plugin_last_update_t": last_update,
        "aggregator": aggregator,
        "log": {"path": "host.log", "count_by_level": dict(Counter(r["level"] for r in logs)),
                "groups": [{"level": k[0], "logger": k[1], "plugin_id": k[2], "traceback_plugin": k[3],
                            "template": k[4], "count": n} for k, n in log_groups.most_common()]},
        "log_handlers": {name or "root": [type(h).__module__ + "." + type(h).__name__
                                          for h in logging.getLogger(name).handlers]
                         for name in ("", "plugin", f"plugin.{ES_ID}")},
        "notes": rig.notes[:50],
        "web_actions": analyse_actions(rig, frames) if rig.actions else [],
        "frames": [{k: v for k, v in f.items() if not k.startswith("_")} for f in frames],
    }
    try:
        keys = sorted(p.name for p in (rig.scratch / "cache").iterdir()) if rig.scratch else []
        report["cache_files"] = keys
    except OSError:
        pass
    return report


def run_expectations(rig: Rig, report: dict[str, Any]) -> None:
    args = rig.args
    es_frames = [f for f in report["frames"] if f["plugin"] == ES_ID]
    for name in args.expect_alert or []:
        pid = resolve_plugin_id(name, rig.enabled_ids)
        info = report["per_plugin"].get(pid, {})
        ref, source = None, None
        if args.expect_from == "circuit":
            opened = [e["t"] for e in info.get("circuit_events", []) if e["to"] == "open"]
            if opened:
                ref, source = opened[0], "circuit opened"
        if ref is None:
            ref, source = info.get("first_failure_t"), info.get("first_failure_source")
        if ref is None:
            rig.check(f"expect-alert {pid}", False, "the host never reported a failure of this plugin")
            continue
        after = [f for f in es_frames if f["t"] >= ref + args.alert_grace]
        clear = [f for f in after if f.get("look") in CLEAR_LOOKS]
        alert = [f for f in after if f.get("look") == "alert"]
        ok = bool(after) and not clear
        detail = {"reference_t": ref, "reference": source, "grace_s": args.alert_grace,
                  "es_frames_after": len(after), "all_clear_after": len(clear), "alert_after": len(alert),
                  "first_all_clear_after": clear[0].get("png") or clear[0]["t"] if clear else None}
        if not after:
            detail["why"] = "no error-status frame after the grace period"
        rig.check(f"expect-alert {pid}", ok, detail)
    if args.expect_all_clear:
        start = (rig.run_started or 0) + args.alert_grace
        after = [f for f in es_frames if f["t"] >= start]
        bad = [f for f in after if f.get("look") in ("alert", "all_clear_marked")]
        rig.check("expect-all-clear", bool(after) and not bad,
                  {"es_frames_after": len(after), "alert_after": len(bad),
                   "first_alert": (bad[0].get("png") or bad[0]["t"]) if bad else None})


def contact_sheet(rig: Rig, report: dict[str, Any]) -> None:
    """turns.png: per turn (up to 40), its first, middle and last saved frame in LED look."""
    if not rig.args.keep_images:
        return
    from PIL import Image, ImageDraw

    by_turn = []
    for turn in report["turns"][:40]:
        frames = [f for f in rig.frames if f["mode"] == turn["mode"] and "_image" in f
                  and turn["start"] <= f["t"] <= (turn["end"] or 1e9)]
        if frames:
            picks = [frames[0], frames[len(frames) // 2], frames[-1]]
            by_turn.append((turn, picks))
    if not by_turn:
        return
    cell = 3
    tile_w, tile_h = rig.width * (cell + 1), rig.height * (cell + 1)
    label_w = 150
    sheet = Image.new("RGB", (label_w + 3 * (tile_w + 6), len(by_turn) * (tile_h + 6)), (0, 0, 0))
    draw = ImageDraw.Draw(sheet)
    for row, (turn, picks) in enumerate(by_turn):
        y = row * (tile_h + 6)
        draw.text((4, y + 4), f"{turn['start']:.1f}s {turn['mode']}", fill=(200, 200, 200))
        draw.text((4, y + 18), f"{turn.get('frames', 0)} frames", fill=(140, 140, 140))
        for col, frame in enumerate(picks):
            sheet.paste(led_look(frame["_image"], cell, 1), (label_w + col * (tile_w + 6), y))
    sheet.save(rig.out / "turns.png")


def print_summary(rig: Rig, report: dict[str, Any]) -> None:
    p = print
    scenario = "custom" if rig.args.plugins is not None else rig.args.scenario
    p(f"== host_check: scenario={scenario} plugins={','.join(rig.enabled_ids)} "
      f"size={rig.width}x{rig.height} seconds={rig.args.seconds} out={rig.out}")
    p(f"host {report['host']['commit'] or '?'}  controller init {report['timing']['controller_init_s']}s, "
      f"run {report['timing']['run_started_t']}s..{report['timing']['run_ended_t']}s")
    plugins = report["plugins"]
    p(f"loaded: {', '.join(plugins['loaded'])}"
      + (f"; discovered but NOT loaded: {', '.join(plugins['discovered_not_loaded'])}"
         if plugins["discovered_not_loaded"] else ""))
    p(f"frames pushed: {report['frames_total']}  (panel swaps {report['swaps_total']}, "
      f"of which outside update_display {report['swaps_outside_update_display']})")
    for mode, m in sorted(report["modes"].items()):
        looks = ", ".join(f"{k} {v}" for k, v in sorted(m["looks"].items()))
        p(f"  {mode:<22} {m['frames']:5d} frames ({m['distinct']} distinct)  looks: {looks}")
    turns = Counter(t["mode"] for t in report["turns"])
    p("mode changes: " + ", ".join(f"{k} x{v}" for k, v in turns.items()))
    dwells = Counter((d["plugin"], d["result"]) for d in report["dwells"])
    p("dwells (first display() of a turn -> result): "
      + ", ".join(f"{k[0]}->{k[1]} x{v}" for k, v in sorted(dwells.items(), key=str)))
    es = report["error_status"]
    p(f"error-status frames: {es['frames']}  all-clear {es['all_clear']}  "
      f"all-clear-with-red/orange/amber-marks {es['all_clear_marked']}  alert {es['alert']}  "
      f"other {es['other']}  first alert frame at {es['first_alert_frame_t']}")
    es_turns = []
    for turn in report["turns"]:
        if turn["plugin"] != ES_ID:
            continue
        looks = Counter(f.get("look") for f in report["frames"] if f["plugin"] == ES_ID
                        and turn["start"] <= f["t"] <= (turn["end"] or 1e9))
        shown = "+".join(f"{k}x{v}" for k, v in looks.items()) or "no push"
        es_turns.append(f"{turn['start']:.1f}s {shown}")
    p("  turns: " + "; ".join(es_turns))
    p(f"  board: path {'.'.join(es['board_path']) if es['board_path'] else None}"
      + (f" ({es['board_error']})" if es["board_error"] and not es["board_path"] else "")
      + f", {len(es['board_changes'])} changes")
    for pid, info in report["per_plugin"].items():
        events = "; ".join(f"{e['t']}s {e['from']}->{e['to']} (consecutive {e['consecutive_failures']})"
                           for e in info["circuit_events"]) or "never left closed"
        p(f"  {pid}: circuit {events}")
        p(f"      first failure seen by host: {info['first_failure_t']} ({info['first_failure_source']}); "
          f"board alert naming it: {info['board_first_alert_t']}; "
          f"its dot unhealthy: {info['board_first_unhealthy_dot_t']}")
        state = report["final_state_info"].get(pid)
        if isinstance(state, dict):
            p(f"      final state {state.get('state')}, error_info {state.get('error_info')}")
        health = report["final_health"].get(pid)
        if health:
            p(f"      final health: circuit {health['circuit_state']}, "
              f"consecutive {health['consecutive_failures']}, total failures {health['total_failures']}, "
              f"successes {health['total_successes']}")
    agg = report["aggregator"]
    p(f"host aggregator: total {agg.get('total_errors')}, by plugin {agg.get('plugin_error_counts')}, "
      f"patterns {list((agg.get('active_patterns') or {}).keys())}")
    p(f"host log WARNING+: {report['log']['count_by_level']}  (see {rig.out / 'host.log'})")
    for group in report["log"]["groups"][:12]:
        tags = (f" [{group['plugin_id']}]" if group["plugin_id"] else "") + (
            f" (traceback in {group['traceback_plugin']})" if group["traceback_plugin"] else "")
        p(f"  {group['count']:4d}x {group['level']:<7} {group['logger']}{tags}: {group['template'][:90]}")
    for action in report.get("web_actions") or []:
        if "t_start" not in action:
            p(f"web action {action['name']}: skipped ({action.get('skipped')})")
            continue
        p(f"web action {action['name']} ({action.get('via')}): {action['t_start']}s..{action['t_end']}s "
          f"({action['seconds']}s) "
          f"rc {action['rc']} -> {json.dumps(action['json'])[:400]}")
        if action.get("stderr"):
            p(f"    stderr: {action['stderr'][-300:]!r}")
        last = action["last_frame_before"]
        other = action["first_other_look"]
        p(f"    es on screen since {action['es_on_screen_at_start_since']}; before: {action['looks_before']} "
          f"(last {last['t'] if last else None} {last['look'] if last else None}); first es frame after "
          f"{action['first_es_frame_after_start_t']}, first unseen {action['first_unseen_frame_t']}, "
          f"first other look {other['t'] if other else None} {other['look'] if other else None}")
        change = action["board_change_after"]
        summary = ([(a['plugin_id'], a['severity'], a['error_type']) for a in change['alerts']]
                   if change else None)
        p(f"    board change at {change['t'] if change else None}: {summary}")
        p(f"    first es frame after applied: {action['first_es_frame_after_applied']}; es turns after "
          f"(start, frames): {[(t['start'], t['frames']) for t in action['es_turns_after'][:6]]}")
        p(f"    looks after: {action['looks_after_windows']}; es display() results after: "
          f"{action['es_dwells_after']}; pngs {action['pngs']}")
    for check in rig.checks:
        p(f"CHECK {'PASS' if check['ok'] else 'FAIL'} {check['name']}: {check['detail']}")
    for note in rig.notes[:5]:
        p(f"note: {note}")


def load_hook(path: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"host_check_hook_{Path(path).stem}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load hook {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", required=True, help="LEDMatrix checkout (only read)")
    ap.add_argument("--plugin-repo", required=True, help="the error-status repository to install")
    ap.add_argument("--plugin-ref", help="install this git revision of --plugin-repo, not its working tree")
    ap.add_argument("--scenario", default="healthy", help=f"one of {', '.join(SCENARIOS)}")
    ap.add_argument("--plugins", help="comma-separated test plugin ids instead of the scenario's")
    ap.add_argument("--extra-plugin-dir", action="append", help="more directories holding test plugins")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long run() runs")
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--size", default="64x32", help="panel WxH")
    ap.add_argument("--display-duration", type=float, default=5.0, help="seconds per turn for every plugin")
    ap.add_argument("--brightness", type=int, default=100, help="display.hardware.brightness")
    ap.add_argument("--es-config", help="JSON merged into error-status's config.json entry")
    ap.add_argument("--plugin-config", action="append", metavar="ID=JSON",
                    help="JSON merged into a plugin's config entry ('raiser={\"heal_after\": 30}')")
    ap.add_argument("--config-patch", help="JSON deep-merged into the whole config.json")
    ap.add_argument("--save", choices=["none", "es-distinct", "all-distinct", "all"], default="es-distinct",
                    help="PNGs: every distinct error-status frame plus a sample of others (default)")
    ap.add_argument("--sample-other", type=int, default=5, help="save every Nth distinct other-mode frame")
    ap.add_argument("--led-cell", type=int, default=6, help="LED-look block size in px (plus a 1 px gap)")
    ap.add_argument("--region", action="append", metavar="NAME=x,y,w,h",
                    help="also count colours in a region")
    ap.add_argument("--sample-interval", type=float, default=0.1, help="health/board sampling period")
    ap.add_argument("--log-level", default="info", help="host log level (run.py uses INFO; DEBUG with -e)")
    ap.add_argument("--log-console", action="store_true", help="keep the host's console log handler")
    ap.add_argument("--expect-alert", action="append", metavar="PLUGIN",
                    help="fail if error-status looks all-clear after this plugin failed (+grace)")
    ap.add_argument("--expect-from", choices=["circuit", "failure"], default="circuit",
                    help="reference time for --expect-alert: circuit opened (falls back to first failure)")
    ap.add_argument("--expect-all-clear", action="store_true",
                    help="fail if an error-status frame after the grace period looks like an alert")
    ap.add_argument("--alert-grace", type=float, default=10.0, help="seconds allowed after the reference")
    ap.add_argument("--circuit-cooldown", type=float,
                    help="host circuit breaker: seconds open before half-open (host default 300)")
    ap.add_argument("--half-open-timeout", type=float,
                    help="host circuit breaker half-open timeout (default 60)")
    ap.add_argument("--hook", action="append", help="Python file with on_ready/on_frame/on_sample/on_end")
    ap.add_argument("--web-check", help="instead of the display run: 'form' (render the plugin config form, "
                    "submit it as a browser would, diff config.json), 'action' (web_ui_actions probes) "
                    "and/or 'serve' (serve the app on 127.0.0.1, take --web-screenshot) and/or 'load' (load "
                    "error-status into the web app's PluginManager, as the web process does after an "
                    "install/update/enable, and watch it)")
    ap.add_argument("--web-form-plugin", default=ES_ID, help="plugin whose config form --web-check form uses")
    ap.add_argument("--web-after-run", action="store_true",
                    help="run the display first (--seconds), then the --web-check checks on the same scratch "
                    "root (e.g. after error-status rewrote its config.json section)")
    ap.add_argument("--es-section", metavar="JSON|absent",
                    help="error-status's whole config.json entry, replacing the rig's default "
                    "(--es-config is ignored); 'absent': no entry at all")
    ap.add_argument("--web-screenshot", action="append", metavar="URLPATH=PNG",
                    help="with --web-check serve: a headless Chromium screenshot of this path of the served "
                    "app ('/host-check/open-tab/<plugin>' is the /v3/ page with that plugin's tab open)")
    ap.add_argument("--web-port", type=int, default=0,
                    help="--web-check serve: port on 127.0.0.1 (0: any free)")
    ap.add_argument("--web-window", default="1280,2200", help="screenshot window size W,H")
    ap.add_argument("--web-screenshot-wait", type=float, default=15.0,
                    help="Chromium's --virtual-time-budget, seconds (the page's scripts run meanwhile)")
    ap.add_argument("--web-load-seconds", type=float, default=70.0,
                    help="--web-check load: how long to watch error-status loaded in the web process")
    ap.add_argument("--web-serve-seconds", type=float, default=0.0,
                    help="--web-check serve: keep serving this long after the screenshots")
    ap.add_argument("--web-action", action="append", metavar="NAME@T[:es][:api]",
                    help="during the display run, T seconds after run() starts, run error-status's "
                    "web_actions/NAME.py as the web process does (python3 from PATH, "
                    "LEDMATRIX_ROOT=<scratch>, ERROR_STATUS_CACHE_DIR=<scratch>/cache, CWD the scratch root, "
                    "stdin '{}'); ':es' waits further until error-status has been on screen for a second; "
                    "':api' posts the button's request to the host's own /api/v3/plugins/action instead "
                    "(its Flask app imported in-process). Repeatable")
    ap.add_argument("--web-action-stdin", choices=["json", "devnull"], default="json",
                    help="the action's stdin: '{}' (the JSON an API caller sends) or /dev/null (a button "
                    "under systemd)")
    ap.add_argument("--stop-grace", type=float, default=20.0, help="watchdog: seconds past the deadline")
    ap.add_argument("--scratch-parent", help="where the scratch host root is made (default: system temp)")
    ap.add_argument("--keep-scratch", action="store_true", help="do not delete the scratch host root")
    ap.add_argument("--no-keep-images", dest="keep_images", action="store_false",
                    help="do not keep frames in memory (no turns.png; for very long runs)")
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        rig = Rig(args)
    except RigError as error:
        print(f"host_check: {error}", file=sys.stderr)
        return 2
    rig.out.mkdir(parents=True, exist_ok=True)
    for stale in ("frames", "frames_led"):
        shutil.rmtree(rig.out / stale, ignore_errors=True)
    rig.hooks = [load_hook(h) for h in args.hook or []]
    status = 0
    writer = threading.Thread(target=rig.writer_loop, name="host-check-writer", daemon=True)
    sampler = threading.Thread(target=rig.sampler_loop, name="host-check-sampler", daemon=True)
    try:
        rig.prepare_scratch()
        rig.setup_process()
        if args.web_check and not args.web_after_run:
            web = run_web_checks(rig)
            (rig.out / "web.json").write_text(json.dumps(web, indent=1, default=repr), encoding="utf-8")
            print_web_summary(rig, web)
            if rig.log:
                rig.log.close()
            if rig.scratch and not args.keep_scratch:
                shutil.rmtree(rig.scratch, ignore_errors=True)
            sys.stdout.flush()
            os._exit(0)
        writer.start()
        rig.build_controller()
        sampler.start()
        rig.run()
    except RigError as error:
        print(f"host_check: {error}", file=sys.stderr)
        rig.notes.append(f"rig error: {error}")
        status = 2
    except BaseException:
        traceback.print_exc()
        rig.notes.append("rig failed: " + traceback.format_exc(limit=3))
        status = 2
    finally:
        rig.stopping.set()
        if sampler.is_alive():
            sampler.join(timeout=5)
        if writer.is_alive():
            rig.writer_queue.put(None)
            writer.join(timeout=60)
    report = build_report(rig)
    run_expectations(rig, report)
    if args.web_check and args.web_after_run and status == 0:
        try:
            web = run_web_checks(rig)
            (rig.out / "web.json").write_text(json.dumps(web, indent=1, default=repr), encoding="utf-8")
            report["web"] = web
        except Exception:
            traceback.print_exc()
            status = 2
    for hook in rig.hooks:
        if hasattr(hook, "on_end"):
            try:
                hook.on_end(rig, report)
            except Exception as error:
                rig.check(f"hook {getattr(hook, '__name__', '?')} on_end", False, repr(error))
    report["checks"] = rig.checks
    (rig.out / "report.json").write_text(json.dumps(report, indent=1, default=repr), encoding="utf-8")
    try:
        contact_sheet(rig, report)
    except Exception as error:
        rig.notes.append(f"contact sheet: {error!r}")
    print_summary(rig, report)
    if report.get("web"):
        print_web_summary(rig, report["web"])
    if rig.log:
        rig.log.close()
    if rig.scratch and not args.keep_scratch:
        shutil.rmtree(rig.scratch, ignore_errors=True)
    elif rig.scratch:
        print(f"scratch host root kept: {rig.scratch}")
    if status == 0 and any(not c["ok"] for c in rig.checks):
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # host and plugin threads (some non-daemon) must not keep the process alive


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
