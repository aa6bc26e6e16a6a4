"""The version of error-status (one place: the package, the manifest test and the metrics read it)."""

__version__ = "0.1.0"
