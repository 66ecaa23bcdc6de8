"""Precision and recall of the region tagger per level on a labelled JSONL set."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from monitor.regions.gazetteer import default_gazetteer
from monitor.regions.matcher import default_matcher

DEFAULT_SET = Path(__file__).with_name("data") / "eval_regions.jsonl"
# Written later by a different author than the matcher's, as a check on over-fitting.
HELDOUT_SET = Path(__file__).with_name("data") / "eval_regions_heldout.jsonl"
DEFAULT_SETS = (DEFAULT_SET, HELDOUT_SET)
LEVEL_KEYS = ("province", "kabkota")


@dataclass
class Score:
    """True positives, false positives and false negatives at one level."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        """Share of predicted codes that are right (1.0 when nothing was predicted)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of gold codes that were found (1.0 when there were none)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    """Scores per level, overall and per item kind."""

    items: int
    scores: dict[str, Score]
    by_kind: dict[str, dict[str, Score]]


def predicted_sets(text: str) -> dict[str, set[str]]:
    """Province and kabupaten/kota codes the tagger assigns, rolled up from finer matches."""
    provinces: set[str] = set()
    kabkota: set[str] = set()
    for m in default_matcher().match(text):
        provinces.add(m.province_code)
        if m.level != "province":
            kabkota.add(".".join(m.code.split(".")[:2]))
    return {"province": provinces, "kabkota": kabkota}


def _gold(item: dict[str, object], lineno: int) -> dict[str, set[str]]:
    regions = default_gazetteer().regions
    kab = item.get("kabkota", [])
    prov = item.get("provinces", [])
    if not isinstance(kab, list) or not isinstance(prov, list):
        raise ValueError(f"line {lineno}: 'provinces' and 'kabkota' must be lists")
    for code in [*kab, *prov]:
        if code not in regions:
            raise ValueError(f"line {lineno}: unknown region code {code!r}")
    # Gold kabupaten imply their province, as predictions do.
    provinces = {str(c) for c in prov} | {str(c).split(".")[0] for c in kab}
    return {"province": provinces, "kabkota": {str(c) for c in kab}}


def evaluate_file(path: Path) -> Report:
    """Score the tagger on a JSONL file of {id, text, provinces, kabkota, kind}."""
    return evaluate_files([path])


def evaluate_files(paths: list[Path]) -> Report:
    """Score the tagger on several labelled JSONL files together."""
    scores = {k: Score() for k in LEVEL_KEYS}
    by_kind: dict[str, dict[str, Score]] = defaultdict(lambda: {k: Score() for k in LEVEL_KEYS})
    n = 0
    for path in paths:
        n += _score_file(path, scores, by_kind)
    return Report(items=n, scores=scores, by_kind=dict(by_kind))


def _score_file(path: Path, scores: dict[str, Score], by_kind: dict[str, dict[str, Score]]) -> int:
    n = 0
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name}: line {lineno}: invalid JSON: {exc.msg}") from None
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError(f"{path.name}: line {lineno}: expected an object with 'text'")
            try:
                gold = _gold(item, lineno)
            except ValueError as exc:
                raise ValueError(f"{path.name}: {exc}") from None
            pred = predicted_sets(item["text"])
            kind = str(item.get("kind", "other"))
            n += 1
            for level in LEVEL_KEYS:
                for target in (scores[level], by_kind[kind][level]):
                    target.tp += len(pred[level] & gold[level])
                    target.fp += len(pred[level] - gold[level])
                    target.fn += len(gold[level] - pred[level])
                wrong = sorted(pred[level] - gold[level])
                missed = sorted(gold[level] - pred[level])
                if wrong or missed:
                    scores[level].errors.append(
                        f"{item.get('id')}: {level} wrong={wrong} missed={missed}"
                    )
    return n


def format_report(report: Report, show_errors: bool = False) -> str:
    """Render the report as a small table."""
    lines = [f"items: {report.items}", "level      precision  recall   tp   fp   fn"]
    for level, s in report.scores.items():
        lines.append(
            f"{level:<10} {s.precision:9.3f} {s.recall:7.3f} {s.tp:4d} {s.fp:4d} {s.fn:4d}"
        )
    for kind in sorted(report.by_kind):
        for level, s in report.by_kind[kind].items():
            lines.append(
                f"  [{kind}] {level:<10} P={s.precision:.3f} R={s.recall:.3f} "
                f"(tp={s.tp} fp={s.fp} fn={s.fn})"
            )
    if show_errors:
        for s in report.scores.values():
            lines.extend(f"  {e}" for e in s.errors)
    return "\n".join(lines)
