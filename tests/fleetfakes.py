"""A scriptable stand-in for Alertmanager's HTTP API (what the real one will not do: garbage, floods,
trickles, redirects), and a board stand-in with ``set_external``."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from error_status.model import Alert, BoardSnapshot


@dataclass
class Reply:
    """What the fake answers: a status, a body (bytes, or JSON-encoded), headers, and pacing."""

    body: Any = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0  # seconds between single bytes


class FakeAlertmanager:
    """Answers every GET with ``reply``; remembers each request's path and headers."""

    def __init__(self) -> None:
        self.reply = Reply()
        self.requests: list[tuple[str, dict[str, str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append((self.path, dict(self.headers.items())))
                reply = fake.reply
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                time.sleep(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if reply.trickle:
                        for byte in body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    else:
                        self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeAlertmanager:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def fake_alertmanager() -> Iterator[FakeAlertmanager]:
    """A running fake, stopped on the way out."""
    fake = FakeAlertmanager().start()
    try:
        yield fake
    finally:
        fake.stop()


def am_alert(fingerprint: str = "a1b2c3d4e5f60718", **labels: str) -> dict[str, Any]:
    """One entry of Alertmanager's v2 alert list."""
    annotations = {k[len("annotation_"):]: labels.pop(k) for k in list(labels) if k.startswith("annotation_")}
    return {"fingerprint": fingerprint, "labels": {"alertname": "DiskFull", **labels},
            "annotations": annotations, "startsAt": "2026-01-01T10:00:00.123456789Z",
            "updatedAt": "2026-01-01T10:05:00Z", "endsAt": "2026-01-01T11:00:00Z",
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}, "receivers": []}


class StandInBoard:
    """The board's coming ``set_external``, as the fleet uses it; a fixed local part of the snapshot."""

    def __init__(self, local: BoardSnapshot | None = None) -> None:
        self.local = local or BoardSnapshot()
        self.external: dict[str, tuple[Alert, ...]] = {}
        self.calls = 0

    def set_external(self, source: str, alerts: tuple[Alert, ...]) -> bool:
        self.calls += 1
        changed = self.external.get(source) != alerts
        self.external[source] = alerts
        return changed

    def snapshot(self) -> BoardSnapshot:
        fleet = tuple(a for alerts in self.external.values() for a in alerts)
        return BoardSnapshot(alerts=self.local.alerts + fleet, health=self.local.health, alerts_version=1)
