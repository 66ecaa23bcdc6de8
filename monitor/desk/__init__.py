"""The reviewers' and liaisons' read side: queue, item detail, cluster views, figures, briefs."""
