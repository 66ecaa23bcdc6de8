"""Indonesian text pipeline, datasets, models and matching for Waspada's four labels."""
