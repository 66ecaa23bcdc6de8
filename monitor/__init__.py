"""Waspada monitor: collection, storage, scheduling and the CLI."""
