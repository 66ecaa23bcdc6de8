"""Literal prefilters for the rule patterns: skip a rule unless a string it needs is present.

Why: the rule patterns are long word alternations with look-behinds; Python's `re` tries
every alternative at every position, so 34 rules cost about 3 ms a post. Each pattern is
parsed once into sets of literal strings, at least one of which any match must contain
(a necessary condition, derived from the regex itself, never written by hand). One scan of
the text for all literals at once then tells which rules can fire; only those are searched.
What fires is unchanged (tests/classifiers/test_compiled.py compares on real posts).
"""

from __future__ import annotations

import hashlib
import json
import re
import re._constants as C
import re._parser as sre_parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CAP = 256  # largest exact set kept while expanding a sequence
MAX_CLASS = 12  # a character class with more members says too little to be worth expanding
# A literal set whose shortest string is shorter than this is not used. Two, not three: the
# chain-message rule's set holds `a1` and was tried on every post (0.008 ms a tweet); no set
# of the shipped rules holds a one-character string.
MIN_USEFUL = 2


@dataclass(frozen=True)
class _Info:
    exact: frozenset[str] | None  # every string the node can match (when few)
    need: frozenset[str] | None  # one of these is inside every match (None: unknown)


_EMPTY = _Info(frozenset({""}), None)
_UNKNOWN = _Info(None, None)


def _score(strings: frozenset[str] | None) -> tuple[int, int]:
    if not strings:
        return (0, 0)
    return (min(len(s) for s in strings), -len(strings))


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    return b if _score(b) > _score(a) else a


def _as_need(info: _Info) -> frozenset[str] | None:
    # An exact set without the empty string is itself a necessary condition.
    best = info.need
    if info.exact is not None and "" not in info.exact:
        best = _better(best, info.exact)
    return best


def _sequence(items: Iterable[tuple[Any, Any]]) -> _Info:
    run: frozenset[str] = frozenset({""})
    whole: frozenset[str] | None = run
    need: frozenset[str] | None = None
    for op, av in items:
        info = _node(op, av)
        if info.exact is not None and len(run) * len(info.exact) <= CAP:
            run = frozenset(a + b for a in run for b in info.exact)
            continue
        need = _better(need, run if "" not in run else None)
        need = _better(need, _as_need(info))
        whole = None
        run = info.exact if info.exact is not None and len(info.exact) <= CAP else frozenset({""})
    need = _better(need, run if "" not in run else None)
    return _Info(run if whole is not None else None, need)


def _node(op: Any, av: Any) -> _Info:
    if op is C.LITERAL:
        return _Info(frozenset({chr(av)}), None)
    if op is C.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is C.LITERAL:
                chars.add(chr(value))
            elif kind is C.RANGE and value[1] - value[0] < MAX_CLASS:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            else:  # NEGATE, CATEGORY (\w, \s), wide ranges
                return _UNKNOWN
        return _Info(frozenset(chars), None) if 0 < len(chars) <= MAX_CLASS else _UNKNOWN
    if op is C.BRANCH:
        branches = [_sequence(seq) for seq in av[1]]
        exact: frozenset[str] | None = None
        if all(b.exact is not None for b in branches):
            union = frozenset().union(*(b.exact for b in branches if b.exact is not None))
            exact = union if len(union) <= CAP else None
        needs = [_as_need(b) for b in branches]
        need = frozenset().union(*needs) if all(n for n in needs) else None  # type: ignore[arg-type]
        return _Info(exact, need)
    if op is C.SUBPATTERN:
        _group, add_flags, _del, sub = av
        return _UNKNOWN if add_flags & re.IGNORECASE else _sequence(sub)
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _sequence(av)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op is getattr(C, "POSSESSIVE_REPEAT", None):
        low, high, sub = av
        child = _sequence(sub)
        if low == 0:
            if high == 1 and child.exact is not None:
                return _Info(child.exact | {""}, None)
            return _EMPTY if high == 0 else _UNKNOWN
        exact = child.exact if low == high == 1 else None
        return _Info(exact, _as_need(child))
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        # Zero-width: ignoring what they assert keeps the condition necessary.
        return _EMPTY
    return _UNKNOWN


