"""Transitional: the host adapters now live in host_mirror, host_health, host_wake and persistence."""

from .persistence import StatePersistence, validate_state

__all__ = ["StatePersistence", "validate_state"]
