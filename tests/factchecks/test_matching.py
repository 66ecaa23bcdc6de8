"""Matching against stored fact-checks on both databases, through the classifier and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from classifiers.factcheck.datasets import load_matching_data
from classifiers.factcheck.evaluate import _same_claim, build_index
from classifiers.factcheck.matcher import FactCheckMatcher, default_scorer
from classifiers.factcheck.news import load_news, sample
from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.core.runtime import runtime_for_engine
from monitor.core.settings import load_settings
from monitor.factchecks import service
from monitor.factchecks.schemas import FactCheckIn, parse_record
from monitor.factchecks.service import load_matcher
from monitor.modelversions.service import register
from monitor.research.promote import promote
from tests.factchecks.cases import CLAIMS, DEBUNKS, NEWS
from tests.factchecks.model import tiny_classifier, tiny_model


@pytest.fixture(autouse=True)
def _no_cached_matchers() -> Iterator[None]:
    service.invalidate_matchers()
    yield
    service.invalidate_matchers()


def _import(session: Session, debunks: list[dict[str, str]]) -> service.ImportCounts:
    return service.import_records(session, [parse_record(d) for d in debunks])


def test_stored_debunks_match_edited_claims_and_not_news(db: Session) -> None:
    _import(db, DEBUNKS)
    matcher = load_matcher(db)
    assert matcher is not None
    results = matcher.match([text for text, _ in CLAIMS])
    assert [r.id if r else None for r in results] == [want for _, want in CLAIMS]
    by_key = {f"{d['publisher']}:{d['id']}": d for d in DEBUNKS}
    for r in results:
        assert r is not None
        assert r.title == by_key[r.id]["title"] and r.url == by_key[r.id].get("url")
        assert r.factcheck_pk is not None
    assert matcher.match(NEWS) == [None] * len(NEWS)


def test_no_factchecks_means_no_matcher(db: Session) -> None:
    assert load_matcher(db) is None


def test_matcher_grows_incrementally_and_equals_a_rebuild(db: Session) -> None:
    _import(db, DEBUNKS[:-1])
    first = service.load_matcher(db)
    assert first is not None
    stacked, _ = first.index.segments
    texts = (
        [t for t, _ in CLAIMS] + NEWS + ["Pendaftaran CPNS 2024 dibuka lewat tautan WhatsApp ini"]
    )
    _import(db, DEBUNKS[-1:])
    grown = service.load_matcher(db)
    assert grown is first  # same cached index, extended by id
    assert len(grown.index) == len(DEBUNKS)
    assert grown.index.segments == (stacked, 1)  # the new row sits in the delta: no rebuild
    service.invalidate_matchers()
    rebuilt = service.load_matcher(db)
    assert rebuilt is not None and rebuilt is not grown
    a, b = grown.rank(texts, 5), rebuilt.rank(texts, 5)
    assert [[e for e, _ in r] for r in a] == [[e for e, _ in r] for r in b]
    for ra, rb in zip(a, b, strict=True):
        assert [s for _, s in ra] == pytest.approx([s for _, s in rb], abs=1e-9)
    (hit,) = grown.match(texts[-1:])
    assert hit is not None and hit.id == "turnbackhoax:tbh-2004"


def test_an_edited_title_stops_matching_under_its_old_wording(db: Session) -> None:
    _import(db, DEBUNKS)
    matcher = load_matcher(db)
    assert matcher is not None
    claim = CLAIMS[3][0]
    assert matcher.match([claim])[0] is not None
    edited = [dict(d) for d in DEBUNKS]
    edited[3] = {"id": "tbh-1004", "publisher": "turnbackhoax", "title": "Judul ditarik"}
    counts = _import(db, edited)
    assert counts.updated == 1 and counts.inserted == 0
    fresh = load_matcher(db)
    assert fresh is not None and fresh is not matcher
    assert fresh.match([claim]) == [None]


def test_rolled_back_factchecks_are_not_matched(db: Session) -> None:
    _import(db, DEBUNKS)
    with db.begin_nested() as nested:
        _import(db, [{"id": "tmp-1", "title": "Kabar bohong sementara soal kotak suara kardus"}])
        matcher = service.load_matcher(db)
        assert matcher is not None and len(matcher.index) == len(DEBUNKS) + 1
        nested.rollback()
    _import(db, [{"id": "tmp-2", "title": "Isu lain tentang tinta pemilu yang luntur"}])
    again = service.load_matcher(db)
    assert again is not None
    assert "tmp-1" not in {e.key for e in again.index.entries}
    assert again.match(["kabar bohong sementara soal kotak suara kardus"]) == [None]


def test_classify_sets_hoax_with_the_debunk_in_the_explanation(db: Session) -> None:
    _import(db, DEBUNKS)
    matcher = load_matcher(db)
    clf = tiny_classifier()
    texts = [t for t, _ in CLAIMS] + NEWS
    results = clf.classify(texts, matcher)
    for (_, want), r in zip(CLAIMS, results[: len(CLAIMS)], strict=True):
        assert "hoax" in r.labels
        assert r.factcheck is not None and r.factcheck.id == want
        assert r.explanation["factcheck"] == r.factcheck.as_json()
        assert r.scores["hoax"] >= round(r.factcheck.score, 4)
    for r in results[len(CLAIMS) :]:
        assert "hoax" not in r.labels and r.factcheck is None
        assert "factcheck" not in r.explanation
    # Without the matcher the same claims are not `hoax`: the label came from the debunk.
    assert all("hoax" not in r.labels for r in clf.classify([t for t, _ in CLAIMS]))


def test_classify_command_fills_the_factcheck_field(fresh_db_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(load_settings(data_dir=data_dir, database_url=fresh_db_url), engine)
    with rt.session() as s:
        row = register(s, data_dir, tiny_model(), version="test-tiny")
        promote(s, data_dir, row.version, None, actor="test")
    rt.close()
    env = {"WASPADA_DATABASE_URL": fresh_db_url, "WASPADA_DATA_DIR": str(data_dir)}
    file = tmp_path / "fc.jsonl"
    file.write_text("\n".join(json.dumps(d) for d in DEBUNKS) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["factchecks", "import", str(file)], env=env)
    assert res.exit_code == 0, res.stderr
    posts = [{"id": i, "text": t} for i, (t, _) in enumerate(CLAIMS)]
    posts += [{"id": f"news-{i}", "text": t} for i, t in enumerate(NEWS)]
    lines = "\n".join(json.dumps(p, ensure_ascii=False) for p in posts) + "\nnot json\n"
    res = CliRunner().invoke(app, ["classify"], env=env, input=lines)
    assert res.exit_code == 0, res.stderr
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(out) == len(posts) + 1 and "error" in out[-1]
    by_key = {f"{d['publisher']}:{d['id']}": d for d in DEBUNKS}
    for (_, want), row in zip(CLAIMS, out, strict=False):
        fc = row["factcheck"]
        assert {"id", "title", "url", "score", "publisher", "verdict"} <= set(fc)
        assert fc["id"] == want and fc["title"] == by_key[want]["title"]
        assert fc["publisher"] == by_key[want]["publisher"]
        assert fc["url"] == by_key[want].get("url") and default_scorer().threshold <= fc["score"]
        assert "hoax" in row["labels"] and row["explanation"]["factcheck"] == fc
        signal = row["explanation"]["hoax_signal"]
        assert "debunk_match" in signal["fired"] and signal["debunk"] == fc
    for row in out[len(CLAIMS) : len(posts)]:
        assert row["factcheck"] is None and "hoax" not in row["labels"]


def test_real_2024_claims_beat_the_reference_recall(shared_data: Path) -> None:
    """Held-out real claims (BDC narasi) against the 2024 TurnBackHoax titles."""
    data = load_matching_data(shared_data)
    index = build_index(data, with_bdc=False)
    titles = [e.title for e in index.entries]
    pairs = data.test_pairs_2024
    ranked = FactCheckMatcher(index).rank([p.claim for p in pairs], 5)
    hit1 = sum(
        bool(r) and _same_claim(titles[r[0][0]], p.title)
        for p, r in zip(pairs, ranked, strict=True)
    )
    assert len(pairs) > 300
    assert hit1 / len(pairs) >= 0.88  # plain char TF-IDF cosine: about 0.84 on 2024 claims
    # Ordinary news ARTICLES of outlets the re-ranker was never fitted or tuned on.
    articles = [a.text for a in sample([a for a in load_news(shared_data) if a.held_out], 600)]
    news = FactCheckMatcher(index).match(articles)
    assert sum(m is not None for m in news) / len(news) <= 0.02


def test_a_collector_update_that_rewrites_a_title_is_noticed(db: Session) -> None:
    _import(db, DEBUNKS)
    first = service.load_matcher(db)
    assert first is not None
    claim = CLAIMS[2][0]
    assert first.match([claim])[0] is not None
    # The fact-checker collector writes through the same service as `factchecks import`.
    counts = service.import_records(
        db,
        [
            FactCheckIn(
                external_id="tbh-1003",
                title="[KLARIFIKASI] Judul ini sudah ditarik",
                publisher="turnbackhoax",
                verdict="klarifikasi",
            )
        ],
    )
    assert counts.updated == 1
    db.expire_all()
    again = service.load_matcher(db)
    assert again is not None and again is not first
    assert again.match([claim]) == [None]
    assert service.load_matcher(db) is again  # nothing changed since: the cache holds
