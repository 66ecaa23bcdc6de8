"""identity_politics bench: rules alone and a SARA surrogate model, on sets it never trained on.

Run as `python3 -m classifiers.research.sarabench --data-dir DIR [--shared ../shared/data]
[--news 3000] [--registered [--version V]] [--model] [--json out.json]
[--show dev|ibrohim-train N]`.

SEAHateCheck is split by target group: the `dev` half may be read while writing rules, the
`test` half is only ever reported (`SHC_DEV` / `SHC_TEST`). Ibrohim is split with the
project's own splitter: rules may be written from the train part; the test part is reported.
`--registered` scores the newest (or `--version`) model registered under DIR as trained.
`--model` also fits the surrogate (the project's pipeline on Ibrohim train + seeds, threshold
at precision 0.8 on Ibrohim validation) and reports model-with-floors next to rules alone.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_curve

from classifiers.contracts import LABELS
from classifiers.data.corpus import (
    EVAL_DIR,
    Example,
    load_seeds,
    parse_ibrohim,
    read_labelled_jsonl,
)
from classifiers.data.registry import lexicon_files
from classifiers.data.splits import split_examples
from classifiers.models.estimator import build_pipeline
from classifiers.models.metrics import choose_threshold
from classifiers.research.rulecheck import SARA_TARGETS, load_model, news_sample, prf
from classifiers.text.normalize import Normalizer, normalize
from classifiers.text.rules import fired

LABEL = "identity_politics"
# Alternate groups in sorted order: both halves hold religions, ethnic groups and races.
_SORTED = sorted(SARA_TARGETS)
SHC_DEV = frozenset(_SORTED[0::2])
SHC_TEST = frozenset(_SORTED[1::2])


_NORMALIZER: list[Any] = []


def set_lexicons(data_dir: Path | None) -> None:
    """Normalise as the trained pipeline does: with the slang lexicons fetched under DIR."""

    lex = lexicon_files(data_dir) if data_dir is not None else []
    _NORMALIZER[:] = [Normalizer(lexicons=lex or None).fit(["-"])]


def _norm(text: str) -> str:
    if not _NORMALIZER:
        return normalize(text)
    return str(_NORMALIZER[0].transform([text])[0])


def rule_flag(text: str) -> bool:
    """Whether an unsuppressed identity_politics floor rule fires on the normalised text."""
    hits = fired(_norm(text))
    if any(r.label == LABEL and r.suppressor for r in hits):
        return False
    return any(r.label == LABEL and r.strong for r in hits)


def seahatecheck(shared: Path, groups: frozenset[str]) -> list[dict[str, str]]:
    """SEAHateCheck gold rows whose target is one of `groups`."""
    path = shared / "seahatecheck_id" / "gold_label_all_id.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["p_target"] in groups]


def shc_report(rows: Sequence[dict[str, str]], flags: np.ndarray) -> dict[str, Any]:
    """P/R/F1 hateful vs not, and flag rates on neutral mentions and counter-speech."""
    y = np.array([r["t_gold"] == "hateful" for r in rows])
    out: dict[str, Any] = prf(y, flags)
    fn = np.array([r["t_function"] for r in rows])
    neutral = np.isin(fn, ["ident_neutral_nh", "ident_pos_nh"])
    counter = np.isin(fn, ["counter_quote_nh", "counter_ref_nh", "negate_neg_nh"])
    out["neutral_flag_rate"] = round(float(flags[neutral].mean()), 3)
    out["counter_flag_rate"] = round(float(flags[counter].mean()), 3)
    out["by_function"] = {
        f: round(float(flags[fn == f].mean()), 3) for f in sorted(set(fn.tolist()))
    }
    return out


def ibrohim_split(shared: Path) -> tuple[list[Example], list[Example], list[Example]]:
    """Ibrohim tweets split (train, validation, test) by the project's splitter."""
    return split_examples(list(parse_ibrohim(shared / "ibrohim2019_hs_abusive")))


