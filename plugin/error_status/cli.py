"""``error-status``: the command line (demo, watch, render, pictures)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from . import __version__
from .aggregator import ErrorAggregator
from .aggregator.records import ErrorPattern
from .board import AlertBoard, alert_from_pattern
from .cli_args import existing_directory, output_file, panel_size, pixel_scale, positive_number, tcp_port
from .clock import SYSTEM_CLOCK, Clock, ManualClock
from .demo import run
from .fleet import FleetService, MetricsUnavailable, parse_fleet_settings
from .fleet.watch import watch
from .model import BoardSnapshot, HealthState, PluginHealth
from .panels import PANEL_KINDS, MemoryPanel, Panel, PanelUnavailable, Recorder, open_panel
from .panels.picture import render_picture, side_by_side
from .panels.recording import FrameLog
from .render import Renderer
from .render.examples import SCENES
from .render.mark import example_frames
from .render.style import Style


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``error-status`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.verbose else logging.ERROR,
                        format="%(asctime)s %(name)s: %(message)s")
    check = getattr(args, "check", None)
    if check is not None:
        check(parser, args)
    try:
        return int(args.run(args))
    except (ValueError, OSError, PanelUnavailable, MetricsUnavailable) as error:
        print(f"error-status: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    parser = argparse.ArgumentParser(prog="error-status", description="error-status: the command line "
                                     "(demo, watch, render, pictures).")
    parser.add_argument("--version", action="version", version=f"error-status {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log pattern changes")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="a synthetic error storm on a panel, or recorded to a file")
    _panel_arguments(demo)
    demo.set_defaults(run=_demo)

    fleet = commands.add_parser("watch", help="a panel showing a fleet's alerts from Alertmanager")
    fleet.add_argument("--alertmanager", required=True, metavar="URL",
                       help="Alertmanager's address, e.g. http://alertmanager:9093")
    fleet.add_argument("--matcher", action="append", default=[], metavar="MATCHER",
                       help='only alerts matching, e.g. severity=~"critical|error" (repeatable)')
    fleet.add_argument("--token-file", default="", help="a file holding a bearer token for Alertmanager")
    fleet.add_argument("--poll", type=float, default=15.0, help="seconds between polls (default 15)")
    _panel_arguments(fleet)
    fleet.set_defaults(run=_watch)

    render = commands.add_parser("render", help="a PNG of the board from an exported JSON or a scene")
    source = render.add_mutually_exclusive_group(required=True)
    source.add_argument("export", nargs="?", type=Path, help="a file written by export_to_file()")
    source.add_argument("--scene", choices=sorted(SCENES), help="one of the built-in scenes")
    render.add_argument("--output", type=output_file(".png"), required=True,
                        help="the PNG to write (into an existing directory)")
    render.add_argument("--size", type=panel_size, default=(64, 32), help="panel size WxH (default 64x32)")
    render.add_argument("--scale", type=pixel_scale, default=1,
                        help="pixel size (default 1: the panel's pixels)")
    render.add_argument("--led", action="store_true", help="draw LEDs with gaps (needs --scale >= 2)")
    render.set_defaults(check=_check_render)
    render.add_argument("--at", type=float, default=0.0, help="seconds into the scroll (default 0)")
    render.set_defaults(run=_render)

    pictures = commands.add_parser("pictures", help="the README's pictures (PNGs and the demo GIF)")
    pictures.add_argument("directory", type=existing_directory, nargs="?", default="docs",
                          help="an existing directory to write them into, replacing files of the same "
                          "names (default: docs)")
    pictures.set_defaults(run=_pictures)
    return parser


def _check_render(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Arguments that only make sense together."""
    if args.led and args.scale < 2:
        parser.error("--led needs --scale 2 or more (each LED is a dot and a dark gap)")


