"""The status mark on every frame the host pushes, whatever plugin drew it.

``DisplayManager.update_display()`` is the one place every frame goes through (plugins, Vegas,
notices, the follower). The overlay wraps it as an instance attribute, on top of whatever is there
(the controller's follower gate, when the panel is a follower), once per display manager:

* nothing active (no alert, the mark off, the display scheduled off, a black frame, inside Vegas's
  ``capture_mode()``, error-status's own frame): the wrapped call runs as it is, and the frame is
  byte for byte the host's own;
* otherwise, under the manager's update lock, ``image`` is swapped for a copy with the mark pasted
  in, the wrapped call runs (its dirty-tracking digest sees the marked frame, so a pulse is pushed),
  and the plugin's own image is put back. A plugin's image is never drawn into.

If anything of ours raises, the overlay switches itself off, says so once in the log, and passes
every frame through from then on: it must never be what breaks the display.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PIL import Image

from .. import forksafe
from ..clock import SYSTEM_CLOCK, Clock
from ..model import Severity
from ..render.mark import stamp
from ..render.style import RGB

logger = logging.getLogger(__name__)

LOCK_WAIT = 0.05  # seconds to wait for the manager's update lock before pushing unmarked


@dataclass(frozen=True, slots=True)
class Mark:
    """What to draw: the worst visible severity, its colour, and the corner."""

    severity: Severity
    colour: RGB
    corner: str


_own = threading.local()


@contextmanager
def own_frame() -> Iterator[None]:
    """Around error-status's own push: its frames carry no mark (they say it all already)."""
    _own.active = True
    try:
        yield
    finally:
        _own.active = False


