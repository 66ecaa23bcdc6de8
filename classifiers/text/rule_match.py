"""The lexicon/rule layer: precise patterns over normalised text, as features and as floors.

Each rule is a regular expression over the output of `normalize`. Every rule becomes a
feature column the per-label linear models weigh; "strong" rules (a money offer tied to a
vote, a slur aimed at a candidate, ...) also set a floor under their label's score unless
one of the label's suppressors fired (appeals against vote-buying, debunks, history).
Pure functions (no scikit-learn): `waspada classify` imports them without sklearn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from classifiers.text.prefilter import (
    LiteralScanner,
    cached_literals,
    load_cache,
    top_level_branches,
)
from classifiers.text.rulebook import RULES, Rule

__all__ = [
    "RULES",
    "Rule",
    "compiled_rules",
    "fired",
    "hit_columns",
    "literal_patterns",
    "plain",
    "rule_columns",
    "rule_floors",
    "unquoted",
]


# A rule's literal sets larger than this are dropped when it has a smaller one (see `_Gated`).
MAX_NEED = 150
# A branch's literal set is tested by substring when it has at most this many strings.
MAX_BRANCH_NEED = 12

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


# Look-behinds in front of a word boundary, as the identity rules open ("not after `tidak `").
_LEADING_LOOKBEHINDS = re.compile(r"((?:\(\?<[!=][^()]*\))+)\\b")


def boundary_first(pattern: str) -> str:
    """Move a `\\b` that follows leading look-behinds to the front: the same matches.

    All of them are zero-width tests of one position, so their order changes nothing but the
    cost: `re` runs the 13 look-behinds at every position, the `\\b` fails at most of them
    first (the five branches that open so searched 2.5 times faster on real tweets).
    """
    found = _LEADING_LOOKBEHINDS.match(pattern)
    return pattern if found is None else "\\b" + found.group(1) + pattern[found.end() :]


def _small(need: frozenset[str] | None) -> bool:
    return need is not None and len(need) <= MAX_BRANCH_NEED


class _Gated:
    """A compiled rule pattern behind its cheap necessary-condition gates."""

    def __init__(self, rule: Rule, cache: dict[str, list[str] | None] | None = None) -> None:
        self._sources = (rule.pattern, rule.gates)
        self._pattern: re.Pattern[str] | None = None
        self._gates: list[re.Pattern[str]] | None = None
        self.outside_quotes = rule.outside_quotes
        # Literal sets the pattern and each gate need (see `prefilter`): cheap to test first.
        patterns = (rule.pattern, *rule.gates)
        needs = [n for p in patterns if (n := cached_literals(p, cache or {}))]
        # Big sets cost scan and start-up time and filter little when a smaller one exists.
        small = [n for n in needs if len(n) <= MAX_NEED]
        self.needs = small or sorted(needs, key=len)[:1]
        # Why branches: `re` tries every alternative of a long pattern at every position;
        # searched one by one, a branch whose few required strings are absent is skipped.
        # (One branch is the whole pattern, already behind `needs`.)
        branches = top_level_branches(rule.pattern)
        self._branches = [
            (b, n if len(branches) > 1 and _small(n := cached_literals(b, cache or {})) else None)
            for b in branches
        ]
        self._compiled_branches: list[tuple[re.Pattern[str], frozenset[str] | None]] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """Return the whole compiled pattern (compiled on first use)."""
        if self._pattern is None:
            self._pattern = re.compile(boundary_first(self._sources[0]))
        return self._pattern

    @property
    def gates(self) -> list[re.Pattern[str]]:
        """Return the compiled gates."""
        if self._gates is None:
            self._gates = [re.compile(g) for g in self._sources[1]]
        return self._gates

    def _branch_patterns(self) -> list[tuple[re.Pattern[str], frozenset[str] | None]]:
        # Why lazy: compiling all rules costs 60 ms of every start (`waspada classify` must
        # answer its first line in under 2 s), and most texts rule most patterns out first.
        got = self._compiled_branches
        if got is None:
            if len(self._branches) == 1:
                got = [(self.pattern, None)]
            else:
                got = [(re.compile(boundary_first(b)), need) for b, need in self._branches]
            self._compiled_branches = got
        return got

    def compile(self) -> None:
        """Compile the gates and branches now (a parent does so before forking workers)."""
        _ = self.gates
        self._branch_patterns()

    def possible(self, found: set[str]) -> bool:
        """Tell whether the text's literals (from `SCANNER`) leave this rule a chance to fire."""
        return all(not found.isdisjoint(need) for need in self.needs)

    def search(self, text: str) -> bool:
        """Tell whether the rule's pattern occurs in the text (outside quotes if asked)."""
        return self.matches(unquoted(text) if self.outside_quotes else plain(text))

    def matches(self, prepared: str) -> bool:
        """Search a text already passed through `unquoted` or `plain` (as the rule asks)."""
        if not all(g.search(prepared) for g in self.gates):
            return False
        return any(
            (need is None or any(w in prepared for w in need)) and rx.search(prepared) is not None
            for rx, need in self._branch_patterns()
        )


