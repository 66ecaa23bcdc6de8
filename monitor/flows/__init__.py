"""Cross-domain steps: the arrival flow, priority, and scoring followed by priority."""
