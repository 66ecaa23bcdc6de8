"""The suite's seeded worlds, one module per audience, all built with tests/support/posts.py.

- `review`: two provinces, a cross-province cluster, one flagged post per label, every role's key.
- `mix`: posts far from, near to and disputed across thresholds (the uncertainty mix).
- `web`: realistic Indonesian posts with explanations, a debunk and hostile text (web pages).
- `research`: a seeds-only model promoted, held-out posts scored and reviewed (notebooks).
"""
