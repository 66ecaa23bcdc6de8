"""A small model trained once per session on the project's seeds (seconds, no public data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.models.train import TrainConfig, TrainedModel, train


@pytest.fixture(scope="session")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """Train the small configuration on seeds only; tests register copies of it."""
    empty: Path = tmp_path_factory.mktemp("no-datasets")
    return train(empty, TrainConfig.small())
