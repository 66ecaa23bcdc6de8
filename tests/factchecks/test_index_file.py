"""The saved fact-check index: round trip, stale and damaged files refused and rebuilt."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from classifiers.factcheck import hashing, index_file
from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.index_file import IndexFileError, build_or_load, digest, load_index
from classifiers.factcheck.matcher import FactCheckMatcher
from classifiers.text.ngrams import char_wb_grams, hashed_index, unpack
from monitor.factchecks import service
from monitor.factchecks.schemas import parse_record
from tests.factchecks.cases import CLAIMS, DEBUNKS, NEWS


def _entries() -> list[FactCheckEntry]:
    return [
        FactCheckEntry(
            f"{d['publisher']}:{d['id']}", d["title"], d.get("url"), d.get("claim"), pk=n + 1
        )
        for n, d in enumerate(DEBUNKS)
    ] + [FactCheckEntry("x:empty", "!!!", pk=len(DEBUNKS) + 1)]  # no matchable text: skipped


@pytest.fixture(autouse=True)
def _no_cached_matchers() -> Iterator[None]:
    service.invalidate_matchers()
    yield
    service.invalidate_matchers()


def _texts() -> list[str]:
    return [t for t, _ in CLAIMS] + NEWS


def test_round_trip_ranks_exactly_like_the_built_index(tmp_path: Path) -> None:
    entries = _entries()
    path = tmp_path / "index.npz"
    built, why = build_or_load(entries, path)
    assert why == "" and path.is_file()  # absent: built and saved
    loaded, why = build_or_load(entries, path)
    assert why is None  # read, not rebuilt
    assert loaded.entries == built.entries and loaded.row_texts == built.row_texts
    assert len(loaded) == len(DEBUNKS)
    a, b = FactCheckMatcher(built), FactCheckMatcher(loaded)
    texts = _texts()
    assert a.match(texts) == b.match(texts)
    ra, rb = a.ranked(texts, 5), b.ranked(texts, 5)
    for xa, xb in zip(ra, rb, strict=True):
        assert [r.entry for r in xa] == [r.entry for r in xb]
        assert [r.score for r in xa] == [r.score for r in xb]
    # What the first query derives was read, not recomputed, and is what the build derives.
    assert loaded._flat is not None and loaded._main is not None
    built.warm()
    fa, fb = built.word_arrays(), loaded.word_arrays()
    for name in ("ptr", "ids", "freq", "nondigit"):
        assert np.array_equal(getattr(fa, name), getattr(fb, name)), name
        assert getattr(fa, name).dtype == getattr(fb, name).dtype, name
    assert list(loaded.word_ids.items()) == list(built.word_ids.items())
    assert dict(loaded.word_df) == dict(built.word_df)
    assert np.array_equal(loaded.row_word_counts(), built.row_word_counts())
    pa, pb = built._prepared(), loaded._prepared()
    for ta, tb in zip(pa.main.rows_t, pb.main.rows_t, strict=True):
        assert ta.shape == tb.shape and ta.dtype == tb.dtype
        for name in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(ta, name), getattr(tb, name)), name
    # A restored index still grows like a built one.
    extra = FactCheckEntry("x:new", "Pendaftaran CPNS 2024 dibuka lewat tautan WhatsApp", pk=99)
    assert loaded.add([extra]) == 1 and built.add([extra]) == 1
    assert FactCheckMatcher(loaded).match(texts) == FactCheckMatcher(built).match(texts)


def test_a_changed_debunk_set_makes_the_file_stale(tmp_path: Path) -> None:
    entries = _entries()
    path = tmp_path / "index.npz"
    build_or_load(entries, path)
    edited = [*entries[:-2], FactCheckEntry(entries[-2].key, "Judul ditarik", pk=entries[-2].pk)]
    with pytest.raises(IndexFileError, match="debunks changed"):
        load_index(path, digest(edited))
    index, why = build_or_load(edited, path)
    assert why is not None and "stale" in why
    assert [e.title for e in index.entries][-1] == "Judul ditarik"
    assert build_or_load(edited, path)[1] is None  # the rebuilt file is current


def test_other_matching_code_makes_the_file_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = _entries()
    path = tmp_path / "index.npz"
    build_or_load(entries, path)
    monkeypatch.setattr(index_file, "code_fingerprint", lambda: "0" * 64)
    with pytest.raises(IndexFileError, match="another version of the matching code"):
        load_index(path, digest(entries))


def _rewrite(path: Path, change: dict[str, np.ndarray | bytes]) -> None:
    # Re-pack the archive with some members replaced, and a correct trailing checksum, so the
    # member checks (not the checksum) must catch it.
    raw = path.read_bytes()[:-64]
    members: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for name in archive.namelist():
            members[name] = archive.read(name)
    for name, value in change.items():
        if isinstance(value, bytes):
            members[name] = value
        else:
            buf = io.BytesIO()
            np.save(buf, value, allow_pickle=True)
            members[name] = buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    payload = out.getvalue()
    path.write_bytes(payload + hashlib.sha256(payload).hexdigest().encode("ascii"))


def test_loaded_index_seeds_the_hashing_cache_with_what_hashing_computes(tmp_path: Path) -> None:
    # The saved char n-gram ids of the row words go into the matcher's word cache: each
    # entry must be what hashing the word gives (the plain computation, no cache).
    path = tmp_path / "index.npz"
    build_or_load(_entries(), path)
    hashing._CHAR_CACHE._ids.clear()
    loaded, why = build_or_load(_entries(), path)
    assert why is None
    seeded = dict(hashing._CHAR_CACHE._ids)
    words = {w for row in loaded.row_texts for w in row.split()}
    assert words and set(seeded) == words
    for word in words:
        grams = char_wb_grams(word, *hashing.CHAR_RANGE)
        assert unpack(seeded[word]) == hashed_index(grams, hashing.N_FEATURES).tolist(), word


def _meta(path: Path) -> dict[str, object]:
    with np.load(io.BytesIO(path.read_bytes()[:-64]), allow_pickle=False) as npz:
        loaded = json.loads(npz["meta"].tobytes().decode("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(p.read_bytes()[:100] + b"X" + p.read_bytes()[101:]), "checksum"),
        (lambda p: p.write_bytes(b"junk"), "checksum"),
        (lambda p: p.write_bytes(b""), "checksum"),
        (lambda p: _rewrite(p, {"evil.npy": b"x"}), "unexpected members"),
        (lambda p: _rewrite(p, {"owners.npy": np.array([{"a": 1}], dtype=object)}), "readable"),
        (lambda p: _rewrite(p, {"owners.npy": np.zeros(3, dtype=np.float64)}), "dtype"),
        (lambda p: _rewrite(p, {"owners.npy": np.full(17, 10**6, dtype=np.int64)}), "owner"),
        (lambda p: _rewrite(p, {"indices0.npy": np.full(5, 2**30, dtype=np.int32)}), "channel"),
        (lambda p: _rewrite(p, {"meta.npy": np.frombuffer(b"{oops", np.uint8)}), "not JSON"),
        (
            lambda p: _rewrite(p, {"transposed0.npy": np.full(5, 2**30, dtype=np.int32)}),
            "transposed",
        ),
        (lambda p: _rewrite(p, {"flat_ids.npy": np.full(3, -1, dtype=np.int64)}), "word arrays"),
        (lambda p: _rewrite(p, {"word_df.npy": np.zeros(2, dtype=np.int64)}), "word arrays"),
        (lambda p: _rewrite(p, {"char_ids.npy": np.full(3, 2**20, np.int32)}), "char n-gram"),
        (lambda p: _rewrite(p, {"char_ptr.npy": np.zeros(2, dtype=np.int64)}), "char n-gram"),
        (
            lambda p: _rewrite(
                p,
                {
                    "meta.npy": np.frombuffer(
                        json.dumps({**_meta(p), "words": ["a", "a"]}).encode(), np.uint8
                    )
                },
            ),
            "listed twice",
        ),
        (
            lambda p: _rewrite(
                p,
                {
                    "meta.npy": np.frombuffer(
                        json.dumps({**_meta(p), "rows": [1, 2]}).encode(), np.uint8
                    )
                },
            ),
            "rows must be",
        ),
        (
            lambda p: _rewrite(
                p,
                {
                    "meta.npy": np.frombuffer(
                        json.dumps({**_meta(p), "format": "other/9"}).encode(), np.uint8
                    )
                },
            ),
            "not format",
        ),
    ],
)
def test_damaged_or_foreign_files_are_refused_then_rebuilt(
    tmp_path: Path, damage: object, message: str
) -> None:
    entries = _entries()
    path = tmp_path / "index.npz"
    build_or_load(entries, path)
    damage(path)  # type: ignore[operator]
    with pytest.raises(IndexFileError, match=message):
        load_index(path, digest(entries))
    index, why = build_or_load(entries, path)
    assert why and message.split()[0] in why
    assert len(index) == len(DEBUNKS)
    assert build_or_load(entries, path)[1] is None


def test_the_service_saves_at_import_and_reads_it_in_a_new_process(
    db: Session, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service.import_records(db, [parse_record(d) for d in DEBUNKS])
    service.save_index(db, tmp_path)
    (saved,) = tmp_path.glob("factcheck-index-*.npz")
    service.invalidate_matchers()  # a new process: nothing in memory
    matcher = service.load_matcher(db, tmp_path)
    assert matcher is not None and len(matcher.index) == len(DEBUNKS)
    texts = _texts()
    service.invalidate_matchers()
    fresh = service.load_matcher(db)  # built in memory, no file
    assert fresh is not None and fresh.match(texts) == matcher.match(texts)
    # An edit the file does not know: refused as stale, rebuilt, with one log line saying so.
    edited = [dict(d) for d in DEBUNKS]
    edited[3] = {"id": "tbh-1004", "publisher": "turnbackhoax", "title": "Judul ditarik"}
    service.import_records(db, [parse_record(d) for d in edited])
    service.invalidate_matchers()
    with caplog.at_level(logging.WARNING):
        rebuilt = service.load_matcher(db, tmp_path)
    assert rebuilt is not None
    assert any("rebuilt" in r.getMessage() for r in caplog.records)
    assert "Judul ditarik" in [e.title for e in rebuilt.index.entries]
    service.invalidate_matchers()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = service.load_matcher(db, tmp_path)
    assert again is not None and not any("rebuilt" in r.getMessage() for r in caplog.records)
    assert [saved] == list(tmp_path.glob("factcheck-index-*.npz"))
    assert again.match(texts) == rebuilt.match(texts)


def test_an_empty_index_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "index.npz"
    index, _ = build_or_load([], path)
    assert len(index) == 0
    loaded = load_index(path, digest([]))
    assert isinstance(loaded, FactCheckIndex) and len(loaded) == 0