class StatusOverlay:
    """The mark on one display manager's frame path (see the module's docstring).

    Each user (a plugin instance) is a ``source``: it says which mark is due with ``show()``
    whenever that changes (a new snapshot, the schedule, its settings), off the frame path; the
    first source's mark that is not None is drawn. A frame reads one attribute to learn that
    nothing is due.
    """

    def __init__(self, manager: Any, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.manager = manager
        self._clock = clock
        self._lock = threading.Lock()
        self._marks: dict[object, Mark | None] = {}
        self.current: Mark | None = None
        self._prev: Callable[..., Any] | None = None
        self._wrapper: Callable[..., Any] | None = None
        self._had_attribute = False
        self._inside = threading.local()
        self._fallback_lock = threading.RLock()  # for a display manager without an update lock
        self.disabled = False
        self.marked = 0

    # ------------------------------------------------------------------ sources

    def add(self, source: object) -> None:
        """A new user; it shows nothing until it says so."""
        with self._lock:
            self._marks.setdefault(source, None)

    def show(self, source: object, mark: Mark | None) -> None:
        """What ``source`` wants drawn now (None: nothing)."""
        with self._lock:
            if source in self._marks:
                self._marks[source] = mark
                self._recompute()

    def remove(self, source: object) -> bool:
        """Forget ``source``; True when no source is left."""
        with self._lock:
            self._marks.pop(source, None)
            self._recompute()
            return not self._marks

    def _recompute(self) -> None:
        """The first source's mark that is not None (called with the lock held)."""
        self.current = next((m for m in self._marks.values() if m is not None), None)

    # ------------------------------------------------------------------ install

    def install(self) -> bool:
        """Wrap the manager's ``update_display`` (on top of what is there); False when it cannot
        be wrapped (nothing to wrap, or the attribute cannot be set)."""
        manager = self.manager
        try:
            prev = manager.update_display
            if not callable(prev):
                return False
            self._had_attribute = "update_display" in _instance_dict(manager)
            overlay = self

            def update_display(*args: Any, **kwargs: Any) -> Any:
                mark = overlay.current
                if mark is None or overlay.disabled:  # nothing is wrong: the host's own frame
                    return prev(*args, **kwargs)
                return overlay.push(prev, args, kwargs, mark)

            manager.update_display = update_display
        except Exception as error:
            logger.warning("error-status: the status mark is off: cannot wrap update_display (%s)", error)
            return False
        self._prev, self._wrapper = prev, update_display
        return True

    def uninstall(self) -> None:
        """Put back what was there, if nobody wrapped on top of us since; else pass every frame
        through from now on (their wrapper calls ours)."""
        wrapper, prev = self._wrapper, self._prev
        self.disabled = True
        if wrapper is None:
            return
        self._wrapper = None
        manager = self.manager
        try:
            if _instance_dict(manager).get("update_display") is not wrapper:
                return  # someone wrapped on top: ours stays in their chain as a pass-through
            if self._had_attribute:
                manager.update_display = prev
            else:
                del manager.update_display  # the class's method shows through again
        except Exception as error:
            logger.warning("error-status: could not unwrap update_display (%s); it passes frames "
                           "through unchanged", error)

    # ------------------------------------------------------------------ the frame path

    def push(self, prev: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
             mark: Mark) -> Any:
        """One ``update_display()`` call while ``mark`` is due: marked, unless this frame must not
        be (error-status's own, inside Vegas's capture, a nested call). The wrapped call's own
        result and exceptions are its own."""
        if getattr(_own, "active", False) or getattr(self._inside, "active", False):
            return prev(*args, **kwargs)
        try:
            skip = getattr(self.manager, "_capture_mode_active", False)
        except Exception as error:
            self._fail(error)
            skip = True
        if skip:
            return prev(*args, **kwargs)
        return self._push_marked(prev, args, kwargs, mark)

    def _push_marked(self, prev: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                     mark: Mark) -> Any:
        """Swap in a marked copy around the wrapped call, under the manager's lock (another
        thread's push must not see our copy, nor restore over it)."""
        manager = self.manager
        lock = getattr(manager, "_update_lock", None) or self._fallback_lock
        if not lock.acquire(timeout=LOCK_WAIT):
            return prev(*args, **kwargs)
        try:
            original = manager.image
            try:
                frame = self._marked(original, mark)
            except Exception as error:
                self._fail(error)
                frame = None
            if frame is None:
                return prev(*args, **kwargs)
            manager.image = frame
            self._inside.active = True
            try:
                self.marked += 1
                return prev(*args, **kwargs)
            finally:
                self._inside.active = False
                if manager.image is frame:
                    manager.image = original
        finally:
            lock.release()

    def _marked(self, original: object, mark: Mark) -> Image.Image | None:
        """A copy of ``original`` with the mark; None for a black frame (the host's "off" and clear
        frames stay black)."""
        if not isinstance(original, Image.Image) or original.getbbox() is None:
            return None
        frame = original.copy()
        stamp(frame, mark.severity, mark.colour, mark.corner, self._clock.monotonic())
        return frame

    def _fail(self, error: Exception) -> None:
        """Ours raised: off for good, said once."""
        if not self.disabled:
            self.disabled = True
            logger.error("error-status: the status mark failed and is switched off until the display "
                         "service restarts: %s", error, exc_info=error)


def _instance_dict(obj: object) -> dict[str, Any]:
    """``vars(obj)``, or {} for objects without one."""
    try:
        return vars(obj)
    except TypeError:
        return {}


# ---------------------------------------------------------------------- one per display manager

_registry_lock = forksafe.Lock()
_overlays: dict[int, StatusOverlay] = {}


def attach(manager: Any, source: object, *, clock: Clock = SYSTEM_CLOCK) -> StatusOverlay | None:
    """Add ``source`` (any hashable token: who shows marks) to the overlay of ``manager``
    (installed on first use); None when the manager cannot carry one."""
    if manager is None:
        return None
    with _registry_lock:
        overlay = _overlays.get(id(manager))
        fresh = overlay is None or overlay.manager is not manager
        if fresh:
            overlay = _overlays[id(manager)] = StatusOverlay(manager, clock=clock)
        assert overlay is not None
        overlay.add(source)
    if fresh and not overlay.install():  # sets an attribute on the host's object: outside our lock
        with _registry_lock:
            if _overlays.get(id(manager)) is overlay:
                del _overlays[id(manager)]
        return None
    return overlay


def detach(overlay: StatusOverlay, source: object) -> None:
    """Remove ``source``; the last one out uninstalls the overlay."""
    with _registry_lock:
        if not overlay.remove(source):
            return
        if _overlays.get(id(overlay.manager)) is overlay:
            del _overlays[id(overlay.manager)]
    overlay.uninstall()
