"""The shipped compiled code of the rule patterns: current, exact, and never trusted blindly."""

from __future__ import annotations

import json
import re
from pathlib import Path

from classifiers.text import regex_code, rule_match
from classifiers.text.regex_code import CODE_FILE, code_key, compile_rule, engine, write_code


def test_shipped_code_is_current_and_compiles_exactly_like_re() -> None:
    shipped = json.loads(CODE_FILE.read_text(encoding="utf-8"))
    assert shipped["engine"] == engine(), "run write_code(rule_match.coded_patterns())"
    for pattern in rule_match.coded_patterns():
        assert code_key(pattern) in shipped["patterns"], (
            f"run write_code(rule_match.coded_patterns()) after editing {pattern[:60]!r}"
        )
        re.purge()
        # Pattern equality compares the flags, the source and the compiled code itself.
        assert compile_rule(pattern) == re.compile(pattern)


def test_the_scanner_and_rules_use_the_shipped_code() -> None:
    assert rule_match.SCANNER.pattern is not None
    assert code_key(rule_match.SCANNER.pattern) in regex_code._shipped()
    texts = ["jangan pilih calon kafir, mereka antek asing", "serangan fajar amplop 100 ribu"]
    for text in texts:
        assert rule_match.SCANNER.found(text) == {
            w
            for w in {m.group(1) for m in re.finditer(rule_match.SCANNER.pattern, text)}
            for w in rule_match.SCANNER._implied[w]
        }


def _compile_with(tmp_path: Path, data: object, pattern: str) -> re.Pattern[str]:
    path = tmp_path / "code.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    regex_code._shipped.cache_clear()
    try:
        return compile_rule(pattern, path)
    finally:
        regex_code._shipped.cache_clear()


def test_a_pattern_not_in_the_file_is_compiled(tmp_path: Path) -> None:
    write_code([r"\bpemilu\b"], tmp_path / "code.json")
    regex_code._shipped.cache_clear()
    try:
        assert compile_rule(r"\bpemilu\b", tmp_path / "code.json") == re.compile(r"\bpemilu\b")
        assert compile_rule(r"\bkpu\b", tmp_path / "code.json") == re.compile(r"\bkpu\b")
    finally:
        regex_code._shipped.cache_clear()


def test_code_for_another_engine_is_ignored(tmp_path: Path) -> None:
    pattern = r"\b(curang|curangi)\b"
    entry = regex_code._entry(r"\bzzz\b", 0)  # code of another pattern under this key
    data = {"engine": "cpython-99/1/4", "patterns": {code_key(pattern): entry}}
    got = _compile_with(tmp_path, data, pattern)
    assert got == re.compile(pattern) and got.search("dicurangi curang")


def test_damaged_or_missing_files_fall_back_to_compiling(tmp_path: Path) -> None:
    pattern = r"\b(curang|curangi)\b"
    good = regex_code._entry(pattern, 0)
    damaged = [
        # Code `_sre` refuses ("invalid SRE code"): cut short, an unknown opcode. Its check
        # is structural (no crash), so the shipped file is kept current by the test above.
        {**good, "code": good["code"][:-1]},
        {**good, "code": [12345, *good["code"][1:]]},
        {**good, "code": "not a list"},
        {k: v for k, v in good.items() if k != "groups"},
    ]
    for entry in damaged:
        data = {"engine": engine(), "patterns": {code_key(pattern): entry}}
        assert _compile_with(tmp_path, data, pattern) == re.compile(pattern)
    assert _compile_with(tmp_path, ["not", "a", "dict"], pattern) == re.compile(pattern)
    regex_code._shipped.cache_clear()
    try:
        assert compile_rule(pattern, tmp_path / "absent.json") == re.compile(pattern)
    finally:
        regex_code._shipped.cache_clear()
