"""The lexicon/rule layer: precise patterns over normalised text, as features and as floors.

Each rule is a regular expression over the output of `normalize`. Every rule becomes a
feature column the per-label linear models weigh; "strong" rules (a money offer tied to a
vote, a slur aimed at a candidate, ...) also set a floor under their label's score unless
one of the label's suppressors fired (appeals against vote-buying, debunks, history).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from classifiers.text.normalize import as_text_list
from classifiers.text.rulebook import RULES, Rule

__all__ = [
    "RULES",
    "Rule",
    "RuleFeatures",
    "compiled_rules",
    "fired",
    "plain",
    "rule_floors",
    "unquoted",
]


# A quoted passage: two or more words between quote tokens (a tab, see `normalize`). An
# old-style retweet (`"@user: ...`) quotes to endorse: a passage opening on a mention stays.
_QUOTED = re.compile(r"(?:^|(?<= ))\t (?!mentiontoken)(?:[^\t ]+ ){2,80}\t(?= |$)")


def unquoted(text: str) -> str:
    """Replace quoted passages of a normalised text by `kutipan`; drop the other quote marks."""
    if "\t" not in text:
        return text
    return plain(_QUOTED.sub("kutipan", text))


def plain(text: str) -> str:
    """Drop the quote tokens (scare quotes around a word must not break a pattern)."""
    if "\t" not in text:
        return text
    return " ".join(t for t in text.split(" ") if t != "\t")


class _Gated:
    """A compiled rule pattern behind its cheap necessary-condition gates."""

    def __init__(self, rule: Rule) -> None:
        self.pattern = re.compile(rule.pattern)
        self.gates = [re.compile(g) for g in rule.gates]
        self.outside_quotes = rule.outside_quotes

    def search(self, text: str) -> bool:
        """Tell whether the rule's pattern occurs in the text (outside quotes if asked)."""
        text = unquoted(text) if self.outside_quotes else plain(text)
        return all(g.search(text) for g in self.gates) and self.pattern.search(text) is not None


def compiled_rules() -> list[tuple[Rule, _Gated]]:
    """Return every rule with its compiled (gated) pattern."""
    return [(r, _Gated(r)) for r in RULES]


_COMPILED = compiled_rules()


def fired(text: str) -> list[Rule]:
    """Return the rules whose pattern occurs in a normalised text."""
    return [rule for rule, pat in _COMPILED if pat.search(text)]


def rule_floors(texts: Iterable[str], labels: Iterable[str], floor: float) -> np.ndarray:
    """Per text and label, the floor a strong unsuppressed rule puts under the score."""
    labels = list(labels)
    texts = list(texts)
    out = np.zeros((len(texts), len(labels)))
    for i, text in enumerate(texts):
        hits = fired(text)
        suppressed = {r.label for r in hits if r.suppressor}
        for r in hits:
            if r.strong and r.label not in suppressed and r.label in labels:
                out[i, labels.index(r.label)] = floor
    return out


class RuleFeatures(TransformerMixin, BaseEstimator):
    """One sparse 0/`weight` column per rule; a countered strong (or counterable) rule is 0."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, X: Any, y: object = None) -> RuleFeatures:
        """Validate the texts and record the rule names (the columns)."""
        as_text_list(X)
        self.rule_names_ = [r.name for r in RULES]
        return self

    def transform(self, X: Any) -> sp.csr_matrix:
        """Return a (n_texts, n_rules) sparse matrix of rule hits."""
        check_is_fitted(self)
        texts = as_text_list(X)
        # Columns follow the names recorded at fit time: a model fitted with an older rule
        # set keeps its width, and a rule it never saw is not smuggled in.
        by_name = {rule.name: (rule, pat) for rule, pat in _COMPILED}
        columns = [by_name.get(name) for name in self.rule_names_]
        rows: list[int] = []
        cols: list[int] = []
        for i, text in enumerate(texts):
            hits = [(j, c[0]) for j, c in enumerate(columns) if c is not None and c[1].search(text)]
            countered = {rule.label for _, rule in hits if rule.suppressor}
            for j, rule in hits:
                # A strong rule inside counter-speech ("yang bilang 'jangan pilih kafir' itu
                # memecah belah") is a quotation: it must not push the model either.
                if (rule.strong or rule.counterable) and rule.label in countered:
                    continue
                rows.append(i)
                cols.append(j)
        data = np.full(len(rows), float(self.weight))
        return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), len(columns)))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return `rule:<name>` per column."""
        return np.array([f"rule:{n}" for n in self.rule_names_], dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags
