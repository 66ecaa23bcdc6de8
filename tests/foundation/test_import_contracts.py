"""Imports go one way: the import-linter contracts pass, and no import dodges them.

The contracts (pyproject.toml, `[tool.importlinter]`): `classifiers/` imports nothing from
`monitor/` or `api/`; `monitor/` never imports `api/`; inside `monitor/`, domains in one order
(CONTRIBUTING.md, "Layers"). import-linter sees imports inside functions too, but an import
inside a function is also how a cycle gets hidden, so those are refused here as well, as are
`importlib` strings, which no linter can follow.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("monitor", "classifiers", "api")
# The CLI's command table imports each command's module when that command runs (start-up
# time: `waspada --help` must not import them).
LAZY_TABLE = {"monitor/cli/main.py"}
# Function-level imports of project modules still waiting for their branch, as
# (file, imported module). Keep each entry narrow and say who removes it.
PENDING: set[tuple[str, str]] = set()
# Lazy for start-up time, never for a cycle (the CLI sits above everything it imports):
# `waspada classify` answers from the sklearn-free scoring file; only models registered
# before it, and the first training, need the modules that import all of scikit-learn (and
# every ORM model, which only that training's writes need).
# `waspada classify` forks its database reads (`monitor.cli.prefetch`, whose child imports
# the database half) before importing its scoring half, and imports the one-process start
# (`classify_db`) only when the child's reads were not the plain case.
LAZY_FOR_SPEED = {
    ("monitor/cli/commands/classify_db.py", "monitor.modelversions.loading"),
    ("monitor/cli/commands/classify_db.py", "monitor.research.defaults"),
    ("monitor/cli/commands/classify_db.py", "monitor.tables"),
    ("monitor/cli/commands/classify.py", "monitor.cli.commands"),
    ("monitor/cli/commands/classify_score.py", "monitor.cli.commands.classify_db"),
    ("monitor/cli/prefetch.py", "monitor.core"),
    ("monitor/cli/prefetch.py", "monitor.core.runtime"),
    ("monitor/cli/prefetch.py", "monitor.core.settings"),
    ("monitor/cli/prefetch.py", "monitor.factchecks"),
    ("monitor/cli/prefetch.py", "monitor.modelversions"),
    ("monitor/cli/serve.py", "monitor.research.defaults"),
}


def _sources() -> list[Path]:
    return sorted(p for pkg in PROJECT for p in (ROOT / pkg).rglob("*.py"))


def _is_project(module: str | None) -> bool:
    return bool(module) and str(module).split(".")[0] in PROJECT


def _function_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every project import inside a function body."""
    found: list[tuple[int, str]] = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and _is_project(node.module):
                found.append((node.lineno, str(node.module)))
            elif isinstance(node, ast.Import):
                found += [(node.lineno, a.name) for a in node.names if _is_project(a.name)]
    return found


def _dynamic_imports(tree: ast.AST) -> list[int]:
    """Lines calling importlib.import_module / __import__ (a string no linter can follow)."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name in ("import_module", "__import__"):
            lines.append(node.lineno)
    return lines


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is missing: python3 -m pip install -e '.[test]'")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    res = subprocess.run(
        [exe, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
    assert "0 broken" in res.stdout, res.stdout[-6000:]


def test_the_layers_contract_has_no_exceptions() -> None:
    # Why: every upward edge was cut by moving code; a new one is fixed the same way, not waved.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}
    assert "ignore_imports" not in contracts["monitor-layers"]
    assert "ignore_imports" not in contracts["pure-classifiers"]


def test_no_function_level_imports_of_project_modules() -> None:
    problems = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel in LAZY_TABLE:
            continue
        for line, module in _function_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if (rel, module) not in PENDING | LAZY_FOR_SPEED:
                problems.append(f"{rel}:{line}: import of {module} inside a function")
    assert not problems, (
        "import project modules at the top of the file; a cycle means a step belongs in "
        "monitor/flows/ or a lower module:\n" + "\n".join(problems)
    )


def test_pending_exceptions_are_still_needed() -> None:
    # An entry whose import is gone must be deleted, so the list only ever shrinks.
    present = set()
    for rel, _ in PENDING:
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        present |= {(rel, m) for _, m in _function_imports(tree)}
    assert present >= PENDING, sorted(PENDING - present)


def test_no_importlib_strings() -> None:
    problems = [
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in _sources()
        for line in _dynamic_imports(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not problems, "import modules by name, not by string: " + ", ".join(problems)


def test_the_checks_see_what_they_refuse() -> None:
    # The walkers themselves, on hostile snippets: hidden imports of every shape are found.
    code = (
        "import json\n"
        "def f():\n    from monitor.reviews import service\n    import classifiers.text\n"
        "async def g():\n    if True:\n        from api.app import create_app\n"
        "def h():\n    import importlib\n    return importlib.import_module('monitor.x')\n"
        "def k():\n    return __import__('classifiers')\n"
        "def ok():\n    import numpy\n    from . import sibling\n"
    )
    tree = ast.parse(code)
    assert [m for _, m in _function_imports(tree)] == [
        "monitor.reviews",
        "classifiers.text",
        "api.app",
    ]
    assert _dynamic_imports(tree) == [10, 12]
