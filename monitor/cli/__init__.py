"""The `waspada` command line."""
