"""The fleet's config keys, read and validated once into ``FleetSettings`` (errors name the key).

Every feature is off by default: 0 and the empty string mean off, which is also what LEDMatrix's
web form sends for a field left empty.
"""

from __future__ import annotations

import base64
import ipaddress
import math
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_BIND = "127.0.0.1"
DEFAULT_POLL_SECONDS = 30.0
MAX_MATCHERS = 16
_MATCHER = re.compile(r'\s*[A-Za-z_][A-Za-z0-9_]*\s*(?:=~|!~|!=|=)\s*(?:"(?:[^"\\]|\\.)*"|[^\s"{},=~!]*)\s*')
_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
KEYS = ("metrics_port", "metrics_bind", "metrics_textfile", "alertmanager_url", "alertmanager_matchers",
        "alertmanager_token_file", "alertmanager_poll_seconds")


class FleetConfigError(ValueError):
    """A fleet config value that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class FleetSettings:
    """Metrics out and alerts in, as configured (the URL is left out of the repr: it may hold a password)."""

    metrics_port: int = 0
    metrics_bind: str = DEFAULT_BIND
    metrics_textfile: str = ""
    alertmanager_url: str = field(default="", repr=False)
    alertmanager_matchers: tuple[str, ...] = ()
    alertmanager_token_file: str = ""
    alertmanager_poll_seconds: float = DEFAULT_POLL_SECONDS

    @property
    def metrics_enabled(self) -> bool:
        """True when the endpoint or the textfile is asked for."""
        return bool(self.metrics_port or self.metrics_textfile)

    @property
    def alertmanager_enabled(self) -> bool:
        """True when an Alertmanager is to be polled."""
        return bool(self.alertmanager_url)


def parse_fleet_settings(config: Mapping[str, Any] | None) -> FleetSettings:
    """The fleet settings in the plugin's config dict (missing keys and null take their defaults)."""
    config = config if config is not None else {}
    if not isinstance(config, Mapping):
        raise FleetConfigError(f"plugin config must be an object, got {type(config).__name__}")
    url = _string(config, "alertmanager_url")
    if url:
        check_url("alertmanager_url", url)
    textfile = _string(config, "metrics_textfile")
    if textfile and (not textfile.endswith(".prom") or not textfile.startswith("/")):
        raise FleetConfigError(f"metrics_textfile must be an absolute path ending in .prom "
                               f"(node_exporter reads only those), got {textfile!r}")
    return FleetSettings(
        metrics_port=int(check_number("metrics_port", _get(config, "metrics_port", 0), 0, 65535,
                                      integral=True)),
        metrics_bind=check_bind("metrics_bind", _string(config, "metrics_bind") or DEFAULT_BIND),
        metrics_textfile=textfile,
        alertmanager_url=url,
        alertmanager_matchers=_matchers(config),
        alertmanager_token_file=_string(config, "alertmanager_token_file"),
        alertmanager_poll_seconds=check_number(
            "alertmanager_poll_seconds", _get(config, "alertmanager_poll_seconds", DEFAULT_POLL_SECONDS),
            5.0, 3600.0),
    )


def check_number(name: str, value: object, low: float, high: float, *, integral: bool = False) -> float:
    """``value`` as a finite number in [low, high] (a whole one if ``integral``); error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            integral and isinstance(value, float) and not value.is_integer()):
        kind = "an integer" if integral else "a number"
        raise FleetConfigError(f"{name} must be {kind} from {low:g} to {high:g}, got {value!r}")
    number = float(value) if abs(value) < 1e300 else math.inf
    if not (math.isfinite(number) and low <= number <= high):
        raise FleetConfigError(f"{name} must be from {low:g} to {high:g}, got {value!r}")
    return number


def check_url(name: str, url: object) -> tuple[str, str | None]:
    """An http(s) base address as (address without user or password, Basic credentials or None)."""
    if not isinstance(url, str) or len(url) > 2000:
        raise FleetConfigError(f"{name} must be a URL such as http://alertmanager:9093")
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise FleetConfigError(f"{name} must be an http:// or https:// address without a query, "
                               f"such as http://alertmanager:9093 (got a {parts.scheme or 'schemeless'} one)")
    try:
        port = parts.port
    except ValueError:
        raise FleetConfigError(f"{name} has a bad port number") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    base = f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path.rstrip('/')}"
    basic = None
    if parts.username is not None:
        credentials = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        basic = base64.b64encode(credentials.encode()).decode("ascii")
    return base, basic


def check_matcher(name: str, matcher: object) -> str:
    """One Alertmanager label matcher (``severity=~"critical|error"``, ``team!=lab``), stripped."""
    if not isinstance(matcher, str) or len(matcher) > 512 or not _MATCHER.fullmatch(matcher):
        raise FleetConfigError(f'{name}: {matcher!r} is not a matcher such as severity=~"critical|error" '
                               "(label, one of = != =~ !~, value)")
    return matcher.strip()


def check_bind(name: str, bind: str) -> str:
    """An IP address or host name to listen on."""
    try:
        return str(ipaddress.ip_address(bind))
    except ValueError:
        if _HOSTNAME.fullmatch(bind):
            return bind
    raise FleetConfigError(f"{name} must be an IP address or a host name to listen on "
                           f"(127.0.0.1: this Pi only; 0.0.0.0: every interface), got {bind!r}")


def _matchers(config: Mapping[str, Any]) -> tuple[str, ...]:
    """A list of matchers; one string is one matcher."""
    value = _get(config, "alertmanager_matchers", [])
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or len(items) > MAX_MATCHERS:
        raise FleetConfigError(f"alertmanager_matchers must be a list of at most {MAX_MATCHERS} matchers")
    return tuple(check_matcher("alertmanager_matchers", item) for item in items if item != "")


def _get(config: Mapping[str, Any], key: str, default: object) -> object:
    value = config.get(key)
    return default if value is None else value


def _string(config: Mapping[str, Any], key: str) -> str:
    value = _get(config, key, "")
    if not isinstance(value, str):
        raise FleetConfigError(f"{key} must be a string, got {type(value).__name__}")
    return value.strip()
