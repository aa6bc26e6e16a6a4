"""The seed's report shapes (summary, plugin health, export document), built from copies taken
under the aggregator's lock: nothing here touches the aggregator's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..model import Severity
from .records import ErrorPattern, ErrorRecord, merge_by_type


def summary(session_start: datetime, total: int, hours: float, counts: dict[str, int],
            by_plugin: dict[str, dict[str, int]], patterns: list[ErrorPattern],
            recent: list[ErrorRecord], stats: dict[str, int]) -> dict[str, Any]:
    """``get_error_summary()``: the seed's keys, then ours (``patterns_by_type``, ``stats``)."""
    return {
        "session_start": session_start.isoformat(),
        "total_errors": total,
        "error_rate_per_hour": round(total / max(hours, 0.01), 2),
        "error_counts_by_type": counts,
        "plugin_error_counts": by_plugin,
        "active_patterns": {p.key: p.to_dict() for p in patterns},
        "recent_errors": [r.to_dict() for r in recent],
        "patterns_by_type": {k: v.to_dict() for k, v in merge_by_type(patterns).items()},
        "stats": stats,
    }


def health_status(recent: int, threshold: int) -> str:
    """The seed's status for a plugin with ``recent`` occurrences in the window."""
    if recent == 0:
        return "healthy"
    return "degraded" if recent < threshold else "unhealthy"


def plugin_health(plugin_id: str, types: dict[str, int], recent: int, last: ErrorRecord | None,
                  worst: Severity | None, threshold: int) -> dict[str, Any]:
    """``get_plugin_health()``: the seed's keys, with "recent" meaning within the pattern window."""
    return {
        "plugin_id": plugin_id,
        "status": health_status(recent, threshold),
        "total_errors": sum(types.values()),
        "error_types": types,
        "recent_error_count": recent,
        "last_error": last.to_dict() if last is not None else None,
        "worst_active_severity": worst.label if worst is not None else None,
    }


def export_document(exported_at: datetime, summary_data: dict[str, Any],
                    records: list[ErrorRecord]) -> dict[str, Any]:
    """What ``export_to_file()`` writes."""
    return {
        "exported_at": exported_at.isoformat(),
        "summary": summary_data,
        "all_records": [r.to_dict() for r in records],
    }