def written(flags_of: Any) -> dict[str, Any]:
    """identity_politics P/R/F1 on the written eval posts, and the hard-negative flag rate."""
    out: dict[str, Any] = {}
    for path in sorted(EVAL_DIR.glob("*.jsonl")):
        rows = read_labelled_jsonl(path)
        flags = flags_of([ex.text for ex in rows])
        y = np.array([ex.labels[LABEL] == 1 for ex in rows])
        hard = np.array(
            [
                not any(v == 1 for v in ex.labels.values()) and ex.meta.get("hn") is not None
                for ex in rows
            ]
        )
        out[path.stem] = prf(y, flags) | {
            "hard_negative_flag_rate": round(float(flags[hard].mean()), 3) if hard.any() else None
        }
    return out


def bench(flags_of: Any, shared: Path, n_news: int) -> dict[str, Any]:
    """Every figure for one way of flagging (a function from texts to booleans)."""
    _, _, ib_test = ibrohim_split(shared)
    y_ib = np.array([ex.labels[LABEL] == 1 for ex in ib_test])
    f_ib = flags_of([ex.text for ex in ib_test])
    news = [t for _, t in news_sample(shared, n_news)]
    out: dict[str, Any] = {
        "shc_dev": shc_report(dev := seahatecheck(shared, SHC_DEV), flags_of(_texts(dev))),
        "shc_test": shc_report(test := seahatecheck(shared, SHC_TEST), flags_of(_texts(test))),
        "ibrohim_test": prf(y_ib, f_ib),
        "ibrohim_test_non_sara_flag_rate": round(float(f_ib[~y_ib].mean()), 4),
        "news_flag_rate": round(float(flags_of(news).mean()), 4),
        "news_n": len(news),
        "written": written(flags_of),
    }
    return out


def _texts(rows: Sequence[dict[str, str]]) -> list[str]:
    return [r["c_testcase"] for r in rows]


def rules_only(texts: Sequence[str]) -> np.ndarray:
    """Flags from the rule floors alone."""
    return np.array([rule_flag(t) for t in texts], dtype=bool)


