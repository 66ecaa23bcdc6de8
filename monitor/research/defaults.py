"""Making sure a promoted classifier exists: train and promote the default model if none is."""

from __future__ import annotations

import logging

from classifiers.contracts import Classifier
from classifiers.data.corpus import available_datasets
from classifiers.models.train import TrainConfig, train
from classifiers.progress import SILENT, Progress
from monitor.core.progress import for_operator
from monitor.core.runtime import Runtime
from monitor.core.settings import Settings
from monitor.modelversions import repository
from monitor.modelversions.loading import load_promoted, load_version
from monitor.modelversions.service import register
from monitor.research.promote import ModelFloods, promote

log = logging.getLogger("waspada.classifiers")


def default_config(settings: Settings) -> TrainConfig:
    """The configuration `ensure_default_model` trains with: small and fast if seeds only."""
    if available_datasets(settings.data_dir):
        return TrainConfig(target_precision=settings.target_precision)
    return TrainConfig.small(settings.target_precision)


def ensure_default_model(rt: Runtime, progress: Progress = SILENT) -> Classifier:
    """Return the promoted model, training and promoting the default one if none exists."""
    with rt.session() as session:
        current = load_promoted(session, rt.settings)
    if current is not None:
        return current
    config = default_config(rt.settings)
    if not config.datasets and config.datasets is not None:
        log.warning(
            "no promoted model and no fetched datasets: training the default model on the "
            "project's seeds alone (run `waspada datasets fetch` and `waspada train --promote`)"
        )
    else:
        log.info("no promoted model: training the default model")
    model = train(rt.settings.data_dir, config, progress=progress)
    with rt.session() as session:
        row = register(session, rt.settings.data_dir, model)
        try:
            promote(session, rt.settings.data_dir, row.version, None, actor="system:default-model")
        except ModelFloods as exc:
            # A first start with no model at all cannot classify anything; the default model
            # is promoted anyway, loudly, and the override is audited with its figures.
            log.error("default model fails the flood guard; promoted anyway: %s", exc)
            promote(
                session,
                rt.settings.data_dir,
                row.version,
                None,
                actor="system:default-model",
                force=True,
            )
        version = row.version
    with rt.session() as session:
        row2 = repository.get(session, version)
        assert row2 is not None
        loaded = load_version(row2)
    log.info("default model promoted", extra={"version": version})
    return loaded


def default_model_step(rt: Runtime) -> None:
    """`waspada up` start-up step: make sure a promoted model exists."""
    # The first start trains for minutes: say so as it goes, not only when it is done.
    ensure_default_model(rt, for_operator())
