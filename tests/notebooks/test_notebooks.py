"""The researchers' notebooks, executed top to bottom with nbclient against a seeded database."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.core.runtime import runtime_for_engine
from monitor.core.settings import load_settings
from monitor.modelversions import repository
from tests.support.seeds.research import link_shared_datasets, seed

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["01_explore", "02_retrain", "03_error_analysis"]


def test_notebooks_are_committed_without_outputs() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES
    for path in NOTEBOOKS.glob("*.ipynb"):
        book = nbformat.read(path, as_version=4)
        nbformat.validate(book)
        for cell in book.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


def _texts(book: nbformat.NotebookNode) -> str:
    text = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                text.append(out["text"])
            elif "data" in out and "text/plain" in out["data"]:
                text.append(out["data"]["text/plain"])
    return "\n".join(text)


def _images(book: nbformat.NotebookNode) -> int:
    return sum(
        "image/png" in out.get("data", {}) for cell in book.cells for out in cell.get("outputs", [])
    )


def test_promotion_is_off_unless_the_first_cell_says_so() -> None:
    """Running 02_retrain top to bottom must not change the model the desk uses."""
    book = nbformat.read(NOTEBOOKS / "02_retrain.ipynb", as_version=4)
    code = [c.source for c in book.cells if c.cell_type == "code"]
    assert "\nPROMOTE = False\n" in code[0]
    promoting = [src for src in code if "R.promote(" in src]
    assert len(promoting) == 1 and promoting[0].startswith("if PROMOTE:\n")
    for name in NAMES:  # figures render as images, not as "<Figure size ...>" text
        first = [c for c in nbformat.read(NOTEBOOKS / f"{name}.ipynb", 4).cells][1]
        assert first.source.startswith("%matplotlib inline\n"), name


def _researcher_copy(tmp_path: Path) -> Path:
    """The notebooks as a researcher who switched promotion on in 02's first cell has them."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in NAMES:
        book = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        for cell in book.cells:
            if cell.cell_type == "code" and "\nPROMOTE = False\n" in cell.source:
                cell.source = cell.source.replace("\nPROMOTE = False\n", "\nPROMOTE = True\n")
        nbformat.write(book, folder / f"{name}.ipynb")
    return folder


# Why SQLite only: the notebooks reach the database only through `monitor.research`, whose
# queries run on both backends in test_research_api.py and test_cli_research.py; executing the
# three notebooks again on PostgreSQL cost a minute of the suite and tested no other query.
@pytest.mark.parametrize("fresh_db_url", ["sqlite"], indirect=True)
def test_notebooks_run_top_to_bottom_on_a_seeded_database(
    fresh_db_url: str, tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All three notebooks in order on the default database (a SQLite file)."""
    data_dir = tmp_path / "data"
    out = tmp_path / "figures"
    for key, value in {
        "WASPADA_DATABASE_URL": fresh_db_url,
        "WASPADA_DATA_DIR": str(data_dir),
        "NOTEBOOK_SMALL": "1",
        "NOTEBOOK_MAX_ROWS": "150",
        "NOTEBOOK_OUTPUT": str(out),
        "MPLBACKEND": "Agg",
    }.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(settings, engine)
    seeded = seed(rt)
    link_shared_datasets(data_dir)

    folder = _researcher_copy(tmp_path)
    run = CliRunner().invoke(
        app, ["notebooks", "run", "--dir", str(folder), "--out", str(out), "--timeout", "240"]
    )
    assert run.exit_code == 0, run.stdout + run.stderr
    books = {name: nbformat.read(out / f"{name}.ipynb", as_version=4) for name in NAMES}
    for name in NAMES:
        assert f"{name}: ok dalam" in run.stdout
        assert (out / f"{name}.html").stat().st_size > 10_000
        assert _images(books[name]) >= 1, name  # shown as images in the executed copy
        assert len(list((out / name).glob("cell*.png"))) == _images(books[name])
    explore = _texts(books["01_explore"])
    assert "76 posts" in explore and "promoted model: m-base" in explore
    assert "posts_with_two_reviewers" in explore and "cohen_kappa" in explore
    assert "Jawa Barat" in explore and "money_politics" in explore

    retrain = _texts(books["02_retrain"])
    assert f"{len(seeded.review_ids)} reviewer decisions" in retrain
    with rt.session() as s:
        versions = [r for r in repository.all_versions(s) if r.version != seeded.base_version]
        promoted = repository.promoted(s)
    assert len(versions) == 1
    new = versions[0]
    snap = new.card["snapshot"]
    # The card lists the review ids used, and the notebook printed them.
    assert snap["review_ids"] and set(snap["review_ids"]) <= set(seeded.review_ids)
    assert f"review ids used: {snap['review_ids']}" in retrain
    assert set(snap["datasets"]) == {
        "bdc2020_mafindo_hoax",
        "clickid2019_news",
        "indosum2018_news",
        "hoax_pilpres2024_headlines",
        "ibrohim2019_hs_abusive",
        "pilpres2019_sentiment",
    }
    assert snap["max_rows_per_dataset"] == 150
    # The comparison table against the promoted model, per label and per region.
    assert f"A = m-base (promoted), B = {new.version} (new)" in retrain
    assert "precision_a" in retrain and "precision_delta" in retrain
    assert "(datasets, seeds)" in retrain  # the per-region table's non-post group
    assert "disagreements shown" in retrain
    # Promotion is one explicit call whose outcome the database agrees with.
    assert promoted is not None
    if "PROMOTED:" in retrain:
        assert promoted.version == new.version
    else:
        assert "REFUSED: refusing to promote" in retrain
        assert promoted.version == seeded.base_version
    assert f"promoted now: {promoted.version}" in retrain

    errors = _texts(books["03_error_analysis"])
    assert "rejected flags" in errors and "threshold" in errors and "rules:" in errors
    assert "source" in errors and "province" in errors

    figures = sorted(p.name for p in out.glob("*.png"))
    assert figures == [
        "01_labels.png",
        "01_regions.png",
        "01_scores.png",
        "01_volume_label.png",
        "01_volume_province.png",
        "02_pr_curves.png",
        "03_fp_sources.png",
        "03_threshold_sweeps.png",
    ]
    assert all((out / f).stat().st_size > 5000 for f in figures)
    engine.dispose()
    (tmp_path / "outputs.json").write_text(json.dumps({"02": retrain[:4000]}))
