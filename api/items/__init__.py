"""items endpoints."""
