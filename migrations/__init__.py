"""Alembic migrations for the Waspada schema."""
