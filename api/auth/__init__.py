"""Authentication (API keys, web session seam), rate limits and the per-action policy."""
