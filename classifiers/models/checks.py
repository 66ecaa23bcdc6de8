"""Production-like checks: thresholds under a news flag budget, and the figures a card reports.

Every figure here is measured on rows the model never trained on: whole held-out news
outlets, the test split of the public sets, SEAHateCheck, and the written election posts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.contracts import LABELS
from classifiers.data.corpus import EVAL_DIR, Example, load_dataset, read_labelled_jsonl
from classifiers.data.news import is_news
from classifiers.data.registry import DATASETS
from classifiers.data.splits import sample_rows
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.metrics import evaluate_scores

# Outlets never trained on: two per news corpus, chosen for politics coverage (Tempo and
# Sindonews in 2019; kumparan and Merdeka in 2016-2018) so the check resembles the monitor's feed.
HELDOUT_OUTLETS: tuple[str, ...] = (
    "news:clickid:tempo",
    "news:clickid:sindonews",
    "news:indosum:kumparan",
    "news:indosum:merdeka",
)
# Share of validation news a label may flag: hoax is where news floods, so it gets half of
# the 3 % any-label budget; the other three share the rest (their sum bounds the union).
LABEL_NEWS_BUDGET: dict[str, float] = {
    "hoax": 0.5,
    "black_campaign": 1 / 6,
    "money_politics": 1 / 6,
    "identity_politics": 1 / 6,
}
# The promotion guard (issue 11): above these any-label flag rates a model floods the queue.
MAX_HELDOUT_NEWS_FLAG_RATE = 0.05
MAX_HARD_NEGATIVE_FLAG_RATE = 0.10
SEAHATECHECK_NEGATIVE_FUNCTIONS = ("ident_neutral_nh", "ident_pos_nh", "counter_quote_nh")
SEAHATECHECK_COUNTER = ("counter_ref_nh", "counter_quote_nh")


def budget_threshold(scores: np.ndarray, budget: float) -> float:
    """Lowest threshold that flags at most `budget` of these (negative) scores."""
    if len(scores) == 0:
        return 0.0
    allowed = int(np.floor(budget * len(scores)))
    ranked = np.sort(scores)[::-1]
    if allowed >= len(ranked):
        return 0.0
    # Strictly above the first score that must stay unflagged (flags are `score >= t`).
    return float(min(1.0, np.nextafter(ranked[allowed], np.inf)))


def news_budget_thresholds(
    news_scores: np.ndarray, total_budget: float, shares: Mapping[str, float] = LABEL_NEWS_BUDGET
) -> dict[str, float]:
    """Per label, the lowest threshold keeping that label's share of the news flag budget."""
    return {
        label: budget_threshold(news_scores[:, j], total_budget * shares[label])
        for j, label in enumerate(LABELS)
    }


def flag_rate(flags: np.ndarray) -> float:
    """Share of rows with at least one label flagged."""
    return round(float(flags.any(axis=1).mean()), 4) if len(flags) else 0.0


def _sample(rows: Sequence[Example], limit: int | None) -> list[Example]:
    if limit is None or len(rows) <= limit:
        return list(rows)
    return sample_rows(rows, "check", limit)


def _rates(clf: LoadedClassifier, rows: Sequence[Example]) -> dict[str, Any]:
    """Any-label and per-label flag rates on rows that should all be quiet."""
    if not rows:
        return {"n": 0, "any_label_flag_rate": 0.0, "per_label": {}}
    flags = clf.scores([ex.text for ex in rows]) >= clf.thresholds
    return {
        "n": len(rows),
        "any_label_flag_rate": flag_rate(flags),
        "per_label": {lab: round(float(flags[:, j].mean()), 4) for j, lab in enumerate(LABELS)},
    }


def heldout_news(
    clf: LoadedClassifier, rows: Sequence[Example], per_outlet: int | None = 600
) -> dict[str, Any]:
    """Flag rates on whole held-out outlets, per outlet and pooled (equal rows per outlet)."""
    by_outlet: dict[str, list[Example]] = {}
    for ex in rows:
        by_outlet.setdefault(ex.source, []).append(ex)
    out: dict[str, Any] = {"per_outlet": {}}
    pooled_flags = []
    for outlet in sorted(by_outlet):
        sample = _sample(by_outlet[outlet], per_outlet)
        flags = clf.scores([ex.text for ex in sample]) >= clf.thresholds
        pooled_flags.append(flags)
        out["per_outlet"][outlet] = {
            "n": len(sample),
            "of": len(by_outlet[outlet]),
            "any_label_flag_rate": flag_rate(flags),
            "per_label": {lab: round(float(flags[:, j].mean()), 4) for j, lab in enumerate(LABELS)},
        }
    allf = np.vstack(pooled_flags) if pooled_flags else np.zeros((0, len(LABELS)), dtype=bool)
    out["n"] = len(allf)
    out["any_label_flag_rate"] = flag_rate(allf)
    out["per_label"] = {
        lab: round(float(allf[:, j].mean()), 4) if len(allf) else 0.0
        for j, lab in enumerate(LABELS)
    }
    return out


def _evaluate(clf: LoadedClassifier, rows: Sequence[Example]) -> dict[str, Any]:
    Y = np.array([ex.row() for ex in rows], dtype=int).reshape(-1, len(LABELS))
    return evaluate_scores(Y, clf.scores([ex.text for ex in rows]), list(clf.thresholds))


