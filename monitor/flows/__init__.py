"""Cross-domain steps: each runs several domains in order (scoring, promotion, arrival)."""
