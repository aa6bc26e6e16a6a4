"""A shared set of board snapshots: golden images, README pictures and the harness all draw these."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Alert, BoardSnapshot, HealthState, PluginHealth, Severity

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z: fixed wall times keep scenes deterministic

PLUGINS = ("calendar", "clock", "nhl-scoreboard", "news", "odds-ticker", "spotify", "stocks", "weather")


def _alert(key: str, severity: Severity, plugin: str | None, error_type: str, message: str,
           count: int, age: float = 60.0) -> Alert:
    """An alert first seen ``age`` seconds before T0."""
    return Alert(key=key, severity=severity, plugin_id=plugin, error_type=error_type, message=message,
                 count=count, first_seen=T0 - age, last_seen=T0, operation="update")


def _health(states: dict[str, HealthState]) -> tuple[PluginHealth, ...]:
    """Health entries in plugin-id order."""
    return tuple(PluginHealth(pid, states.get(pid, HealthState.HEALTHY)) for pid in sorted(states))


def healthy() -> BoardSnapshot:
    """Nothing wrong: the all-clear look."""
    return BoardSnapshot(health=_health(dict.fromkeys(PLUGINS, HealthState.HEALTHY)), alerts_version=1)


def one_warning() -> BoardSnapshot:
    """One plugin timing out now and then."""
    alert = _alert("weather/TimeoutError/update/1", Severity.WARNING, "weather", "TimeoutError",
                   "Read timed out after 10s", 6)
    states = dict.fromkeys(PLUGINS, HealthState.HEALTHY) | {"weather": HealthState.DEGRADED}
    return BoardSnapshot(alerts=(alert,), health=_health(states), alerts_version=2)


def mixed() -> BoardSnapshot:
    """Several plugins failing at once, with long messages."""
    alerts = (
        _alert("nhl/KeyError/update/1", Severity.CRITICAL, "nhl-scoreboard", "KeyError",
               "'homeTeam' missing from https://api-web.nhle.com/v1/score/now response; schedule "
               "parsing failed for 14 games", 23),
        _alert("stocks/HTTPError/update/1", Severity.ERROR, "stocks", "HTTPError",
               "429 Too Many Requests: rate limit exceeded, retry after 60 seconds", 12),
        _alert("weather/TimeoutError/update/1", Severity.WARNING, "weather", "TimeoutError",
               "HTTPSConnectionPool(host='api.openweathermap.org', port=443): Read timed out. "
               "(read timeout=10)", 6),
    )
    states = dict.fromkeys(PLUGINS, HealthState.HEALTHY) | {
        "nhl-scoreboard": HealthState.CRITICAL, "stocks": HealthState.FAILING,
        "weather": HealthState.DEGRADED, "spotify": HealthState.DISABLED}
    return BoardSnapshot(alerts=alerts, health=_health(states), alerts_version=3)


def forty_plugins() -> BoardSnapshot:
    """More plugins than dots fit on most panels."""
    names = [f"plugin-{n:02d}" for n in range(40)]
    states = dict.fromkeys(names, HealthState.HEALTHY) | {
        "plugin-03": HealthState.CRITICAL, "plugin-17": HealthState.FAILING,
        "plugin-29": HealthState.DEGRADED, "plugin-31": HealthState.DEGRADED,
        "plugin-38": HealthState.DISABLED, "plugin-39": HealthState.UNKNOWN}
    alerts = (
        _alert("p03/RuntimeError/update/1", Severity.CRITICAL, "plugin-03", "RuntimeError",
               "display() raised RuntimeError", 40),
        _alert("p17/OSError/update/1", Severity.ERROR, "plugin-17", "OSError",
               "[Errno 28] No space left on device", 11),
        _alert("p29/ValueError/update/1", Severity.WARNING, "plugin-29", "ValueError", "bad JSON", 5),
        _alert("p31/ValueError/update/1", Severity.WARNING, "plugin-31", "ValueError", "bad JSON", 5),
    )
    return BoardSnapshot(alerts=alerts, health=_health(states), alerts_version=4)


def hostile_text() -> BoardSnapshot:
    """Unicode, control characters, bidi overrides, ANSI escapes, emoji, CJK and a 10 kB message."""
    alerts = (
        _alert("u/UnicodeError/update/1", Severity.ERROR, "météo\u202eevil", "UnicodeError",
               "\x1b[31mFehler\x1b[0m: Straße “München” 😀 天気 \u0000\u0007 Ωμέγα — Привет " + "x" * 10_000,
               7),
        _alert("u/ValueError/update/2", Severity.WARNING, "\u200bzero\u2066width\u2069", "ValueError",
               "line one\nline two\ttabbed\r\n\u061cend", 5),
    )
    states = {"météo\u202eevil": HealthState.FAILING, "\u200bzero\u2066width\u2069": HealthState.DEGRADED,
              "clock": HealthState.HEALTHY}
    return BoardSnapshot(alerts=alerts, health=_health(states), alerts_version=5)


SCENES: dict[str, Callable[[], BoardSnapshot]] = {
    "healthy": healthy,
    "one-warning": one_warning,
    "mixed": mixed,
    "forty-plugins": forty_plugins,
    "hostile-text": hostile_text,
}

# The LEDMatrix harness's eight sizes, and the smallest panel we support.
HARNESS_SIZES = ((64, 32), (128, 32), (64, 64), (96, 48), (128, 64), (256, 32), (128, 96), (256, 128))
GOLDEN_SIZES = ((32, 16), *HARNESS_SIZES)