def _panel_arguments(command: argparse.ArgumentParser) -> None:
    """What demo and watch share: the panel, recording and metrics options."""
    command.add_argument("--seconds", type=positive_number,
                         help="how long (default: until Ctrl-C; 30 with --output)")
    command.add_argument("--output", type=output_file(".gif", ".png"),
                         help="an animated .gif to record, or a .png of the last frame (in a directory "
                         "that exists)")
    command.add_argument("--size", type=panel_size, default=(64, 32), help="panel size WxH (default 64x32)")
    command.add_argument("--panel", choices=PANEL_KINDS, default="auto",
                         help="auto: a real panel, else the emulator in a browser, else memory")
    command.add_argument("--port", type=tcp_port, default=8888,
                         help="the browser emulator's port (default 8888)")
    command.add_argument("--fps", type=positive_number, default=25.0, help="frames per second (default 25)")
    command.add_argument("--speed", type=positive_number, default=25.0,
                         help="ticker speed, pixels per second")
    command.add_argument("--scale", type=pixel_scale, default=6, help="pixel size of recorded pictures")
    command.add_argument("--flat", action="store_true", help="recorded pictures without the LED look")
    command.add_argument("--metrics-port", type=int, default=0, metavar="PORT",
                         help="serve Prometheus metrics on this port (needs prometheus_client)")
    command.add_argument("--metrics-bind", default="127.0.0.1", metavar="ADDRESS",
                         help="the address the metrics listen on (default 127.0.0.1: this machine only)")


def _fleet(args: argparse.Namespace, clock: Clock = SYSTEM_CLOCK, **config: object) -> FleetService:
    """The fleet features the command line asks for (validated like the plugin's config)."""
    settings = parse_fleet_settings({"metrics_port": args.metrics_port, "metrics_bind": args.metrics_bind,
                                     **config})
    return FleetService(settings, version=__version__, clock=clock)


def _demo(args: argparse.Namespace) -> int:
    """Play the storm live, or record it."""
    width, height = args.size
    style = Style(scroll_speed=args.speed)
    output = args.output
    recording = ManualClock()  # when recording, the storm (and the metrics' refresh) run on it
    fleet = _fleet(args, recording if output is not None else SYSTEM_CLOCK)
    fleet.start(strict=True)
    if fleet.endpoint is not None:
        print(f"metrics at {fleet.endpoint.url}")

    def observe(aggregator: ErrorAggregator, board: AlertBoard) -> None:
        fleet.cycle(board, aggregator)

    observer = observe if fleet.settings.metrics_enabled else None
    try:
        panel = MemoryPanel(width, height) if output is not None else _open(args)
        if isinstance(panel, MemoryPanel):
            if output is None:
                output = Path("error-status-demo.gif")
                print(f"no panel or emulator here: recording to {output.resolve()} instead "
                      "(install the [emulator] extra to watch the demo in a browser)")
            seconds = args.seconds if args.seconds is not None else 30.0
            log, frames = _record(width, height, seconds, args.fps, style, recording, observer)
            _save(log, output, args.fps, args.scale, not args.flat)
            print(f"wrote {output} ({frames} frames, {seconds:g} s at {args.fps:g} fps, {width}x{height})")
            return 0
        url = getattr(panel, "url", None)
        where = f" at {url}" if url else ""
        print(f"showing the demo on {type(panel).__name__}{where}; Ctrl-C stops")
        try:
            run(panel, args.seconds, args.fps, style, observer=observer)
        finally:
            panel.close()
        return 0
    finally:
        fleet.stop()


def _watch(args: argparse.Namespace) -> int:
    """Show a fleet's Alertmanager alerts live, or record them."""
    fleet = _fleet(args, alertmanager_url=args.alertmanager, alertmanager_matchers=args.matcher,
                   alertmanager_token_file=args.token_file, alertmanager_poll_seconds=args.poll)
    width, height = args.size
    output = args.output
    panel = MemoryPanel(width, height) if output is not None else _open(args)
    seconds = args.seconds
    if isinstance(panel, MemoryPanel):
        if output is None:
            output = Path("error-status-watch.gif")
            print(f"no panel or emulator here: recording to {output} instead")
        seconds = seconds if seconds is not None else 30.0
    else:
        url = getattr(panel, "url", None)
        print(f"watching {fleet.source.display_url if fleet.source else '?'} on {type(panel).__name__}"
              + (f" at {url}" if url else "") + "; Ctrl-C stops")
    try:
        frames = watch(panel, fleet, seconds, args.fps, Style(scroll_speed=args.speed),
                       on_start=lambda: _announce(fleet))
    finally:
        panel.close()
    if isinstance(panel, MemoryPanel) and output is not None:
        _save(panel, output, args.fps, args.scale, not args.flat)
        print(f"wrote {output} ({frames} frames, {width}x{height})")
    return 0


def _open(args: argparse.Namespace) -> Panel:
    """The panel to show on; the headless emulator shows nobody anything, so the browser one."""
    kind = args.panel
    if kind == "emulator":
        print("--panel emulator is RGBMatrixEmulator's headless 'raw' adapter, which shows nothing; "
              "showing it in your browser instead (--panel emulator-browser)")
        kind = "emulator-browser"
    width, height = args.size
    return open_panel(kind, width, height, port=args.port)