def seahatecheck(clf: LoadedClassifier, rows: Sequence[Example]) -> dict[str, Any]:
    """identity_politics on SARA targets: P/R/F1 hateful vs not, flag rates on hard negatives."""
    if not rows:
        return {}
    j = LABELS.index("identity_politics")
    scores = clf.scores([ex.text for ex in rows])
    flags = scores >= clf.thresholds
    y = np.array([ex.labels["identity_politics"] for ex in rows])
    result = evaluate_scores(
        np.where(np.arange(len(LABELS)) == j, y[:, None], -1), scores, list(clf.thresholds)
    )
    functions = np.array([ex.meta.get("function", "") for ex in rows])
    by_function = {
        fn: round(float(flags[functions == fn, j].mean()), 4)
        for fn in sorted(set(functions.tolist()))
        if fn.endswith("_nh")
    }
    neutral = np.isin(functions, ["ident_neutral_nh", "ident_pos_nh"])
    counter = np.isin(functions, list(SEAHATECHECK_COUNTER))
    return {
        "identity_politics": result["labels"]["identity_politics"],
        "neutral_mention_flag_rate": round(float(flags[neutral, j].mean()), 4)
        if neutral.any()
        else None,
        "counter_speech_flag_rate": round(float(flags[counter, j].mean()), 4)
        if counter.any()
        else None,
        "non_hateful_flag_rate_by_function": by_function,
        "n": len(rows),
    }


def election_posts(clf: LoadedClassifier, path: Path | None = None) -> dict[str, Any]:
    """Per-label P/R/F1 on the written election posts; any-label flag rate on hard negatives."""
    path = path or EVAL_DIR / "heldout_posts.jsonl"
    if not path.is_file():
        return {}
    rows = read_labelled_jsonl(path, source=path.stem)
    result = _evaluate(clf, rows)
    # A hard negative is a written post that no label applies to (appeals against vote
    # buying, history lessons, debunks quoting the hoax, ...).
    hard = [ex for ex in rows if not any(v == 1 for v in ex.labels.values())]
    result["hard_negatives"] = _rates(clf, hard)
    return result


def claims(clf: LoadedClassifier, test_rows: Sequence[Example]) -> dict[str, Any]:
    """Hoax figures on public claims of the test split: BDC narratives and 2024 TurnBackHoax."""
    out: dict[str, Any] = {}
    for source, name in (("bdc", "bdc2020_narasi"), ("berita_hoax", "turnbackhoax2024_titles")):
        rows = [ex for ex in test_rows if ex.source == source]
        if rows:
            out[name] = _evaluate(clf, rows)["labels"].get("hoax", {})
    return out


def social_negatives(clf: LoadedClassifier, test_rows: Sequence[Example]) -> dict[str, Any]:
    """Flag rates on ordinary social-media text of the test split (no label assessed 1)."""
    out: dict[str, Any] = {}
    pick = {
        "pilpres2019_neutral_tweets": lambda ex: ex.source == "pilpres2019_neutral",
        "ibrohim_non_sara_tweets": lambda ex: (
            ex.source == "ibrohim" and ex.labels.get("identity_politics") == 0
        ),
        "detik_headlines_2023": lambda ex: ex.source == "berita_news",
    }
    for name, keep in pick.items():
        rows = [ex for ex in test_rows if keep(ex)]
        if rows:
            out[name] = _rates(clf, rows)
    return out


def load_eval_only(data_dir: Path) -> list[Example]:
    """SEAHateCheck rows when fetched (never trained on)."""
    ds = DATASETS["seahatecheck_id"]
    return load_dataset(ds.name, data_dir) if ds.is_present(data_dir) else []


def production_report(
    clf: LoadedClassifier,
    test_rows: Sequence[Example],
    news_check: Iterable[Example],
    eval_only: Sequence[Example] = (),
    per_outlet: int | None = 600,
) -> dict[str, Any]:
    """Every figure issue 11 asks for, each on data the model never trained on."""
    news = [ex for ex in news_check if is_news(ex.source)]
    report: dict[str, Any] = {
        "heldout_news": heldout_news(clf, news, per_outlet) if news else None,
        "social_negatives": social_negatives(clf, test_rows),
        "claims": claims(clf, test_rows),
        "seahatecheck": seahatecheck(clf, [e for e in eval_only if e.source == "seahatecheck"]),
        "election_posts": election_posts(clf),
    }
    report["guard"] = guard_figures(report)
    return report


def guard_figures(report: Mapping[str, Any]) -> dict[str, float | None]:
    """The two flag rates promotion is judged on (None: not measured for this model)."""
    news = report.get("heldout_news") or {}
    hard = (report.get("election_posts") or {}).get("hard_negatives") or {}
    return {
        "heldout_news_flag_rate": news.get("any_label_flag_rate") if news.get("n") else None,
        "hard_negative_flag_rate": hard.get("any_label_flag_rate") if hard.get("n") else None,
    }


def flood_problems(guard: Mapping[str, Any]) -> list[str]:
    """Why a model would flood the review queue (empty: it would not), with the figures."""
    problems = []
    news, hard = guard.get("heldout_news_flag_rate"), guard.get("hard_negative_flag_rate")
    if news is not None and news > MAX_HELDOUT_NEWS_FLAG_RATE:
        problems.append(
            f"flags {news:.1%} of held-out news articles (limit {MAX_HELDOUT_NEWS_FLAG_RATE:.0%})"
        )
    if hard is not None and hard > MAX_HARD_NEGATIVE_FLAG_RATE:
        problems.append(
            f"flags {hard:.1%} of hard-negative election posts "
            f"(limit {MAX_HARD_NEGATIVE_FLAG_RATE:.0%})"
        )
    return problems