def surrogate(data_dir: Path, shared: Path, target: float = 0.8) -> Any:
    """Fit the project's pipeline on Ibrohim train + seeds; return a texts -> flags function."""

    train, val, _ = ibrohim_split(shared)
    rows = [*load_seeds(), *train]
    Y = np.array([ex.row() for ex in rows], dtype=int)
    # Ibrohim never assessed black_campaign; the seeds give that column both classes.
    pipe = build_pipeline(lexicon_files(data_dir), word_max_features=60_000)
    np.random.seed(0)
    pipe.fit([ex.text for ex in rows], Y)
    j = LABELS.index(LABEL)
    yv = np.array([ex.labels[LABEL] for ex in val])
    thr, _ = choose_threshold(yv, pipe.predict_proba([ex.text for ex in val])[:, j], target)

    def flags_of(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(pipe.predict_proba(list(texts))[:, j] >= thr)

    flags_of.threshold = thr  # type: ignore[attr-defined]
    return flags_of


def registered(data_dir: Path, version: str | None) -> Any:
    """The registered model (rules, floors and threshold as trained): texts -> flags."""

    clf = load_model(data_dir, version)
    j = LABELS.index(LABEL)

    def flags_of(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(clf.scores(list(texts))[:, j] >= clf.thresholds[j])

    flags_of.threshold = float(clf.thresholds[j])  # type: ignore[attr-defined]
    flags_of.version = clf.version  # type: ignore[attr-defined]
    return flags_of


def threshold_study(data_dir: Path, shared: Path, n_news: int) -> dict[str, Any]:
    """Ibrohim/SEAHateCheck/news at other identity thresholds, each chosen on Ibrohim validation.

    `floor_free`: the threshold reaching precision 0.8 on validation rows where no floor
    fired (a floor is its own decision, so its hits should not move the model's threshold).
    """

    clf = load_model(data_dir, None)
    j = LABELS.index(LABEL)
    _, val, test = ibrohim_split(shared)

    def scored(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        texts = list(texts)
        floor = clf.clf.floors(clf.features(texts))[:, j] > 0
        return clf.scores(texts)[:, j], floor

    sv, fv = scored([ex.text for ex in val])
    yv = np.array([ex.labels[LABEL] == 1 for ex in val])
    free, _ = choose_threshold(yv[~fv], sv[~fv], 0.8)
    _, _, thr = precision_recall_curve(yv, sv)
    f1 = [prf(yv, sv >= t)["f1"] for t in thr]
    best = float(thr[int(np.argmax(f1))])
    st, _ = scored([ex.text for ex in test])
    yt = np.array([ex.labels[LABEL] == 1 for ex in test])
    shc = seahatecheck(shared, SHC_TEST)
    ss, _ = scored(_texts(shc))
    news, _ = scored([t for _, t in news_sample(shared, n_news)])
    out: dict[str, Any] = {}
    for name, t in (("as_trained", float(clf.thresholds[j])), ("floor_free", free),
                    ("best_f1_validation", best)):  # fmt: skip
        out[name] = {
            "threshold": round(t, 4),
            "ibrohim_test": prf(yt, st >= t),
            "shc_test": shc_report(shc, ss >= t) | {"by_function": None},
            "news_flag_rate": round(float((news >= t).mean()), 4),
        }
    return out


def show(which: str, shared: Path, n: int) -> None:
    """Print misses and false flags from a set rules may be written from (never the tests)."""
    rnd = random.Random(0)
    if which == "dev":
        rows = seahatecheck(shared, SHC_DEV)
        items = [(r["c_testcase"], r["t_gold"] == "hateful", r["t_function"]) for r in rows]
    else:
        train, _, _ = ibrohim_split(shared)
        items = [(ex.text, ex.labels[LABEL] == 1, "ib") for ex in train]
    miss = [i for i in items if i[1] and not rule_flag(i[0])]
    false = [i for i in items if not i[1] and rule_flag(i[0])]
    for name, group in (("MISSED", miss), ("FALSE", false)):
        print(f"== {name} {len(group)}")
        for text, _, fn in rnd.sample(group, min(n, len(group))):
            print(f"  [{fn}] {text[:200]}")


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, print the bench as JSON."""
    ap = argparse.ArgumentParser(prog="python3 -m classifiers.research.sarabench")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--shared", type=Path, default=Path("../shared/data"))
    ap.add_argument("--news", type=int, default=3000)
    ap.add_argument("--model", action="store_true")
    ap.add_argument("--registered", action="store_true", help="bench the newest model in DIR")
    ap.add_argument("--version", default=None, help="with --registered: this model version")
    ap.add_argument("--thresholds", action="store_true", help="threshold study (newest model)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--show", nargs=2, metavar=("SET", "N"), default=None)
    args = ap.parse_args(argv)
    set_lexicons(args.data_dir)
    if args.show:
        show(args.show[0], args.shared, int(args.show[1]))
        return
    out: dict[str, Any] = {
        "shc_dev_groups": sorted(SHC_DEV),
        "shc_test_groups": sorted(SHC_TEST),
        "rules_only": bench(rules_only, args.shared, args.news),
    }
    if args.registered:
        if args.data_dir is None:
            ap.error("--registered needs --data-dir")
        flags_of = registered(args.data_dir, args.version)
        out["model_version"] = flags_of.version
        out["model_threshold"] = round(flags_of.threshold, 4)
        out["model"] = bench(flags_of, args.shared, args.news)
    if args.thresholds:
        if args.data_dir is None:
            ap.error("--thresholds needs --data-dir")
        out["threshold_study"] = threshold_study(args.data_dir, args.shared, args.news)
    if args.model:
        if args.data_dir is None:
            ap.error("--model needs --data-dir (for the slang lexicons)")
        flags_of = surrogate(args.data_dir, args.shared)
        out["surrogate_threshold"] = round(float(flags_of.threshold), 4)
        out["surrogate"] = bench(flags_of, args.shared, args.news)
    text = json.dumps(out, indent=1, ensure_ascii=False)
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
