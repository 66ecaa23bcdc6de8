"""Migration c81f5a2e7d44: hot clusters from before lazy clusters get bands, on both databases."""

from __future__ import annotations

from datetime import timedelta

from alembic import command
from sqlalchemy import BigInteger, Engine, Integer, column, func, select, table
from sqlalchemy.orm import Session

from classifiers.neardup import stored_band_keys, text_signature
from monitor.clusters.models import Cluster, PostBand, PostSignature
from monitor.core import migrate
from monitor.core.base import JSONType, UTCDateTime, utcnow
from monitor.core.db import make_engine
from monitor.flows import arrival
from monitor.posts.canonical import content_hash
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from tests.clusters.test_clusters import COPIES, UNRELATED
from tests.support.oldschema import later_columns

_BEFORE = "a4c7e2d9f150"  # lazy clusters: signatures copied from clusters, no bands


def _alembic(engine: Engine, action: str, revision: str) -> None:
    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)
        conn.commit()


def _old_cluster(s: Session, n: str, text: str, last_seen_days: float) -> int:
    """A cluster as the code before a4c7e2d9f150 left it: a row per message, with signature."""
    seen = utcnow() - timedelta(days=last_seen_days)
    post = Post(
        platform="x", external_id=n, text=text, content_hash=content_hash(text), fetched_at=seen
    )
    s.add(post)
    s.flush()
    sig = text_signature(text)
    assert sig is not None
    cluster = Cluster(
        representative_post_id=post.id,
        signature=sig.to_json(),
        first_seen=seen,
        last_seen=seen,
        size=1,
    )
    s.add(cluster)
    s.flush()
    post.cluster_id = cluster.id
    return post.id


def test_hot_clusters_get_bands_and_their_copies_join_them(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    _alembic(engine, "downgrade", "b7e4c2a91f03")
    with later_columns(engine), Session(engine) as s:
        hot = _old_cluster(s, "hot", COPIES[0], last_seen_days=1)
        cold = _old_cluster(s, "cold", UNRELATED[0], last_seen_days=30)
        s.commit()
    _alembic(engine, "upgrade", _BEFORE)  # copies the signatures, computes no bands
    migrate.upgrade(engine)
    with Session(engine) as s:
        bands = dict(
            s.execute(select(PostBand.post_id, func.count()).group_by(PostBand.post_id)).all()
        )
        assert bands == {hot: 16}  # the cold one stays out of the hot index
        seen = dict(s.execute(select(PostSignature.post_id, PostSignature.seen_at)).all())
        assert set(seen) == {hot, cold}
        assert seen[cold] < utcnow() - timedelta(days=7) < seen[hot]
        # A copy arriving after the upgrade joins the cluster of the message stored before it.
        item = PostIn.model_validate({"platform": "x", "external_id": "new", "text": COPIES[1]})
        (copy,) = arrival.arrive(s, [item]).new_posts
        first = s.get(Post, hot)
        assert first is not None and copy.cluster_id == first.cluster_id is not None
        s.commit()
    engine.dispose()


def test_the_migration_keeps_existing_bands(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    _alembic(engine, "downgrade", _BEFORE)
    with later_columns(engine), Session(engine) as s:
        item = PostIn.model_validate({"platform": "x", "external_id": "a", "text": COPIES[0]})
        # The previous schema's rows, written as its code wrote them (id, seen_at per band).
        post = Post(
            platform="x", external_id="a", text=item.text, content_hash=content_hash(item.text)
        )
        s.add(post)
        s.flush()
        sig = text_signature(item.text)
        assert sig is not None
        # The JSON column of that schema (f3a8c6e2d1b7 packs it later).
        old_signatures = table("post_signatures", column("post_id"), column("signature", JSONType))
        s.execute(old_signatures.insert().values(post_id=post.id, signature=sig.to_json()))
        s.commit()
        pid = post.id
    old_bands = table(
        "post_bands",
        column("band_key", BigInteger()),
        column("post_id", Integer()),
        column("seen_at", UTCDateTime()),
    )
    seen = utcnow() - timedelta(days=2)
    with engine.connect() as conn:
        conn.execute(
            old_bands.insert(),
            [{"band_key": k, "post_id": pid, "seen_at": seen} for k in stored_band_keys(sig)],
        )
        conn.commit()
    migrate.upgrade(engine)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(PostBand)) == 16
        (kept,) = s.scalars(select(PostSignature.seen_at)).all()
        assert abs((kept - seen).total_seconds()) < 1  # the bands' seen_at moved to the signature
    engine.dispose()
