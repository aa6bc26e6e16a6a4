"""Real Alertmanager and Prometheus processes for the fleet tests: free ports, temporary data
directories, and stopped whatever happens (Debian's prometheus-alertmanager and prometheus).

Outside CI a missing binary skips the test, saying what to install; in CI (``ERROR_STATUS_CI=1``,
exported by ``.ci/run``, which installs both packages) it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
IN_CI = os.environ.get("ERROR_STATUS_CI") == "1"
START_TIMEOUT = 30.0
PACKAGES = {"prometheus-alertmanager": "prometheus-alertmanager", "prometheus": "prometheus"}


def binary(name: str) -> str:
    """The path of ``name`` (``/usr/bin`` first); a skip outside CI, a failure in CI, when missing."""
    path = f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else shutil.which(name)
    if path:
        return path
    reason = (f"{name} is not installed: sudo apt-get install --no-install-recommends {PACKAGES[name]} "
              "(CI installs it; these tests run there)")
    if IN_CI:
        pytest.fail(f"ERROR_STATUS_CI=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    """A port nobody listens on now (the OS picks it; it may be taken again before use, so the
    servers below retry on another one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 15.0, every: float = 0.05) -> T:
    """Call ``check`` until it returns something other than None (or falsy); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what} (last: {last!r})")


def http_json(url: str, data: Any = None, method: str | None = None, timeout: float = 5.0) -> Any:
    """GET (or POST/DELETE with ``data``) JSON."""
    body = None if data is None else json.dumps(data).encode()
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read()
    return json.loads(text) if text.strip() else None


def rfc3339(offset: float = 0.0) -> str:
    """Now plus ``offset`` seconds, as Alertmanager wants its times."""
    return (datetime.now(UTC) + timedelta(seconds=offset)).isoformat().replace("+00:00", "Z")


class Server:
    """One server process: started with a free port, ready when ``/-/ready`` answers 200."""

    def __init__(self, name: str, make_args: Callable[[int, Path], list[str]], workdir: Path) -> None:
        self.name = name
        self._make_args = make_args
        self.workdir = workdir
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self.log = workdir / f"{name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int | None = None) -> Server:
        """Start (on ``port``, or a free one, retried if another process took it first)."""
        for attempt in range(3):
            self.port = port or free_port()
            with self.log.open("ab") as log:
                command = [binary(self.name), *self._make_args(self.port, self.workdir)]
                self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                                 cwd=self.workdir)
            if self._wait_ready():
                return self
            self.stop()
            if port is not None or attempt == 2:
                break
        raise AssertionError(f"{self.name} did not become ready; its log:\n{self.log.read_text()[-3000:]}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                return False
            with contextlib.suppress(OSError, urllib.error.URLError), \
                    urllib.request.urlopen(f"{self.url}/-/ready", timeout=1.0) as response:
                if response.status == 200:
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Terminate (then kill) the process and wait for it; safe to call twice."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5.0)


def alertmanager_args(port: int, workdir: Path) -> list[str]:
    """A standalone Alertmanager (no cluster) with a receiver that sends nothing."""
    config = workdir / "alertmanager.yml"
    config.write_text("route:\n  receiver: nowhere\n  group_wait: 0s\nreceivers:\n  - name: nowhere\n")
    return [f"--config.file={config}", f"--storage.path={workdir / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"]


def prometheus_args(targets: list[int]) -> Callable[[int, Path], list[str]]:
    """A Prometheus scraping ``targets`` (ports on 127.0.0.1) every second."""
    def make(port: int, workdir: Path) -> list[str]:
        config = workdir / "prometheus.yml"
        listed = ", ".join(f'"127.0.0.1:{target}"' for target in targets)
        config.write_text("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
                          "scrape_configs:\n  - job_name: error-status\n"
                          f"    static_configs:\n      - targets: [{listed}]\n")
        return [f"--config.file={config}", f"--storage.tsdb.path={workdir / 'prom-data'}",
                f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
    return make


@contextlib.contextmanager
def running(name: str, make_args: Callable[[int, Path], list[str]], workdir: Path) -> Iterator[Server]:
    """A started server, stopped on the way out even when the test fails."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = Server(name, make_args, workdir)
    try:
        yield server.start()
    finally:
        server.stop()


def post_alert(am: Server, labels: dict[str, str], annotations: dict[str, str] | None = None,
               ends_in: float = 3600.0) -> None:
    """Fire (or, with ``ends_in`` <= 0, resolve) an alert through Alertmanager's v2 API."""
    alert = {"labels": labels, "annotations": annotations or {}, "startsAt": rfc3339(-60),
             "endsAt": rfc3339(ends_in)}
    http_json(f"{am.url}/api/v2/alerts", [alert], method="POST")


def silence(am: Server, alertname: str) -> str:
    """Silence an alert name for an hour; the silence id."""
    body = {"matchers": [{"name": "alertname", "value": alertname, "isRegex": False, "isEqual": True}],
            "startsAt": rfc3339(-1), "endsAt": rfc3339(3600), "createdBy": "tests", "comment": "test"}
    return str(http_json(f"{am.url}/api/v2/silences", body, method="POST")["silenceID"])


def query(prom: Server, expression: str) -> list[dict[str, Any]]:
    """The result vector of an instant query."""
    answer = http_json(f"{prom.url}/api/v1/query?{urllib.parse.urlencode({'query': expression})}")
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])
