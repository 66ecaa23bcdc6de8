"""Cross-domain steps, each running several domains in order: arrival, priority, scoring."""
