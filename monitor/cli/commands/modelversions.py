"""`waspada datasets|train|models|evaluate|classify`: the classifier's command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import typer
from sqlalchemy.orm import Session

from classifiers.data.corpus import JsonlError, read_labelled_jsonl
from classifiers.data.fetch import FetchError, fetch_many
from classifiers.data.registry import DATASETS
from classifiers.models.artifact import UnsafeModel
from classifiers.models.checks import load_eval_only, production_report
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.train import TrainConfig, evaluate, train
from monitor import research
from monitor.cli.commands.classify_db import classifier_for, ready_runtime
from monitor.cli.common import echo_err, fail, settings_or_exit
from monitor.core.progress import for_operator
from monitor.core.runtime import Runtime
from monitor.modelversions import repository, service
from monitor.modelversions.report import production_lines
from monitor.research import repository as research_store

datasets_app = typer.Typer(help="Public datasets: list and fetch.", no_args_is_help=True)
models_app = typer.Typer(help="Trained classifier versions.", no_args_is_help=True)


@datasets_app.command("list")
def datasets_list() -> None:
    """List the registered datasets, whether each is fetched, licence and labels fed."""
    settings = settings_or_exit()
    for ds in DATASETS.values():
        state = "fetched" if ds.is_present(settings.data_dir) else "missing"
        labels = ", ".join(f"{k}: {v}" for k, v in ds.labels.items()) or "(lexicon)"
        typer.echo(f"{ds.name:32} {state:8} {ds.licence:18} {labels}")


@datasets_app.command("fetch")
def datasets_fetch(
    names: list[str] = typer.Argument(None, help="Dataset names (default: all)"),
    from_dir: Path | None = typer.Option(None, "--from", help="Copy from this folder instead"),
    mirror: str | None = typer.Option(
        None, "--mirror", help="Download from URL/<dataset>/<file> instead of the canonical URLs"
    ),
) -> None:
    """Download (or copy with --from) datasets into the data directory, checking sha256."""
    settings = settings_or_exit()
    if from_dir is not None and not from_dir.is_dir():
        raise fail(f"--from {from_dir}: not a directory", 2)
    if from_dir is not None and mirror:
        raise fail("use either --from or --mirror, not both", 2)
    if mirror and not mirror.startswith(("http://", "https://")):
        raise fail(f"--mirror {mirror}: expected an http(s) URL", 2)

    def client() -> httpx.Client:
        return httpx.Client(
            timeout=settings.http_timeout,
            headers={"User-Agent": settings.user_agent},
            follow_redirects=True,
        )

    try:
        results = fetch_many(
            list(names or []),
            settings.data_dir,
            source_dir=from_dir,
            client_factory=client,
            mirror=mirror,
            progress=for_operator(),
        )
    except FetchError as exc:
        raise fail(str(exc), 2) from None
    for r in results:
        typer.echo(f"{r.name:32} {r.status:8} {r.detail}")
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)


def _print_summary(card: dict[str, Any]) -> None:
    typer.echo(f"thresholds: {json.dumps(card['thresholds'])}")
    splits = [("held-out", card["metrics"]["held_out"]), *card["metrics"]["cross_dataset"].items()]
    for split, data in splits:
        typer.echo(f"[{split}] n={data['n']} any-label flag rate={data['any_label_flag_rate']}")
        for label, m in data["labels"].items():
            typer.echo(
                f"  {label:18} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
                f"PR-AUC={m['pr_auc']} positives={m['positives']}"
            )
    for line in production_lines(card["metrics"].get("production")):
        typer.echo(line)
    stemming = card.get("stemming", {})
    for label, m in stemming.get("per_label", {}).items():
        typer.echo(
            f"  stemming {label:18} PR-AUC {m['without']['pr_auc']} -> {m['with']['pr_auc']} "
            f"({'helps' if m['helps'] else 'no gain'})"
        )
    if stemming:
        typer.echo(f"stemming: {'on' if stemming['chosen'] else 'off'} ({stemming['reason']})")
    typer.echo(f"training seconds: {card['training_seconds']}")


def train_command(
    promote: bool = typer.Option(False, "--promote", help="Promote the new version"),
    small: bool = typer.Option(False, "--small", help="Seeds only, small features (seconds)"),
    stem: bool | None = typer.Option(
        None,
        "--stem/--no-stem",
        help="Force Sastrawi stemming on or off (default: measure both, keep it if it helps)",
    ),
    reviews: bool = typer.Option(True, "--reviews/--no-reviews", help="Add reviewer decisions"),
    max_rows: int | None = typer.Option(
        None, "--max-rows-per-dataset", min=1, help="Keep this many rows per public dataset"
    ),
    seed: int = typer.Option(0, "--seed", help="numpy RNG seed (recorded in the card)"),
) -> None:
    """Train on fetched datasets + seeds + reviewer decisions, evaluate, register."""
    settings = settings_or_exit()
    if small:
        config = TrainConfig.small(settings.target_precision)
    else:
        config = TrainConfig(target_precision=settings.target_precision)
    config.stem = stem
    config.max_rows_per_dataset = max_rows
    config.seed = seed
    with ready_runtime(settings) as rt:
        with rt.session() as session:
            extra = research.reviewer_examples(session) if reviews else []
        echo_err(f"training ({len(extra)} reviewer decisions) ...")
        model = train(settings.data_dir, config, extra, progress=for_operator())
        with rt.session() as session:
            version = service.register(session, settings.data_dir, model).version
        typer.echo(f"version {version}")
        _print_summary(model.card)
        if promote:  # registered either way; promotion passes the same guard as `models promote`
            with rt.session() as session:
                typer.echo(f"promoted {version}: {_guarded_promote(rt, session, version, False)}")


@models_app.command("list")
def models_list() -> None:
    """List versions, newest first (* marks the promoted one)."""
    with ready_runtime() as rt, rt.session() as session:
        for row in repository.all_versions(session):
            mark = "*" if row.is_promoted else " "
            f1 = {
                k: v["f1"]
                for k, v in row.card.get("metrics", {})
                .get("held_out", {})
                .get("labels", {})
                .items()
            }
            typer.echo(f"{mark} {row.version}  {row.created_at:%Y-%m-%d %H:%M}  F1 {f1}")


@models_app.command("show")
def models_show(version: str = typer.Argument(..., help="Version name")) -> None:
    """Print a version's model card as JSON."""
    with ready_runtime() as rt, rt.session() as session:
        row = repository.get(session, version)
        if row is None:
            raise fail(f"no model version {version!r}")
        typer.echo(json.dumps(row.card, indent=2, ensure_ascii=False))