def required_literals(pattern: str) -> frozenset[str] | None:
    """Return strings one of which every match of `pattern` contains (None if none useful)."""
    parsed = sre_parse.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return None
    need = _as_need(_sequence(list(parsed)))
    return need if need and _score(need)[0] >= MIN_USEFUL else None


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """Yield (position, character, depth before it) of each `(`, `)` and `|` outside classes."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 1 if pattern.startswith("^", i + 1) else 0
            i += 1 if pattern.startswith("]", i + 1) else 0  # a leading `]` is a member
        elif ch in "()|":
            yield i, ch, depth
            depth += 1 if ch == "(" else -1 if ch == ")" else 0
        i += 1


def _split(pattern: str) -> list[str]:
    out, start = [], 0
    for i, ch, depth in _structure(pattern):
        if ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
    out.append(pattern[start:])
    return out


def _unwrapped(pattern: str) -> list[str] | None:
    """Return the branches of `(A|B)` or `(?:A|B)` as [`A`, `B`] (None for other patterns)."""
    if pattern.startswith("(?:"):
        body = pattern[3:-1]
    elif pattern.startswith("(") and not pattern.startswith("(?"):
        body = pattern[1:-1]  # `(?` opens a look-around, a named group or flags: kept
    else:
        return None
    # The group opened first must be the one the last character closes (not `(a)|(b)`).
    closes = [i for i, ch, depth in _structure(pattern) if ch == ")" and depth == 1]
    if closes[:1] != [len(pattern) - 1]:
        return None
    inner = _split(body)
    return inner if len(inner) > 1 else None


def top_level_branches(pattern: str) -> list[str]:
    """Return the alternatives of a pattern's outermost `|` ([pattern] when it has none).

    `search(A|B)` finds a match exactly when `search(A)` or `search(B)` does, so a caller
    that only asks "is there a match" may search the branches one by one, skipping those
    whose own required literals are absent. A pattern that is one group around an
    alternation, `(A|B)`, is split the same way (nothing refers to the group). Patterns with
    back-references or global inline flags are returned whole: splitting them could change
    what they match.
    """
    if re.search(r"\\[1-9]|\(\?P=|\(\?[aiLmsux]+\)", pattern):
        return [pattern]
    out = _split(pattern)
    if len(out) == 1:
        # Why not `\\b(A|B)\\b` too (exact as well): split so, the literal alternations
        # (`bc_slander`'s 39 names) searched 1.2 us a tweet slower, one branch at a time.
        return _unwrapped(pattern) or out
    return out


# Literal sets of the shipped rules, keyed by the sha256 of each pattern: parsing the rule
# regexes again on every start cost a second of CPU. A stale or missing entry is computed
# (correct, only slower); tests/classifiers/test_compiled.py keeps the file current
# (`write_cache(rule_match.literal_patterns())` rewrites it).
CACHE_FILE = Path(__file__).with_name("rule_literals.json")


def pattern_key(pattern: str) -> str:
    """Return the cache key of a pattern."""
    return hashlib.sha256(pattern.encode("utf-8")).hexdigest()[:24]


def load_cache(path: Path = CACHE_FILE) -> dict[str, list[str] | None]:
    """Return the shipped literal sets ({} when the file is missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def cached_literals(pattern: str, cache: dict[str, list[str] | None]) -> frozenset[str] | None:
    """Return `required_literals(pattern)`, from the cache when it holds the pattern."""
    key = pattern_key(pattern)
    if key in cache:
        got = cache[key]
        if got is None or (isinstance(got, list) and all(isinstance(w, str) for w in got)):
            return frozenset(got) if got is not None else None
    return required_literals(pattern)


def write_cache(patterns: Iterable[str], path: Path = CACHE_FILE) -> None:
    """Write the literal sets of `patterns` (run after editing a rule book)."""
    data = {}
    for p in patterns:
        need = required_literals(p)
        data[pattern_key(p)] = sorted(need) if need is not None else None
    path.write_text(json.dumps(data, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _trie_regex(words: Iterable[str]) -> str:
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        kids = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not kids:
            return ""
        body = kids[0] if len(kids) == 1 else "(?:" + "|".join(kids) + ")"
        # Greedy optional tail: the longest literal at a position is the one returned.
        return f"(?:{body})?" if ends else body

    return build(trie)


class LiteralScanner:
    """Finds which of many literals occur in a text, overlapping ones included, in one scan."""

    def __init__(self, literals: Iterable[str]) -> None:
        words = sorted({w for w in literals if w})
        self._rx = re.compile(f"(?=({_trie_regex(words)}))") if words else None
        known = set(words)
        # The longest literal at a position implies all literals that are its prefixes.
        self._implied = {w: frozenset(w[:i] for i in range(1, len(w) + 1)) & known for w in words}

    def found(self, text: str) -> set[str]:
        """Return every literal that occurs in `text`."""
        out: set[str] = set()
        if self._rx is None:
            return out
        for m in self._rx.finditer(text):
            hit = m.group(1)
            if hit:
                out |= self._implied[hit]
        return out
