"""The reviewers' and liaisons' read side: figures, views and reports built from the domains."""
