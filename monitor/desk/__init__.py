"""The reviewers' and liaisons' read side (queue, explore, detail, exports, stats, figures).

It imports the domains; no domain imports it.
"""
