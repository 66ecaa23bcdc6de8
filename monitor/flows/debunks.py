"""New debunks meet recently scored posts: re-match, then the one priority function."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from monitor.core.settings import Settings
from monitor.factchecks.rematch import RematchReport, rematch
from monitor.flows.priority import update_priorities


def rematch_debunks(
    session: Session, settings: Settings, factcheck_ids: Sequence[int]
) -> RematchReport:
    """Match new or edited debunks against recent posts and re-rank the posts they flag."""
    report = rematch(session, settings, factcheck_ids)
    # Why here and not in rematch: the flows are the only writers of `post.priority`.
    update_priorities(session, report.touched)
    return report
