"""Opt-in: our aggregator installed as the host's ``get_error_aggregator()`` singleton, carrying
over what the host had recorded, and undone at cleanup. The host's lock is taken with a timeout
that is acted on; the host's code (its records, its callbacks) is called outside our lock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType

from .. import forksafe
from ..aggregator import ErrorAggregator
from ..aggregator.delivery import Subscription
from .mirror import HostMirror
from .wake import held, is_dispatcher

logger = logging.getLogger(__name__)

HOST_LOCK_TIMEOUT = 1.0  # seconds to wait for the host's module lock before giving up on a swap


class _Installation:
    """Our aggregator installed as the host module's singleton, and how to undo it."""

    def __init__(self, module: ModuleType, ours: ErrorAggregator) -> None:
        self.module = module
        self.ours = ours
        self.previous: object = None
        self.subscriptions: list[Subscription] = []
        self.active = False

    def install(self, mirror: HostMirror | None) -> bool:
        """Swap the singleton, then carry over the old one's records and callbacks.

        False (nothing changed) when the host's module lock could not be had in time: swapping
        without it could race with the host creating its singleton.
        """
        with held(getattr(self.module, "_aggregator_lock", None), HOST_LOCK_TIMEOUT) as acquired:
            if not acquired:
                logger.warning("error-status: the host's aggregator lock is busy; not replacing its "
                               "aggregator (mirroring it instead)")
                return False
            self.previous = getattr(self.module, "_error_aggregator", None)
            self.module._error_aggregator = self.ours  # type: ignore[attr-defined]
        self.active = True
        previous = self.previous
        if previous is None or previous is self.ours:
            return True
        self._carry_over(previous, mirror)
        return True

    def _carry_over(self, previous: object, mirror: HostMirror | None) -> None:
        """Feed the old instance's history into ours and re-register its pattern callbacks."""
        if mirror is not None and mirror.host is previous and mirror.ours is self.ours and mirror.baselined:
            carry = mirror
        else:
            carry = HostMirror(previous, self.ours, replay_existing=True)
        carry.poll()
        carry.detach()
        if carry.failures or carry.skipped or carry.backlog:
            logger.warning("error-status: carried over %d host errors; %d without details were dropped%s",
                           carry.fed, carry.backlog, " (host busy or unreadable)" if carry.skipped or
                           carry.failures else "")
        callbacks = getattr(previous, "_pattern_callbacks", None)
        for callback in list(callbacks) if isinstance(callbacks, list | tuple) else ():
            if callable(callback) and not is_dispatcher(callback):
                self.subscriptions.append(self.ours.on_pattern_detected(callback))

    def uninstall(self) -> None:
        """Restore the previous singleton (if ours is still installed); idempotent."""
        with _install_lock:
            if not self.active:
                return
            self.active = False
            if _installs.get(id(self.module)) is self:
                del _installs[id(self.module)]
        with held(getattr(self.module, "_aggregator_lock", None), HOST_LOCK_TIMEOUT) as acquired:
            if not acquired:
                logger.warning("error-status: the host's aggregator lock is busy; leaving our aggregator "
                               "installed as the host's")
            elif getattr(self.module, "_error_aggregator", None) is self.ours:
                self.module._error_aggregator = self.previous  # type: ignore[attr-defined]
        subscriptions, self.subscriptions = self.subscriptions, []
        for subscription in subscriptions:
            subscription.close()


_installs: dict[int, _Installation] = {}
_install_lock = forksafe.Lock()


def install_as_host_aggregator(host_module: ModuleType, ours: ErrorAggregator, *,
                               mirror: HostMirror | None = None) -> Callable[[], None] | None:
    """Opt-in: make ``ours`` the host's ``get_error_aggregator()`` singleton; returns ``uninstall``,
    or None when the host's lock could not be had (nothing was changed).

    The host's module-level ``record_error`` looks the singleton up on every call, so the swap
    takes effect at the next record. Carried over from the old instance:
    - its history, fed into ours: the records it kept, plus at most ``max_per_poll`` older
      occurrences from its counts without details (a warning tells what was dropped); given an
      attached ``mirror`` of it, only what that mirror had not fed yet (the mirror is detached);
    - its pattern callbacks, re-registered on ours (``uninstall`` closes them); patterns found
      in the carried history are not announced to them again.
    A record in flight during the swap (old instance fetched before, recorded after the
    carry-over) is lost; ``uninstall`` does not hand back what ours recorded meanwhile.
    Idempotent: installing the same aggregator again returns the same ``uninstall``.
    """
    with _install_lock:
        current = _installs.get(id(host_module))
        if current is not None and (current.module is not host_module or not current.active):
            current = None
        if current is not None and current.ours is ours \
                and getattr(host_module, "_error_aggregator", None) is ours:
            return current.uninstall
        installation = _Installation(host_module, ours)
        _installs[id(host_module)] = installation
    if current is not None:
        current.uninstall()
    if not installation.install(mirror):
        with _install_lock:
            if _installs.get(id(host_module)) is installation:
                del _installs[id(host_module)]
        return None
    return installation.uninstall
