"""Waspada's FastAPI service: the review queue, region figures, alerts and health."""
