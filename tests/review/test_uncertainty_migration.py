"""Migration a3c9e5d71b42 backfills each post's stored uncertainty from its predictions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.modelversions.models import ModelVersion
from monitor.posts.models import Post
from monitor.predictions.models import Prediction

_REV = "a3c9e5d71b42"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _alembic(engine: Engine, action: str, revision: str) -> None:
    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)
        conn.commit()


def _post(conn: object, n: int, version: str | None) -> int:
    # Core insert of the columns that exist before the migration.
    values = {
        "platform": "rss",
        "external_id": f"u-{n}",
        "text": f"teks {n}",
        "content_hash": f"{n:064d}",
        "fetched_at": NOW,
        "model_version": version,
        "flagged": False,
        "labels": [],
        "priority": 0.0,
        "review_status": "new",
    }
    return int(conn.execute(insert(Post.__table__).values(values).returning(Post.id)).scalar_one())  # type: ignore[attr-defined]


def test_backfill_uses_card_thresholds_fallback_and_disagreements(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    _alembic(engine, "downgrade", f"{_REV}-1")
    with engine.begin() as conn:
        conn.execute(
            insert(ModelVersion.__table__).values(  # type: ignore[attr-defined]
                version="m2", path="m2.skops", sha256="0" * 64, card={"thresholds": {"hoax": 0.6}}
            )
        )
        carded = _post(conn, 1, "m2")
        no_card = _post(conn, 2, "rules-only")
        disputed = _post(conn, 3, "m2")
        unscored = _post(conn, 4, None)
        rows = [
            (carded, "hoax", 0.63, True, "m2"),  # 0.03 from the card's 0.6
            (carded, "money_politics", 0.2, False, "m2"),  # 0.3 from the 0.5 fallback
            (carded, "hoax", 0.7, True, "m1"),  # an older version agreeing: not counted
            (no_card, "hoax", 0.42, False, "rules-only"),  # 0.08 from the fallback
            (disputed, "hoax", 0.95, True, "m2"),
            (disputed, "hoax", 0.3, False, "m1"),  # m2 flags hoax, m1 did not
        ]
        conn.execute(
            insert(Prediction.__table__),  # type: ignore[attr-defined]
            [
                {"post_id": p, "label": lab, "score": sc, "flagged": f, "model_version": v}
                | {"explanation": {}, "created_at": NOW}
                for p, lab, sc, f, v in rows
            ],
        )
    _alembic(engine, "upgrade", "head")
    with Session(engine) as s:
        got = dict(s.execute(select(Post.id, Post.uncertainty)).tuples().all())
    engine.dispose()
    assert got[carded] == pytest.approx(0.03)
    assert got[no_card] == pytest.approx(0.08)
    assert got[disputed] == -1.0
    assert got[unscored] is None
