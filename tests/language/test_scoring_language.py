"""Ingest -> scoring on both databases: foreign posts stored with their language, not scored."""

from __future__ import annotations

from sqlalchemy import select

from monitor.cli.bench.posts import foreign_sentences
from monitor.core.runtime import Runtime
from monitor.flows import scoring as tasks
from monitor.posts import service as posts
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.predictions import repository
from tests.collectors.conftest import TinyClassifier

MONEY = "tim sukses membagikan amplop berisi uang kepada warga agar memilih calon nomor dua"
FOREIGN = [r for r in foreign_sentences() if r["lang"] in ("es", "pt", "de", "en")]


def _languages(rt: Runtime) -> dict[str, tuple[str | None, bool]]:
    with rt.session() as s:
        rows = s.execute(select(Post.external_id, Post.language, Post.classified_at)).all()
    return {r[0]: (r[1], r[2] is not None) for r in rows}


def test_foreign_posts_are_stored_marked_and_never_scored(rt: Runtime) -> None:
    items = [
        PostIn(platform="wordpress", external_id=f"f{i}", text=r["text"])
        for i, r in enumerate(FOREIGN)
    ]
    items += [
        # A wrong tag does not win over a confident detector (the source says "id" too).
        PostIn(
            platform="mastodon", external_id="es-tagged-id", text=FOREIGN[20]["text"], language="id"
        ),
        # Evasions of the old check: invisible padding, no stopwords.
        PostIn(
            platform="rss", external_id="padded", text=MONEY.replace(" ", "\u3164") + "\u3164" * 300
        ),
        PostIn(
            platform="rss",
            external_id="nostop",
            text="Bagi amplop serangan fajar seratus ribu per kepala, coblos nomor dua",
        ),
        # Short texts are scored; a platform tag decides only where the detector cannot.
        PostIn(platform="rss", external_id="short", text="Prabowo curang!!"),
        PostIn(platform="mastodon", external_id="short-de", text="Guten Morgen!", language="de"),
    ]
    with rt.session() as s:
        out = posts.ingest(s, items, default_language="id")
    assert out.report.new == len(items)
    langs = _languages(rt)
    wrong = [r["text"] for i, r in enumerate(FOREIGN) if langs[f"f{i}"][0] != r["lang"]]
    assert len(wrong) <= 1, wrong
    assert langs["es-tagged-id"][0] == FOREIGN[20]["lang"] != "id"
    assert langs["padded"][0] == "id" and langs["nostop"][0] == "id"
    assert langs["short"][0] == "id"  # undetermined: the source's language
    assert langs["short-de"][0] == "de"

    with rt.session() as s:
        assert repository.count_unscored(s) == 3
    clf = TinyClassifier("tiny-lang")
    assert tasks.score_pending(rt, clf, None, worker="w1") == 3
    langs = _languages(rt)
    scored = {k for k, (_, done) in langs.items() if done}
    assert scored == {"padded", "nostop", "short"}
    with rt.session() as s:
        padded = s.scalar(select(Post).where(Post.external_id == "padded"))
        assert padded is not None and padded.labels == ["money_politics"]
    assert tasks.score_pending(rt, clf, None, worker="w1") == 0


def test_short_posts_without_any_declared_language_are_scored(rt: Runtime) -> None:
    with rt.session() as s:
        posts.ingest(s, [PostIn(platform="push", external_id="s1", text="2019 GANTI presiden")])
    assert _languages(rt)["s1"][0] == "und"
    assert tasks.score_pending(rt, TinyClassifier(), None, worker="w1") == 1