def compiled_rules() -> list[tuple[Rule, _Gated]]:
    """Return every rule with its compiled (gated) pattern."""
    cache = load_cache()
    return [(r, _Gated(r, cache)) for r in RULES]


def literal_patterns() -> list[str]:
    """Return every pattern whose literal set `rule_literals.json` holds (gates, branches)."""
    out: list[str] = []
    for rule in RULES:
        branches = top_level_branches(rule.pattern)
        out.extend([rule.pattern, *rule.gates, *(branches if len(branches) > 1 else [])])
    return list(dict.fromkeys(out))


_COMPILED = compiled_rules()
# One scanner over every literal any rule needs: one pass per text instead of one per rule.
SCANNER = LiteralScanner(w for _, g in _COMPILED for need in g.needs for w in need)


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


def compile_rules() -> None:
    """Compile every rule's gates and branches now (what a model's `warm` compiles)."""
    for _, gated in _COMPILED:
        gated.compile()


def rule_columns(names: Iterable[str]) -> list[tuple[Rule, _Gated] | None]:
    """Return the compiled rule per recorded column name (None for a rule since removed).

    Columns follow the names recorded at fit time: a model fitted with an older rule set
    keeps its width, and a rule it never saw is not smuggled in.
    """
    by_name = {rule.name: (rule, pat) for rule, pat in _COMPILED}
    return [by_name.get(name) for name in names]


class _Dispatch:
    """Which columns a found literal can make possible, so a text tries only those."""

    def __init__(self, columns: list[tuple[Rule, _Gated] | None]) -> None:
        self.columns = columns  # held: the cache below is keyed by its id
        self.always: list[int] = []
        by_literal: dict[str, list[int]] = {}
        for j, c in enumerate(columns):
            if c is None:
                continue
            if not c[1].needs:
                self.always.append(j)
                continue
            # `possible` needs every literal set met, so the first one alone finds the column.
            for word in c[1].needs[0]:
                by_literal.setdefault(word, []).append(j)
        self.by_literal = by_literal

    def candidates(self, found: set[str]) -> list[int]:
        """Return, in column order, the columns that may be possible given these literals."""
        if not found:
            return self.always
        out = set(self.always)
        for word in found:
            got = self.by_literal.get(word)
            if got:
                out.update(got)
        return sorted(out)


# Why: a text's literals make two or three of the 34 rules possible; testing `possible` on
# every column cost more than the scan. Keyed by the column list (one per loaded model).
_DISPATCH: dict[int, _Dispatch] = {}


def _dispatch(columns: list[tuple[Rule, _Gated] | None]) -> _Dispatch:
    got = _DISPATCH.get(id(columns))
    if got is None or got.columns is not columns:
        if len(_DISPATCH) >= 16:
            _DISPATCH.clear()
        got = _DISPATCH[id(columns)] = _Dispatch(columns)
    return got


def hit_columns(text: str, columns: list[tuple[Rule, _Gated] | None]) -> list[int]:
    """Return the positions in `columns` whose rule fires on a normalised text, countered
    strong (or counterable) rules left out: what `RuleFeatures` puts in a row.

    The quote-stripped forms are computed once per text, not once per rule.
    """
    bare = plain(text)
    outside = unquoted(text) if "\t" in text else bare
    found_bare = SCANNER.found(bare)
    found_outside = found_bare if outside is bare else SCANNER.found(outside)
    found_any = found_bare if outside is bare else found_bare | found_outside
    hits = []
    for j in _dispatch(columns).candidates(found_any):
        c = columns[j]
        assert c is not None
        gated = c[1]
        prepared, found = (outside, found_outside) if gated.outside_quotes else (bare, found_bare)
        if gated.possible(found) and gated.matches(prepared):
            hits.append((j, c[0]))
    countered = {rule.label for _, rule in hits if rule.suppressor}
    return [
        j
        for j, rule in hits
        # A strong rule inside counter-speech ("yang bilang 'jangan pilih kafir' itu memecah
        # belah") is a quotation: it must not push the model either.
        if not ((rule.strong or rule.counterable) and rule.label in countered)
    ]
