"""The `waspada` entry point: every command, each with one line of help."""

from __future__ import annotations

import typer

from monitor.alerts import bench as alerts_bench
from monitor.alerts import cli as alerts_cli
from monitor.audit import cli as audit_cli
from monitor.cli import db, serve
from monitor.clusters import bench as clusters_bench
from monitor.drift import cli as drift_cli
from monitor.factchecks import bench as factchecks_bench
from monitor.factchecks import cli as factchecks_cli
from monitor.keys import cli as keys_cli
from monitor.modelversions import bench as models_bench
from monitor.modelversions import cli as models_cli
from monitor.posts import cli as posts_cli
from monitor.regions import cli as regions_cli
from monitor.reviews import bench as reviews_bench
from monitor.sources import bench as sources_bench
from monitor.sources import cli as sources_cli
from monitor.tipline import cli as tipline_cli

app = typer.Typer(
    name="waspada",
    help="Waspada: election early-detection monitor for Indonesian media.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
serve.register(app)
# Domain command groups register themselves below, one line each.
app.add_typer(regions_cli.app, name="regions")
app.add_typer(alerts_cli.app, name="alerts")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(sources_cli.app, name="sources")
app.command("ingest")(posts_cli.ingest_command)
bench_app = typer.Typer(help="Benchmarks that print their figures.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
bench_app.command("ingest")(sources_bench.bench_ingest)
app.add_typer(factchecks_cli.app, name="factchecks")
bench_app.command("match")(factchecks_bench.bench_match)
bench_app.command("cluster")(clusters_bench.bench_cluster)
app.add_typer(audit_cli.app, name="audit")
app.add_typer(models_cli.datasets_app, name="datasets")
app.add_typer(models_cli.models_app, name="models")
app.add_typer(drift_cli.app, name="drift")
app.add_typer(tipline_cli.app, name="tipline")
app.command("train")(models_cli.train_command)
app.command("evaluate")(models_cli.evaluate_command)
app.command("classify")(models_cli.classify_command)
bench_app.command("classify")(models_bench.bench_classify)
bench_app.command("api")(reviews_bench.bench_api)
bench_app.command("alerts")(alerts_bench.bench_alerts)


def main() -> None:
    """Run the CLI."""
    app()
