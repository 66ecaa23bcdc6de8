"""modelversions domain."""
