"""`waspada train|models` as thin wrappers over the researchers' API, on both databases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifiers.contracts import LABELS
from classifiers.models.train import TrainedModel
from monitor import research as R
from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.core.runtime import runtime_for_engine
from monitor.core.settings import load_settings
from monitor.modelversions import repository
from tests.support.seeds.research import seed


def test_train_compare_reproduce_and_guarded_promote(
    fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WASPADA_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("WASPADA_DATA_DIR", str(tmp_path / "data"))
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(load_settings(), engine)
    try:
        seeded = seed(rt)
        runner = CliRunner()

        # `waspada train` takes reviewer decisions through the same API: the card lists them.
        result = runner.invoke(app, ["train", "--small", "--no-stem", "--seed", "7"])
        assert result.exit_code == 0, result.output
        version = re.search(r"version (m\S+)", result.output).group(1)  # type: ignore[union-attr]
        with rt.session() as s:
            card = R.card(s, version)
        assert card["snapshot"]["review_ids"] and card["snapshot"]["random_seed"] == 7
        assert set(card["snapshot"]["review_ids"]) <= set(seeded.review_ids)

        result = runner.invoke(app, ["models", "compare", "m-base", version, "--per-region"])
        assert result.exit_code == 0, result.output
        assert f"A = m-base, B = {version}" in result.output
        assert "precision_delta" in result.output and "region" in result.output

        result = runner.invoke(app, ["models", "reproduce", version])
        assert result.exit_code == 0, result.output
        assert "identical" in result.output

        # A loosened copy of the promoted model: the CLI refuses it unless forced.
        with rt.session() as s:
            base = repository.get(s, "m-base")
            assert base is not None
            loaded = R.load(s, "m-base")
            loose = TrainedModel(
                loaded.pipeline,
                dict.fromkeys(LABELS, 0.0),
                {**base.card, "snapshot": card["snapshot"], "config": card["config"]},
            )
            R.register(s, rt.settings.data_dir, loose, version="m-loose")
        result = runner.invoke(app, ["models", "promote", "m-loose"])
        assert result.exit_code == 1
        assert "refusing to promote m-loose" in result.output
        with rt.session() as s:
            assert repository.promoted(s).version == "m-base"  # type: ignore[union-attr]
        result = runner.invoke(app, ["models", "promote", "m-loose", "--force"])
        assert result.exit_code == 0, result.output
        result = runner.invoke(app, ["train", "--max-rows-per-dataset", "0"])
        assert result.exit_code == 2 and "max-rows-per-dataset" in result.output
        result = runner.invoke(app, ["models", "promote", "m-nope"])
        assert result.exit_code == 1 and "no model version 'm-nope'" in result.output
        with rt.session() as s:
            assert repository.promoted(s).version == "m-loose"  # type: ignore[union-attr]
    finally:
        engine.dispose()
