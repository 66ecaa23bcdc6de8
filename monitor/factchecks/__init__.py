"""factchecks domain."""
