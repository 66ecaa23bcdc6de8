"""The one translation table: every key used exists in both languages, and none is unused."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from classifiers.contracts import LABELS
from monitor.alerts.rules import RAISED_ELSEWHERE, RULES
from monitor.alerts.service import STATUSES as ALERT_STATUSES
from monitor.core.i18n import _STRINGS, keys
from monitor.desk.queue import STATUSES

ROOT = Path(__file__).resolve().parents[2]
_PREFIXES = {key.split(".")[0] for key in _STRINGS}
_KEY = re.compile(r"^[a-z_]+\.[a-z0-9_.]+$")
_TEMPLATE_KEY = re.compile(r"""\bt\(\s*["']([^"']+)["']\s*\)""")
# Keys built at run time from a known set (f"status.{x}"), with the sets they come from.
DYNAMIC = {
    "status": STATUSES,
    "label": (*LABELS, "unlabelled"),
    "alert": (*RULES, *RAISED_ELSEWHERE),
    "alert_status": ALERT_STATUSES,
    "problem": ("400", "401", "403", "404", "405", "409", "413", "422", "429", "500", "other"),
    "reason": ("not_election", "satire", "news_report", "wrong_label", "other"),
    "target": ("bawaslu", "platform"),
    "series": ("flagged", "confirmed", "escalated", "dismissed"),
}


def _code_literals() -> set[str]:
    found: set[str] = set()
    for folder in ("api", "monitor"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
    return {s for s in found if _KEY.match(s) and s.split(".")[0] in _PREFIXES}


def _template_keys() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "api").rglob("templates/*.html"):
        found |= set(_TEMPLATE_KEY.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_key_has_both_languages() -> None:
    for key, (indonesian, english) in _STRINGS.items():
        assert indonesian.strip() and english.strip(), key


def test_every_used_key_exists() -> None:
    used = (_code_literals() - {"error.html"}) | _template_keys()
    missing = sorted(k for k in used if k not in _STRINGS and not k.endswith((".html", ".py")))
    assert not missing, f"untranslated keys: {missing}"


def test_no_key_is_unused() -> None:
    used = _code_literals() | _template_keys()
    dynamic = {f"{prefix}.{name}" for prefix, names in DYNAMIC.items() for name in names}
    map_keys = {k for k in keys() if k.startswith("map.")}  # read by prefix in map_text()
    unused = sorted(set(keys()) - used - dynamic - map_keys)
    assert not unused, f"keys nobody reads: {unused}"


def test_dynamic_keys_exist() -> None:
    for prefix, names in DYNAMIC.items():
        for name in names:
            assert f"{prefix}.{name}" in _STRINGS, f"{prefix}.{name}"
