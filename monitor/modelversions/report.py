"""The production-like figures of a model card as a readable table (train and evaluate)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from classifiers.contracts import LABELS


def _prf(m: Mapping[str, Any]) -> str:
    return (
        f"P={m.get('precision', 0):.3f} R={m.get('recall', 0):.3f} F1={m.get('f1', 0):.3f} "
        f"positives={m.get('positives', 0)} flagged={m.get('flagged', 0)} n={m.get('n', 0)}"
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:6.1%}"


def production_lines(report: Mapping[str, Any] | None) -> Iterator[str]:
    """Yield the table: news per outlet, social negatives, claims, SEAHateCheck, posts."""
    if not report:
        yield "production checks: not measured (no public data was fetched for this model)"
        return
    news = report.get("heldout_news")
    yield "== held-out news outlets (never trained on): any-label flag rate, per label"
    if news:
        head = "  ".join(f"{lab[:8]:>8}" for lab in LABELS)
        yield f"  {'outlet':28} {'n':>5} {'any':>7}  {head}"
        rows = [*news["per_outlet"].items(), ("ALL (pooled)", news)]
        for outlet, m in rows:
            per = "  ".join(f"{_pct(m['per_label'].get(lab)):>8}" for lab in LABELS)
            yield f"  {outlet:28} {m['n']:>5} {_pct(m['any_label_flag_rate'])}  {per}"
    else:
        yield "  not measured (news datasets not fetched)"
    yield "== social-media negatives (test split): any-label flag rate"
    for name, m in (report.get("social_negatives") or {}).items():
        yield f"  {name:34} n={m['n']:>5} {_pct(m['any_label_flag_rate'])}"
    yield "== public hoax claims (test split): hoax at the operating threshold"
    for name, m in (report.get("claims") or {}).items():
        yield f"  {name:26} {_prf(m)}"
    shc = report.get("seahatecheck") or {}
    yield "== SEAHateCheck (religious/ethnic targets; evaluation only): identity_politics"
    if shc:
        yield f"  hateful vs not            {_prf(shc['identity_politics'])}"
        yield f"  neutral/positive mentions flagged {_pct(shc['neutral_mention_flag_rate'])}"
        yield f"  counter-speech flagged            {_pct(shc['counter_speech_flag_rate'])}"
    else:
        yield "  not measured (seahatecheck_id not fetched)"
    posts = report.get("election_posts") or {}
    yield "== written election posts (classifiers/data/eval/heldout_posts.jsonl)"
    for label, m in (posts.get("labels") or {}).items():
        yield f"  {label:24} {_prf(m)}"
    hard = posts.get("hard_negatives") or {}
    if hard:
        rate = _pct(hard["any_label_flag_rate"])
        yield f"  hard negatives flagged (any label) {rate} n={hard['n']}"
    guard = report.get("guard") or {}
    yield (
        f"== promotion guard: held-out news {_pct(guard.get('heldout_news_flag_rate'))} "
        f"(max 5%), hard negatives {_pct(guard.get('hard_negative_flag_rate'))} (max 10%)"
    )
