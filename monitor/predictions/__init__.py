"""predictions domain."""
