"""error-status: LEDMatrix's error aggregation service made right, and a plugin that shows it."""
