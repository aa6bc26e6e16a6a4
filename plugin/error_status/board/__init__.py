"""What is on screen: active alerts from every source, health per plugin, as immutable snapshots."""

from .alerts import alert_from_pattern
from .board import AlertBoard

__all__ = ["AlertBoard", "alert_from_pattern"]
