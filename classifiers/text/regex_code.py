"""The rule patterns' compiled `re` code, shipped, so a start does not compile them again.

Why: `re.compile` parses a pattern and generates its code in Python, then hands the code to
`_sre.compile` (C), which checks it and builds the pattern object. For the literal scanner
(a 28,597-character pattern over every literal the rules need) and the 34 rule patterns the
Python half cost about 0.2 s of CPU at every start of `waspada classify`, before the first
post. `regex_code.json` holds the generated code of those patterns for one `re` engine (the
interpreter's cache tag and `_sre.MAGIC`); a pattern it does not hold, a file for another
engine, or code `_sre` refuses is compiled the usual way. The file is part of the package
and trusted like its source: `_sre`'s check is structural (malformed code cannot crash the
interpreter, yet an edited number can change what a pattern matches), so
tests/classifiers/test_regex_code.py compares every shipped entry with `re.compile`
(`Pattern.__eq__` compares the code); `write_code(rule_match.coded_patterns())` rewrites the
file after a rule is edited.
"""

from __future__ import annotations

import _sre
import functools
import hashlib
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CODE_FILE = Path(__file__).with_name("regex_code.json")


def engine() -> str:
    """Return the `re` engine the code was generated for (interpreter, opcode version)."""
    return f"{sys.implementation.cache_tag}/{_sre.MAGIC}/{_sre.CODESIZE}"


def code_key(pattern: str, flags: int = 0) -> str:
    """Return the file's key of a pattern compiled with `flags`."""
    return hashlib.sha256(f"{flags}:{pattern}".encode()).hexdigest()[:32]


def _entry(pattern: str, flags: int) -> dict[str, Any]:
    # What `re._compiler.compile` passes to `_sre.compile` (same private steps, same values).
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    index_group: list[str | None] = [None] * parsed.state.groups
    for name, i in parsed.state.groupdict.items():
        index_group[i] = name
    return {
        "flags": flags | parsed.state.flags,
        "code": list(_compiler._code(parsed, flags)),
        "groups": parsed.state.groups - 1,
        "groupindex": dict(parsed.state.groupdict),
        "indexgroup": index_group,
    }


def write_code(patterns: Iterable[str], path: Path = CODE_FILE) -> None:
    """Write the compiled code of `patterns` for this interpreter (run after editing rules)."""
    data = {
        "engine": engine(),
        "patterns": {code_key(p): _entry(p, 0) for p in dict.fromkeys(patterns)},
    }
    path.write_text(json.dumps(data, sort_keys=True) + "\n", encoding="utf-8")


@functools.cache
def _shipped(path: Path = CODE_FILE) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("engine") != engine():
        return {}
    patterns = data.get("patterns")
    return patterns if isinstance(patterns, dict) else {}


def compile_rule(pattern: str, path: Path = CODE_FILE) -> re.Pattern[str]:
    """Return `re.compile(pattern)`, from the shipped code when it holds the pattern."""
    entry = _shipped(path).get(code_key(pattern))
    if isinstance(entry, dict):
        try:
            return _sre.compile(
                pattern,
                entry["flags"],
                entry["code"],
                entry["groups"],
                entry["groupindex"],
                tuple(entry["indexgroup"]),
            )
        except (KeyError, TypeError, ValueError, OverflowError, RuntimeError):
            pass  # not code `_sre` accepts (RuntimeError: "invalid SRE code"): compile it
    return re.compile(pattern)
