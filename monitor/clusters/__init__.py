"""clusters domain."""
