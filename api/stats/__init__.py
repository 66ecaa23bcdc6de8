"""stats endpoints."""
