"""The metrics HTTP endpoint: prometheus_client's WSGI app on a server we can stop.

We own the server (rather than ``start_http_server``, which only returns a handle since 0.17) so
that ``stop()`` frees the port on every prometheus_client version. Each scrape runs on its own
daemon thread and reads the latest published view: it waits for none of our locks.
"""

from __future__ import annotations

import socket
import threading
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .metrics import prometheus

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry

DEFAULT_BIND = "127.0.0.1"
_REQUEST_TIMEOUT = 10.0  # a scraper that stops reading does not keep its thread forever
_SHUTDOWN_POLL = 0.1


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr (the host's journal is not ours to fill)."""

    timeout = _REQUEST_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class MetricsEndpoint:
    """Serves ``registry`` on ``bind``:``port`` (port 0: any free port, see ``port``) until ``stop``."""

    def __init__(self, registry: CollectorRegistry, port: int, bind: str = DEFAULT_BIND) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"metrics_port must be an integer from 0 to 65535, got {port!r}")
        self._registry = registry
        self._requested = (bind, port)
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port being served (the one chosen when 0 was asked for)."""
        if self._server is None:
            raise RuntimeError("the metrics endpoint is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Where a scraper finds the metrics."""
        host = self._requested[0]
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}/metrics"

    def start(self) -> None:
        """Bind and serve on a daemon thread; OSError when the port is taken."""
        if self._server is not None:
            return
        bind, port = self._requested
        app = prometheus("metrics_port").make_wsgi_app(self._registry)
        server_class = type("_Server", (_ThreadingServer,), {"address_family": _family(bind, port)})
        server: WSGIServer = make_server(bind, port, app, server_class=server_class,
                                         handler_class=_QuietHandler)
        assert isinstance(server, _ThreadingServer)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": _SHUTDOWN_POLL},
                                        name="error-status:metrics", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and free the port (scrapes in progress finish on their own threads)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=2.0)


def _family(bind: str, port: int) -> socket.AddressFamily:
    """IPv4 or IPv6, whichever ``bind`` is (``::`` and ``::1`` need an IPv6 socket)."""
    infos = socket.getaddrinfo(bind, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    return infos[0][0]
