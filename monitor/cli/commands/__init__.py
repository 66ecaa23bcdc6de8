"""Per-domain CLI commands (typer sub-apps), loaded lazily by monitor/cli/main.py."""
