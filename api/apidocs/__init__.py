"""Interactive API docs (Swagger UI) served from an installed package, so they work offline."""
