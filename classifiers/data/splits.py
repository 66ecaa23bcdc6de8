"""Train/validation/test splits with near-copies kept on the same side."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from classifiers.data.example import Example

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_KEY_CHARS = 40
SPLIT_SALT = "waspada"  # changing it reshuffles every split: model cards record it


def _keys(text: str) -> tuple[str, str]:
    # Retweets, forwards and re-titled debunks share their first or last few words.
    flat = _NON_ALNUM.sub("", text.lower())
    return "p:" + flat[:_KEY_CHARS], "s:" + flat[-_KEY_CHARS:]


def near_copy_groups(examples: Sequence[Example]) -> list[int]:
    """Return a group id per example; examples sharing a prefix or suffix key share a group."""
    parent = list(range(len(examples)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, ex in enumerate(examples):
        for key in _keys(ex.text):
            if len(key) < 12:  # too short to mean "copy"
                continue
            j = owner.setdefault(key, i)
            if j != i:
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(examples))]


def split_examples(
    examples: Sequence[Example], val: float = 0.15, test: float = 0.15, salt: str = SPLIT_SALT
) -> tuple[list[Example], list[Example], list[Example]]:
    """Split deterministically by near-copy group into (train, validation, test)."""
    groups = near_copy_groups(examples)
    train: list[Example] = []
    valid: list[Example] = []
    held: list[Example] = []
    for ex, group in zip(examples, groups, strict=True):
        anchor = examples[group]
        digest = hashlib.sha256(f"{salt}:{anchor.source}:{anchor.text}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        (held if u < test else valid if u < test + val else train).append(ex)
    return train, valid, held


def sample_rows(rows: Sequence[Example], name: str, limit: int) -> list[Example]:
    """Keep `limit` rows in a fixed pseudo-random order (the same rows on every run)."""
    if len(rows) <= limit:
        return list(rows)

    def key(ex: Example) -> bytes:
        return hashlib.sha256(f"{name}:{ex.id}:{ex.text}".encode()).digest()

    return sorted(rows, key=key)[:limit]
