"""exports endpoints."""
