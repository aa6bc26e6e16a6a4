"""``error-status watch``: a panel driven by a fleet's Alertmanager alone (no LEDMatrix, no aggregator).

The same pieces as the demo: an AlertBoard, the Renderer and a Panel; the alerts come from a
``FleetService`` polling Alertmanager on its own thread, so the frame loop never waits on the network.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..board import AlertBoard
from ..panels import Panel
from ..render import Renderer
from ..render.style import Style
from .service import FleetService

REFRESH = 0.25  # seconds between board refreshes, as the plugin's feeder does
FIRST_POLL_WAIT = 8.0  # a panel saying ALL OK before Alertmanager answered would be a lie


def watch(panel: Panel, fleet: FleetService, seconds: float | None, fps: float = 25.0,
          style: Style | None = None, board: AlertBoard | None = None,
          on_start: Callable[[], object] | None = None) -> int:
    """Show the fleet's alerts on ``panel`` for ``seconds`` (None: until interrupted); frames shown.

    ``fleet`` is started here (then ``on_start`` is called) and stopped on the way out. Frames are
    paced by the monotonic clock (wrap the panel in a ``Recorder`` to keep their times).
    """
    if not fps > 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    board = board or AlertBoard()
    renderer = Renderer(style)
    width, height = panel.size
    fleet.start(strict=True)
    try:
        if on_start is not None:
            on_start()
        if fleet.poller is not None and fleet.source is not None:
            fleet.poller.wait_first(min(FIRST_POLL_WAIT, 2 * fleet.source.timeout + 1.0))
        start = time.monotonic()
        next_refresh = 0.0
        frames = 0
        while seconds is None or frames < seconds * fps:
            t = frames / fps
            _sleep_until(start + t)
            if t >= next_refresh:
                next_refresh = t + REFRESH
                fleet.cycle(board)
                board.refresh()
            panel.show(renderer.render(board.snapshot(), width, height, t))
            frames += 1
    finally:
        fleet.stop()
        board.close()
    return frames


def _sleep_until(deadline: float) -> None:
    """Sleep until the monotonic ``deadline`` (absolute deadlines: no drift)."""
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)