@models_app.command("promote")
def models_promote(
    version: str = typer.Argument(..., help="Version name"),
    force: bool = typer.Option(
        False, "--force", help="Promote even if a label's precision drops (audited as forced)"
    ),
) -> None:
    """Promote VERSION unless a label's precision at threshold drops too far (guarded)."""
    with ready_runtime() as rt, rt.session() as session:
        message = _guarded_promote(rt, session, version, force)
    typer.echo(f"promoted {version}: {message}")


def _guarded_promote(rt: Runtime, session: Session, version: str, force: bool) -> str:
    # The researchers' API holds the guard, so the CLI and the notebooks judge alike.
    try:
        verdict = research.promote(
            session,
            rt.settings.data_dir,
            version,
            rt.settings.promotion_max_precision_drop,
            actor="cli",
            force=force,
        )
    except (service.ModelNotFound, research.PromotionRefused) as exc:
        raise fail(str(exc)) from None
    except UnsafeModel as exc:
        raise fail(f"refusing to promote: {exc}") from None
    return verdict.message()


@models_app.command("compare")
def models_compare(
    a: str = typer.Argument(..., help="Baseline version (e.g. the promoted one)"),
    b: str = typer.Argument(..., help="Version whose held-out rows both are judged on"),
    per_region: bool = typer.Option(False, "--per-region", help="Also per province"),
) -> None:
    """Compare two versions per label on B's held-out rows, rebuilt from its snapshot."""
    with ready_runtime() as rt, rt.session() as session:
        try:
            held = research.rebuild(session, rt.settings.data_dir, research.card(session, b)).test
            ma, mb = research.load(session, a), research.load(session, b)
        except (service.ModelNotFound, research.SnapshotMismatch, UnsafeModel) as exc:
            raise fail(str(exc)) from None
        names = research_store.region_names(session)
    typer.echo(f"A = {a}, B = {b}, {len(held)} held-out rows of {b}")
    cols = ["label", "n", "positives", "precision_a", "precision_b", "precision_delta"]
    cols += ["recall_a", "recall_b", "f1_a", "f1_b", "pr_auc_a", "pr_auc_b"]
    typer.echo(research.format_table(research.comparison(ma, mb, held), cols))
    if per_region:
        rows = research.comparison_by_region(ma, mb, held, names)
        typer.echo(research.format_table(rows, ["region", *cols[:5], "recall_a", "recall_b"]))


