"""Re-detect the language of stored posts (posts marked by the old word-list check)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from monitor.posts import repository
from monitor.posts.language import detect_language, is_classifiable


@dataclass
class RelanguageReport:
    """What one pass changed."""

    seen: int = 0
    changed: int = 0
    now_foreign: int = 0
    unflagged: int = 0
    last_id: int = 0


def redetect_batch(
    session: Session, after_id: int, limit: int, report: RelanguageReport, dry_run: bool = False
) -> bool:
    """Re-mark the next `limit` posts after `after_id`; return False when none were left."""
    rows = repository.texts_after(session, after_id, limit)
    if not rows:
        return False
    changes: list[tuple[int, str]] = []
    foreign: list[int] = []
    for post_id, title, text, old, config in rows:
        declared = (config or {}).get("language")
        full = f"{title}. {text}" if title and title not in text else text
        new = detect_language(full, declared=declared if isinstance(declared, str) else None).code
        report.last_id = post_id
        if new == old:
            continue
        changes.append((post_id, new))
        if is_classifiable(old) and not is_classifiable(new):
            foreign.append(post_id)
    report.seen += len(rows)
    report.changed += len(changes)
    report.now_foreign += len(foreign)
    if not dry_run:
        repository.set_language(session, changes)
        report.unflagged += repository.unflag_unreviewed(session, foreign)
        session.flush()
    return True
