"""The reviewers' and liaisons' read side: queue, detail, exports, figures, briefs.

It imports the domains; no domain imports it.
"""
