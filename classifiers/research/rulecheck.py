"""Rule-layer report: written posts, SEAHateCheck, and per-rule hits on news and tweets.

Run as `python3 -m classifiers.research.rulecheck --data-dir DIR [--model VERSION]
[--shared ../shared/data] [--news 3000] [--json out.json]`. It scores the newest (or the
named) model version registered under DIR's database; the public data is read straight from
the shared folder and never trained on here. SEAHateCheck is evaluation only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.contracts import LABELS
from classifiers.data.corpus import EVAL_DIR, read_labelled_jsonl
from classifiers.models.artifact import load_pipeline
from classifiers.models.loaded import LoadedClassifier
from classifiers.text.normal_form import normalize
from classifiers.text.rules import RULES, fired

# SEAHateCheck targets that are suku, agama or ras (gender and sexuality are not SARA here).
SARA_TARGETS = frozenset(
    {
        "Aceh", "Ambon", "Balinese", "Batak", "Betawi", "Buddhis", "Catholic", "Caucasoid",
        "Christian", "Hindhu", "Javanese", "Madura", "Melanosoid", "Minahasa/Manado",
        "Minangkabau", "Mongoloid", "Muslim", "Non-Abrahamic", "Nusa Tenggara Timur", "Papua",
        "Sundanese",
    }
)  # fmt: skip
NEUTRAL_FUNCTIONS = ("ident_neutral_nh", "ident_pos_nh")
COUNTER_FUNCTIONS = ("counter_quote_nh", "counter_ref_nh", "negate_neg_nh")
ARTICLE_CHARS = 4000  # long articles are cut here: rules and n-grams see the lead


def _stable(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def _clickid(folder: Path, per_outlet: int) -> Iterator[tuple[str, str]]:
    csv.field_size_limit(2**31 - 1)
    for path in sorted(folder.iterdir()):
        if path.name == "main_dataset.xlsx":
            continue
        rows: list[str] = []
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", errors="replace", newline="") as fh:
                rows = [r.get("content") or "" for r in csv.DictReader(fh)]
        elif path.suffix == ".xlsx":
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True)
            it = wb.active.iter_rows(values_only=True)
            header = [str(h) for h in next(it)]
            if "content" not in header:  # tempo and wowkeren hold titles only
                continue
            col = header.index("content")
            rows = [str(r[col] or "") for r in it if len(r) > col]
        rows = sorted({r.strip() for r in rows if len(r.strip()) > 200}, key=_stable)
        for text in rows[:per_outlet]:
            yield path.stem, text[:ARTICLE_CHARS]


def _indosum(folder: Path, limit: int) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("dev.*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                obj = json.loads(line)
                words = [w for para in obj["paragraphs"] for sent in para for w in sent]
                seen.setdefault(obj["id"], " ".join(words))
    for key in sorted(seen, key=_stable)[:limit]:
        yield "indosum", seen[key][:ARTICLE_CHARS]


def news_sample(shared: Path, n: int) -> list[tuple[str, str]]:
    """A fixed sample of ordinary news: (outlet, text), about 3/4 CLICK-ID and 1/4 IndoSum."""
    # Seven CLICK-ID outlets carry article bodies (tempo and wowkeren only titles).
    clickid = list(_clickid(shared / "clickid2019_news", max(1, (3 * n // 4) // 7)))
    return clickid + list(_indosum(shared / "indosum2018_news", n - len(clickid)))


def tweets(shared: Path) -> dict[str, list[tuple[str, int]]]:
    """Ibrohim tweets with their SARA flag, and Pilpres 2019 tweets (flag 0: not assessed)."""
    out: dict[str, list[tuple[str, int]]] = {"ibrohim": [], "pilpres2019": []}
    path = shared / "ibrohim2019_hs_abusive" / "re_dataset.csv"
    with path.open(encoding="cp1252", errors="replace", newline="") as fh:
        for r in csv.DictReader(fh):
            sara = int(r["HS_Religion"] == "1" or r["HS_Race"] == "1")
            out["ibrohim"].append((r["Tweet"].rstrip("'"), sara))
    with (shared / "pilpres2019_sentiment" / "tweet.csv").open(encoding="utf-8") as fh:
        out["pilpres2019"] = [(r.get("tweet") or "", 0) for r in csv.DictReader(fh)]
    return out


def rule_hits(texts: Sequence[str], flags: Sequence[int] | None = None) -> dict[str, Any]:
    """Per rule: how many texts it fires on (and, with flags, how many of those are flagged)."""
    hits: Counter[str] = Counter()
    true: Counter[str] = Counter()
    for i, text in enumerate(texts):
        for rule in fired(normalize(text)):
            hits[rule.name] += 1
            if flags is not None and flags[i]:
                true[rule.name] += 1
    out: dict[str, Any] = {}
    for rule in RULES:
        out[rule.name] = {"hits": hits[rule.name]}
        if flags is not None:
            out[rule.name]["flagged"] = true[rule.name]
    return out


def prf(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    """Precision, recall and F1 of boolean predictions."""
    tp = int((y & pred).sum())
    p = tp / pred.sum() if pred.sum() else 0.0
    r = tp / y.sum() if y.sum() else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3), "n": len(y)}


def written_posts(clf: LoadedClassifier, path: Path) -> dict[str, Any]:
    """Per label P/R/F1 at the operating thresholds, and the flag rate on hard negatives."""
    rows = read_labelled_jsonl(path)
    flags = clf.scores([ex.text for ex in rows]) >= clf.thresholds
    out: dict[str, Any] = {"n": len(rows), "labels": {}}
    for j, label in enumerate(LABELS):
        y = np.array([ex.labels[label] == 1 for ex in rows])
        out["labels"][label] = prf(y, flags[:, j]) | {"positives": int(y.sum())}
    negatives = [i for i, ex in enumerate(rows) if not any(v == 1 for v in ex.labels.values())]
    hard = [i for i in negatives if rows[i].meta.get("kind", "hard_negative") == "hard_negative"]
    out["hard_negatives"] = len(hard)
    out["hard_negative_flag_rate"] = (
        round(float(flags[hard].any(axis=1).mean()), 3) if hard else None
    )
    by_kind: dict[str, list[int]] = {}
    for i in hard:
        by_kind.setdefault(rows[i].meta.get("hn", "-"), []).append(i)
    out["hard_negative_flag_rate_by_kind"] = {
        k: f"{int(flags[v].any(axis=1).sum())}/{len(v)}" for k, v in sorted(by_kind.items())
    }
    out["flagged_hard_negatives"] = [rows[i].id for i in hard if flags[i].any()]
    out["missed_positives"] = [
        ex.id
        for i, ex in enumerate(rows)
        if any(ex.labels[lab] == 1 and not flags[i, j] for j, lab in enumerate(LABELS))
    ]
    return out


def seahatecheck(clf: LoadedClassifier, shared: Path) -> dict[str, Any]:
    """identity_politics on SEAHateCheck's SARA targets; flag rates on neutral and counter items."""
    path = shared / "seahatecheck_id" / "gold_label_all_id.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["p_target"] in SARA_TARGETS]
    j = LABELS.index("identity_politics")
    flags = clf.scores([r["c_testcase"] for r in rows])[:, j] >= clf.thresholds[j]
    y = np.array([r["t_gold"] == "hateful" for r in rows])
    out: dict[str, Any] = {"hateful_vs_non_hateful": prf(y, flags), "by_function": {}}
    for fn in sorted({r["t_function"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["t_function"] == fn]
        out["by_function"][fn] = round(float(flags[idx].mean()), 3)
    for name, fns in (
        ("neutral_mentions", NEUTRAL_FUNCTIONS),
        ("counter_speech", COUNTER_FUNCTIONS),
    ):
        idx = [i for i, r in enumerate(rows) if r["t_function"] in fns]
        out[f"{name}_flag_rate"] = round(float(flags[idx].mean()), 3)
    return out


def news_flags(clf: LoadedClassifier, news: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Any-label and per-label flag rate on the news sample (the model, rules included)."""
    flags = clf.scores([t for _, t in news]) >= clf.thresholds
    return {
        "n": len(news),
        "any_label_flag_rate": round(float(flags.any(axis=1).mean()), 3),
        "per_label": {lab: round(float(flags[:, j].mean()), 3) for j, lab in enumerate(LABELS)},
    }


def load_model(data_dir: Path, version: str | None) -> LoadedClassifier:
    """Load the named version, or the newest one registered under `data_dir` (no database).

    Reads the card saved beside each artifact (its sha256 and thresholds) and loads the
    artifact with the same digest and trusted-type checks as the registry.
    """
    cards = sorted((data_dir / "models").glob("*.card.json"), key=lambda p: p.stat().st_mtime)
    if version is not None:
        cards = [p for p in cards if p.name == f"{version}.card.json"]
    if not cards:
        raise SystemExit(f"no registered model {version or ''} under {data_dir / 'models'}")
    path = cards[-1]
    card = json.loads(path.read_text(encoding="utf-8"))
    artifact = path.with_name(path.name.removesuffix(".card.json") + ".skops")
    pipeline = load_pipeline(artifact, card["sha256"])
    return LoadedClassifier(card["version"], pipeline, card.get("thresholds", {}))


def report(clf: LoadedClassifier, shared: Path, n_news: int) -> dict[str, Any]:
    """Every figure of the rule report for one model."""
    news = news_sample(shared, n_news)
    tw = tweets(shared)
    return {
        "model": clf.version,
        "thresholds": dict(zip(LABELS, map(float, clf.thresholds), strict=True)),
        "written_posts": {p.stem: written_posts(clf, p) for p in sorted(EVAL_DIR.glob("*.jsonl"))},
        "seahatecheck": seahatecheck(clf, shared),
        "news": news_flags(clf, news),
        "rule_hits": {
            "news": rule_hits([t for _, t in news]),
            "ibrohim": rule_hits([t for t, _ in tw["ibrohim"]], [f for _, f in tw["ibrohim"]]),
            "pilpres2019": rule_hits([t for t, _ in tw["pilpres2019"]]),
        },
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, build the report, print it as JSON."""
    ap = argparse.ArgumentParser(prog="python3 -m classifiers.research.rulecheck")
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--model", default=None)
    ap.add_argument("--shared", type=Path, default=Path("../shared/data"))
    ap.add_argument("--news", type=int, default=3000)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    out = report(load_model(args.data_dir, args.model), args.shared, args.news)
    text = json.dumps(out, indent=1, ensure_ascii=False)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