@models_app.command("reproduce")
def models_reproduce(version: str = typer.Argument(..., help="Version name")) -> None:
    """Retrain VERSION from its recorded snapshot; exit 1 unless the metrics are identical."""
    with ready_runtime() as rt, rt.session() as session:
        try:
            recorded = research.card(session, version)
            again = research.reproduce(session, rt.settings.data_dir, version)
        except (service.ModelNotFound, research.SnapshotMismatch) as exc:
            raise fail(str(exc)) from None
    same = again.card["metrics"] == recorded["metrics"]
    same = same and again.thresholds == recorded["thresholds"]
    typer.echo(
        f"{version}: {len(recorded['snapshot']['review_ids'])} review ids, "
        f"{len(recorded['snapshot']['datasets'])} datasets; retrained metrics and thresholds "
        f"{'identical' if same else 'DIFFER'}"
    )
    if not same:
        raise typer.Exit(1)


@models_app.command("rollback")
def models_rollback() -> None:
    """Promote the previously promoted version again."""
    with ready_runtime() as rt, rt.session() as session:
        try:
            row = service.rollback(session, actor="cli")
        except service.ModelNotFound as exc:
            raise fail(str(exc)) from None
        typer.echo(f"promoted {row.version}")


def evaluate_command(
    file: Path | None = typer.Argument(
        None, help='Labelled JSONL {"id","text","labels":[...]} (default: the public checks)'
    ),
    model: str | None = typer.Option(None, "--model", help="Version (default: promoted)"),
    rows_per_outlet: int | None = typer.Option(
        None, "--rows-per-outlet", min=0, help="Held-out news rows per outlet (0: all)"
    ),
) -> None:
    """Print per-label P/R/F1 at the operating threshold and flag rates on ordinary content.

    Without FILE: the production-like table on the public data (held-out news outlets,
    social-media negatives, claims, SEAHateCheck, written election posts with hard negatives).
    """
    examples = None
    if file is not None:
        try:
            examples = read_labelled_jsonl(file)
        except (OSError, JsonlError) as exc:
            raise fail(str(exc), 2) from None
    with ready_runtime() as rt:
        clf = classifier_for(rt, model)
        assert isinstance(clf, LoadedClassifier)
        if examples is None:
            _evaluate_public(rt, clf, rows_per_outlet)
            return
    result = evaluate(clf, examples)
    typer.echo(f"model {clf.version}  n={result['n']}")
    for label, m in result["labels"].items():
        typer.echo(
            f"{label:18} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
            f"positives={m['positives']} flagged={m['flagged']}"
        )
    typer.echo(f"any-label flag rate: {result['any_label_flag_rate']:.4f}")


def _evaluate_public(rt: Runtime, clf: LoadedClassifier, rows_per_outlet: int | None) -> None:
    with rt.session() as session:
        try:
            card = research.card(session, clf.version)
            splits = research.rebuild(session, rt.settings.data_dir, card)
        except (service.ModelNotFound, research.SnapshotMismatch) as exc:
            raise fail(str(exc)) from None
    limit = card.get("config", {}).get("check_rows_per_outlet", 600)
    if rows_per_outlet is not None:
        limit = rows_per_outlet or None
    eval_only = load_eval_only(rt.settings.data_dir)
    report = production_report(clf, splits.test, splits.checks, eval_only, limit)
    typer.echo(f"model {clf.version}: {len(splits.test)} test-split rows, data never trained on")
    for line in production_lines(report):
        typer.echo(line)
