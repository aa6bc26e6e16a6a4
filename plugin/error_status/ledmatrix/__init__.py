"""The LEDMatrix side: the plugin, its settings, the one driver thread, and the adapters to the host
(its aggregator mirrored or replaced, its plugin health, ERROR logs, the cache for saved state)."""
