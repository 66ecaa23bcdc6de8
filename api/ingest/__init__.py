"""Push ingest endpoint."""