def _record(width: int, height: int, seconds: float, fps: float, style: Style, clock: ManualClock,
            observer: Callable[[ErrorAggregator, AlertBoard], object] | None = None) -> tuple[FrameLog, int]:
    """The storm computed as fast as it goes on a manual clock, every frame timestamped by it."""
    recorder = Recorder(MemoryPanel(width, height, keep=1), clock=clock.monotonic)
    frames = run(recorder, seconds, fps, style, clock=clock, observer=observer)
    return recorder.log, frames


def _announce(fleet: FleetService) -> None:
    """Say where the metrics are, once they are served."""
    if fleet.endpoint is not None:
        print(f"metrics at {fleet.endpoint.url}")


def _save(log: FrameLog | MemoryPanel, path: Path, fps: float, scale: int, led: bool) -> None:
    """Write the recording: an animated GIF, or the last frame as a PNG."""
    if path.suffix.lower() == ".gif":
        log.save_gif(path, fps=fps, scale=scale, led=led and scale >= 2)
    elif path.suffix.lower() == ".png":
        log.save_png(path, scale=scale, led=led and scale >= 2)
    else:
        raise ValueError(f"--output must end in .gif or .png, got {path.name}")


def _render(args: argparse.Namespace) -> int:
    """Render one snapshot to a PNG."""
    snapshot = SCENES[args.scene]() if args.scene else snapshot_from_export(args.export)
    width, height = args.size
    panel = MemoryPanel(width, height)
    panel.show(Renderer().render(snapshot, width, height, args.at))
    panel.save_png(args.output, scale=args.scale, led=args.led)
    print(f"wrote {args.output}")
    return 0


def snapshot_from_export(path: Path) -> BoardSnapshot:
    """The board an export file describes: its active patterns, and a dot per plugin seen."""
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    summary = data.get("summary", data) if isinstance(data, dict) else None
    if not isinstance(summary, dict):
        raise ValueError(f"{path} is not an error-status or LEDMatrix error export")
    alerts = []
    for raw in (summary.get("active_patterns") or {}).values():
        try:
            pattern = ErrorPattern(
                error_type=str(raw["error_type"]), count=int(raw["count"]),
                first_seen=datetime.fromisoformat(raw["first_seen"]),
                last_seen=datetime.fromisoformat(raw["last_seen"]),
                affected_plugins=list(raw.get("affected_plugins") or []),
                sample_messages=list(raw.get("sample_messages") or []),
                severity=str(raw.get("severity", "warning")), key=str(raw.get("key") or raw["error_type"]),
                plugin_id=raw.get("plugin_id") or next(iter(raw.get("affected_plugins") or []), None))
            alerts.append(alert_from_pattern(pattern))
        except (KeyError, TypeError, ValueError):
            continue
    alerts.sort(key=lambda a: (-a.severity, -a.last_seen, a.key))
    failing = {a.plugin_id: HealthState.for_severity(a.severity) for a in reversed(alerts) if a.plugin_id}
    plugins = set(summary.get("plugin_error_counts") or {}) | set(failing)
    health = tuple(PluginHealth(pid, failing.get(pid, HealthState.HEALTHY)) for pid in sorted(plugins))
    return BoardSnapshot(alerts=tuple(alerts), health=health, alerts_version=1)


def _pictures(args: argparse.Namespace) -> int:
    """The README's pictures, regenerated."""
    directory: Path = args.directory
    renderer = Renderer()
    for scene, (width, height), scale in (("mixed", (64, 32), 8), ("mixed", (128, 64), 5),
                                          ("healthy", (64, 32), 8), ("forty-plugins", (128, 32), 5)):
        panel = MemoryPanel(width, height)
        panel.show(renderer.render(SCENES[scene](), width, height, 0.0))
        path = directory / f"{scene}-{width}x{height}.png"
        panel.save_png(path, scale=scale, led=True)
        print(f"wrote {path}")
    for (width, height), scale in (((64, 32), 6), ((32, 16), 8)):
        frames = example_frames((width, height))
        path = directory / f"status-mark-{width}x{height}.png"
        side_by_side([render_picture(frame, scale=scale, led=True) for frame in frames]).save(path)
        print(f"wrote {path}")
    log, _ = _record(64, 32, 60.0, 25.0, Style(scroll_speed=25.0), ManualClock())
    gif = directory / "demo-64x32.gif"
    log.save_gif(gif, fps=25.0, scale=5, led=True)
    print(f"wrote {gif}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
