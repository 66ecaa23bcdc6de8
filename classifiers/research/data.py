"""Labelled data for researchers: decision rows, and rebuilding a version's snapshot (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from classifiers.contracts import LABELS
from classifiers.data.corpus import PARSERS, UNKNOWN, Example, available_datasets
from classifiers.data.registry import DATASETS
from classifiers.data.splits import split_examples
from classifiers.models.artifact import sha256_file
from classifiers.models.train import TrainConfig, gather, snapshot_of

PUBLIC_REGION = "(datasets, seeds)"


class SnapshotMismatch(ValueError):
    """The data on disk or in the database is not the data a version was trained from."""


@dataclass
class Splits:
    """A version's training data, split exactly as it was at training time."""

    train: list[Example]
    validation: list[Example]
    test: list[Example]
    snapshot: dict[str, Any]
    # Rows never trained on: whole held-out news outlets (the production-like check).
    checks: list[Example] = field(default_factory=list)


def decision_example(
    review_id: int, post_id: int, text: str, decision: str, labels: Sequence[str], province: str
) -> Example | None:
    """One decision as a training row: confirmed labels 1 (others unknown), dismissal all 0."""
    if decision == "dismiss":
        known = dict.fromkeys(LABELS, 0)
    elif decision == "confirm":
        # A confirmation speaks for the labels confirmed; the others were not assessed.
        known = {label: 1 if label in labels else UNKNOWN for label in LABELS}
    else:
        return None
    meta = {"review_id": str(review_id), "post_id": str(post_id), "province": province}
    return Example(text, known, "reviewer_decisions", f"review{review_id}", meta)


def examples_from_decisions(
    rows: Sequence[tuple[int, int, str, str, Sequence[str] | None]],
    provinces: dict[int, list[str]],
) -> list[Example]:
    """Decision rows (review id, post id, text, decision, labels) as training rows."""
    out = []
    for review_id, post_id, text, decision, labels in rows:
        codes = provinces.get(post_id, [])
        province = codes[0] if len(codes) == 1 else ("(several)" if codes else "(untagged)")
        ex = decision_example(review_id, post_id, text, decision, list(labels or []), province)
        if ex is not None:
            out.append(ex)
    return out


def region_of(ex: Example) -> str:
    """The province a row is about, or where it came from when it is not a post."""
    return ex.meta.get("province") or PUBLIC_REGION


def config_from_card(card: dict[str, Any]) -> TrainConfig:
    """The training configuration recorded in a model card."""
    known = {f.name for f in fields(TrainConfig)}
    raw = {k: v for k, v in card.get("config", {}).items() if k in known}
    old = card.get("config") or {}
    if old and "max_chars" not in old:
        raw["max_chars"] = None  # cards from before truncation scored whole texts
    if old and "class_weight" not in old:
        raw["class_weight"] = "balanced"  # the fixed choice before it was configurable
    if old and "news_titles_per_dataset" not in old:
        raw["heldout_outlets"] = []  # trained before outlets were held out
    return TrainConfig(**raw)


def snapshot_config(card: dict[str, Any], data_dir: Path | None = None) -> TrainConfig:
    """The card's configuration, pinned to the datasets its snapshot recorded."""
    config = config_from_card(card)
    names = set(card.get("snapshot", {}).get("datasets", {}))
    listed = card.get("config", {}).get("datasets")
    # Order matters (rows are concatenated, then de-duplicated keeping the first): an explicit
    # list keeps its order, "every fetched dataset" meant the registry's order.
    pinned = list(listed) if listed is not None else [n for n in PARSERS if n in names]
    if listed is None and data_dir is not None and available_datasets(data_dir) == pinned:
        return config  # the same fetched set: keep the config exactly as recorded
    config.datasets = pinned
    return config


def _diff(expected: dict[str, Any], actual: dict[str, Any], what: str) -> list[str]:
    out = []
    for key in sorted(set(expected) | set(actual)):
        if expected.get(key) != actual.get(key):
            out.append(f"{what} {key}: recorded {expected.get(key)!r}, found {actual.get(key)!r}")
    return out


def rebuild_from(
    data_dir: Path, card: dict[str, Any], reviews: Callable[[list[int]], list[Example]]
) -> Splits:
    """Re-create a version's train/validation/test rows; refuse if any input changed.

    `reviews` returns the snapshot's reviewer rows for its review ids (or raises
    SnapshotMismatch when one is gone).
    """
    snapshot = card.get("snapshot")
    if not snapshot:
        raise SnapshotMismatch(
            f"model {card.get('version', '?')} has no data snapshot in its card "
            "(trained before snapshots were recorded); retrain it to compare or reproduce"
        )
    config = snapshot_config(card)
    assert config.datasets is not None  # pinned without a data_dir
    missing = [n for n in config.datasets if not DATASETS[n].is_present(data_dir)]
    if missing:
        raise SnapshotMismatch(
            f"model {card.get('version', '?')} was trained on {', '.join(missing)}, not fetched "
            f"into {data_dir}; run `waspada datasets fetch {' '.join(missing)}` first"
        )
    # Hashes first: a changed file is reported as changed, not parsed into other rows.
    problems: list[str] = []
    for name in config.datasets or []:
        folder = DATASETS[name].folder(data_dir)
        found = {f: sha256_file(folder / f) for f in snapshot["datasets"][name]}
        problems += _diff(snapshot["datasets"][name], found, f"{name} file")
    if problems:
        raise SnapshotMismatch(
            f"cannot rebuild the data of model {card.get('version', '?')}: "
            + "; ".join(problems[:8])
            + " (run `waspada datasets fetch` to restore the recorded files)"
        )
    extra = reviews(snapshot["review_ids"])
    examples, checks, sources = gather(data_dir, config, extra)
    now = snapshot_of(sources, examples, config, data_dir)
    problems = _diff(snapshot["seed_files"], now["seed_files"], "seed file")
    problems += _diff(snapshot["lexicons"], now["lexicons"], "lexicon")
    if now["review_ids"] != snapshot["review_ids"]:
        problems.append("reviewer decisions: a different set survived de-duplication")
    for key in ("split_salt", "random_seed", "max_rows_per_dataset"):
        if now[key] != snapshot[key]:
            problems.append(f"{key}: recorded {snapshot[key]!r}, now {now[key]!r}")
    if problems:
        raise SnapshotMismatch(
            f"cannot rebuild the data of model {card.get('version', '?')}: "
            + "; ".join(problems[:8])
            + " (run `waspada datasets fetch` to restore the recorded files)"
        )
    train, validation, test = split_examples(examples, salt=snapshot["split_salt"])
    return Splits(train, validation, test, snapshot, checks)
