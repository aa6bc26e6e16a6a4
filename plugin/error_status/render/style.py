"""How the panel looks: colours that read on LEDs, scroll speed; validated once, in one place."""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..model import HealthState, Severity

RGB = tuple[int, int, int]

DEFAULT_SEVERITY_COLOURS: dict[Severity, RGB] = {
    Severity.WARNING: (255, 176, 0),
    Severity.ERROR: (255, 96, 0),
    Severity.CRITICAL: (255, 0, 0),
}
DEFAULT_HEALTH_COLOURS: dict[HealthState, RGB] = {
    HealthState.HEALTHY: (0, 112, 255),
    HealthState.UNKNOWN: (96, 96, 144),
    HealthState.DISABLED: (72, 72, 96),
    HealthState.DEGRADED: (255, 176, 0),
    HealthState.FAILING: (255, 96, 0),
    HealthState.CRITICAL: (255, 0, 0),
}
ALL_CLEAR_COLOUR: RGB = (0, 200, 96)
MIN_LIT_CHANNEL = 64
TICKER_CONTENTS = ("cause", "cause_and_detail")


def check_colour(name: str, value: object) -> RGB:
    """``value`` as an RGB tuple whose lit channels are bright enough to survive dimming."""
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise ValueError(f"{name} must be three integers [r, g, b], got {reprlib.repr(value)}")
    if not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in value):
        raise ValueError(f"{name} must be three integers 0-255, got {reprlib.repr(value)}")
    channels: tuple[int, ...] = tuple(int(c) for c in value)
    if not any(channels):
        raise ValueError(f"{name} must not be black: it would be invisible")
    if any(0 < c < MIN_LIT_CHANNEL for c in channels):
        raise ValueError(f"{name}: every lit channel must be >= {MIN_LIT_CHANNEL} to survive the dimming "
                         f"schedule (LED panels lose low values), got {reprlib.repr(value)}")
    return (channels[0], channels[1], channels[2])


@dataclass(frozen=True)
class Style:
    """Everything about appearance that a user may configure."""

    severity_colours: Mapping[Severity, RGB] = field(default_factory=lambda: dict(DEFAULT_SEVERITY_COLOURS))
    health_colours: Mapping[HealthState, RGB] = field(default_factory=lambda: dict(DEFAULT_HEALTH_COLOURS))
    all_clear_colour: RGB = ALL_CLEAR_COLOUR
    scroll_speed: float = 30.0
    show_dots: bool = True
    dots_position: str = "auto"
    ticker_content: str = "cause_and_detail"

    def __post_init__(self) -> None:
        if not 1.0 <= float(self.scroll_speed) <= 500.0:
            raise ValueError(f"scroll_speed must be 1-500 pixels per second, got {self.scroll_speed!r}")
        if self.dots_position not in ("auto", "bottom", "right"):
            raise ValueError(f"dots_position must be auto, bottom or right, got {self.dots_position!r}")
        if self.ticker_content not in TICKER_CONTENTS:
            raise ValueError(f"ticker_content must be one of {', '.join(TICKER_CONTENTS)}, "
                             f"got {self.ticker_content!r}")
        for severity, colour in self.severity_colours.items():
            check_colour(f"colour of {severity.label}", colour)
        for state, colour in self.health_colours.items():
            check_colour(f"colour of {state.value}", colour)
        check_colour("all-clear colour", self.all_clear_colour)

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.severity_colours.items())),
                     tuple(sorted(self.health_colours.items(), key=lambda kv: kv[0].value)),
                     self.all_clear_colour, self.scroll_speed, self.show_dots, self.dots_position,
                     self.ticker_content))

    def colour(self, severity: Severity) -> RGB:
        """The colour of a severity."""
        return self.severity_colours.get(severity, DEFAULT_SEVERITY_COLOURS[severity])

    def health_colour(self, state: HealthState) -> RGB:
        """The colour of a health state."""
        return self.health_colours.get(state, DEFAULT_HEALTH_COLOURS[state])
