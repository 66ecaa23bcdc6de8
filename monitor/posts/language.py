"""The language of a post: which posts are scored, and the one function collectors call.

`detect_language(text, declared=None) -> LanguageResult` (from classifiers/text/language.py)
is the public entry point: collectors pass the platform's own tag (Mastodon `language`) or
the source's `language` setting as `declared`; it is used only where the detectors cannot
decide. Foreign posts are stored with their language and never scored.
"""

from __future__ import annotations

from classifiers.text.language import (
    IN_SCOPE,
    UNDETERMINED,
    LanguageResult,
    detect_language,
    detect_languages,
    is_scored,
)

# Languages whose posts the scoring job claims: in-scope ones and undetermined short texts.
CLASSIFIABLE: tuple[str, ...] = (*sorted(IN_SCOPE), UNDETERMINED)

__all__ = [
    "CLASSIFIABLE",
    "IN_SCOPE",
    "UNDETERMINED",
    "LanguageResult",
    "detect_language",
    "detect_languages",
    "is_classifiable",
]


def is_classifiable(language: str | None) -> bool:
    """Tell whether posts in `language` are scored by the classifier."""
    return language is not None and is_scored(language)
