"""`waspada redetect-languages`: posts marked by the old check are re-marked on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from monitor.cli.bench.posts import foreign_sentences
from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.posts import service
from monitor.posts.models import Post
from monitor.posts.relanguage import RelanguageReport, redetect_batch
from monitor.posts.schemas import PostIn

SPANISH = [r["text"] for r in foreign_sentences() if r["lang"] == "es"]
INDONESIAN = "Warga mengeluhkan antrean panjang di TPS karena petugas datang terlambat"


def _store_as_old_check_did(session: Session) -> None:
    items = [PostIn(platform="wp", external_id=f"es{i}", text=t) for i, t in enumerate(SPANISH)]
    items.append(PostIn(platform="wp", external_id="id0", text=INDONESIAN))
    service.ingest(session, items)
    # The old word-list check marked most Spanish posts "id", and the model flagged them.
    session.execute(update(Post).values(language="id", flagged=True, labels=["hoax"], priority=0.9))
    session.execute(update(Post).where(Post.external_id == "es0").values(review_status="confirmed"))
    session.flush()


def _marks(session: Session) -> dict[str, tuple[str | None, bool]]:
    rows = session.execute(select(Post.external_id, Post.language, Post.flagged)).all()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_redetect_re_marks_foreign_posts_and_clears_unreviewed_flags(db: Session) -> None:
    _store_as_old_check_did(db)
    dry = RelanguageReport()
    while redetect_batch(db, dry.last_id, 5, dry, dry_run=True):
        pass
    assert dry.seen == len(SPANISH) + 1 and dry.changed >= len(SPANISH) - 1
    assert all(lang == "id" for lang, _ in _marks(db).values())  # dry run changed nothing

    report = RelanguageReport()
    while redetect_batch(db, report.last_id, 5, report):
        pass
    marks = _marks(db)
    assert marks["id0"] == ("id", True)  # Indonesian kept, still flagged
    assert sum(marks[f"es{i}"][0] == "es" for i in range(len(SPANISH))) >= len(SPANISH) - 1
    assert marks["es0"][1] is True  # a reviewer's decision is never undone
    unflagged = [k for k, (_, flagged) in marks.items() if not flagged]
    assert len(unflagged) == report.unflagged >= len(SPANISH) - 2
    again = RelanguageReport()
    while redetect_batch(db, again.last_id, 500, again):
        pass
    assert again.changed == 0  # idempotent


def test_redetect_languages_command(fresh_db_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_db_url)
    with Session(engine) as s:
        _store_as_old_check_did(s)
        s.commit()
    env = {"WASPADA_DATA_DIR": str(tmp_path / "data"), "WASPADA_DATABASE_URL": fresh_db_url}
    res = CliRunner().invoke(app, ["redetect-languages"], env=env)
    assert res.exit_code == 0, res.output
    assert f"{len(SPANISH) + 1} posts read" in res.output and "taken out of the queue" in res.output
    with Session(engine) as s:
        assert _marks(s)["es1"] == ("es", False)
    engine.dispose()
