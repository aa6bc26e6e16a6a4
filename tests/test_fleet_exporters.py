"""Metrics out: the HTTP endpoint (loopback by default, stoppable, never waiting on our locks) and
the node_exporter textfile (atomic, parseable, at most once a minute)."""

from __future__ import annotations

import os
import socket
import stat
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from error_status.fleet import FleetService, FleetSettings, LatestView, MetricsView, make_registry
from error_status.fleet.endpoint import MetricsEndpoint
from error_status.fleet.textfile import TextfileWriter
from error_status.model import BoardSnapshot


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


def registry_with(view: MetricsView) -> CollectorRegistry:
    return make_registry(LatestView(view), "1.2.3", CollectorRegistry())


def test_the_endpoint_serves_on_loopback_and_stop_frees_the_port() -> None:
    endpoint = MetricsEndpoint(registry_with(MetricsView(errors=(("weather", "TimeoutError", 4),))), 0)
    endpoint.start()
    try:
        port = endpoint.port
        assert endpoint.url == f"http://127.0.0.1:{port}/metrics"
        text = get(endpoint.url)
        assert 'ledmatrix_plugin_errors_total{plugin="weather",type="TimeoutError"} 4.0' in text
    finally:
        endpoint.stop()
    with socket.socket() as sock:  # the port is free again at once
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
    with pytest.raises(RuntimeError):
        endpoint.port  # noqa: B018 - the property raises when stopped
    endpoint.stop()  # twice is fine


def test_the_bind_address_is_honoured(tmp_path: Path) -> None:
    endpoint = MetricsEndpoint(registry_with(MetricsView()), 0, bind="::1")
    try:
        endpoint.start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert "ledmatrix_error_status_info" in get(endpoint.url) and endpoint.url.startswith("http://[::1]:")
    finally:
        endpoint.stop()


@pytest.mark.parametrize("port", [-1, 65536, 1.5, True, "9100"])
def test_bad_ports_are_refused(port: object) -> None:
    with pytest.raises(ValueError, match="metrics_port"):
        MetricsEndpoint(CollectorRegistry(), port)  # type: ignore[arg-type]


def test_a_slow_scrape_blocks_neither_publishing_nor_other_scrapes() -> None:
    release = threading.Event()
    entered = threading.Event()

    class SlowOnce:
        calls = 0

        def metrics_view(self) -> MetricsView:
            SlowOnce.calls += 1
            if SlowOnce.calls == 1:
                entered.set()
                release.wait(10)
            return MetricsView()

    endpoint = MetricsEndpoint(make_registry(SlowOnce(), "1", CollectorRegistry()), 0)
    endpoint.start()
    slow = threading.Thread(target=get, args=(endpoint.url,), daemon=True)
    try:
        slow.start()
        assert entered.wait(5)
        started = time.monotonic()
        assert "ledmatrix_error_status_info" in get(endpoint.url)  # served while the first one hangs
        fleet = FleetService(FleetSettings(), version="1")
        fleet.publish({"p": {"E": 1}}, BoardSnapshot())  # the driver's side never waits for a scrape
        assert time.monotonic() - started < 2
    finally:
        release.set()
        slow.join(5)
        endpoint.stop()


def test_the_textfile_is_written_atomically_and_parses(tmp_path: Path) -> None:
    path = tmp_path / "error_status.prom"
    writer = TextfileWriter(registry_with(MetricsView(errors=(("weather", "OSError", 2),))), path)
    assert writer.maybe_write(now=100.0)
    families = {f.name: f for f in text_string_to_metric_families(path.read_text())}
    assert families["ledmatrix_plugin_errors"].type == "counter"
    sample = families["ledmatrix_plugin_errors"].samples[0]
    assert sample.labels == {"plugin": "weather", "type": "OSError"} and sample.value == 2
    assert {"ledmatrix_error_alerts", "ledmatrix_plugin_health", "ledmatrix_error_status_info"} \
        <= set(families)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["error_status.prom"]  # no temporary file left
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # node_exporter runs as another user


def test_the_textfile_is_written_at_most_once_a_minute_and_unchanged_content_rarely(tmp_path: Path) -> None:
    view = LatestView(MetricsView(errors=(("a", "E", 1),)))
    path = tmp_path / "m.prom"
    writer = TextfileWriter(make_registry(view, "1", CollectorRegistry()), path)
    assert writer.maybe_write(0.0)
    view.publish(MetricsView(errors=(("a", "E", 2),)))
    assert not writer.maybe_write(59.0)  # too soon, although it changed
    assert writer.maybe_write(60.0) and 'type="E"} 2.0' in path.read_text()
    assert not writer.maybe_write(200.0)  # unchanged: the SD card is spared ...
    assert writer.maybe_write(661.0)  # ... until the keepalive shows the writer alive
    assert writer.written == 3


def test_a_textfile_that_cannot_be_written_is_counted_and_logged_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    writer = TextfileWriter(registry_with(MetricsView()), tmp_path / "missing" / "m.prom", min_interval=0)
    assert not writer.maybe_write(0.0) and not writer.maybe_write(1.0)
    assert writer.failures == 2 and writer.last_error and caplog.text.count("cannot write") == 1
    (tmp_path / "missing").mkdir()
    assert writer.maybe_write(2.0) and writer.last_error is None


def test_the_textfile_must_be_a_prom_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.prom"):
        TextfileWriter(CollectorRegistry(), tmp_path / "metrics.txt")


def test_the_textfile_does_not_follow_a_planted_symlink(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("keep")
    os.symlink(target, tmp_path / ".m.prom.tmp")
    writer = TextfileWriter(registry_with(MetricsView()), tmp_path / "m.prom")
    assert not writer.maybe_write(0.0) and writer.failures == 1
    assert target.read_text() == "keep"
