"""Cross-cutting infrastructure: settings, database engine and sessions, logging."""
