"""Region jobs: the `waspada up` start-up step."""

from __future__ import annotations

import logging

from monitor.core.runtime import Runtime
from monitor.regions import service

log = logging.getLogger(__name__)


def load_regions_step(rt: Runtime) -> None:
    """Make sure the official region list is loaded (a no-op when it already is)."""
    with rt.session() as s:
        result = service.load_regions(s)
    if result.inserted or result.renamed:
        log.info("regions loaded", extra={"inserted": result.inserted, "renamed": result.renamed})
