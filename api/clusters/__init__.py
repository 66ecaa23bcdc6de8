"""clusters endpoints."""
