"""`pair_overlap` and `chance_features` give the plain formulas' bits (so matches do not move)."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from classifiers.factcheck.datasets import load_matching_data
from classifiers.factcheck.evaluate import build_index
from classifiers.factcheck.hashing import squared_idf
from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import CANDIDATES, prepare
from classifiers.factcheck.overlap import pair_overlap, row_weight_sums, words_present
from classifiers.factcheck.rerank import CHANCE_CAP, RARE_SHARE, ROW_WORDS, chance_features


def _scipy_overlap(
    q: sp.csr_matrix,
    w: np.ndarray,
    rows: sp.csr_matrix,
    pair_rows: np.ndarray,
    pair_text: np.ndarray,
) -> np.ndarray:
    # The formula the index used before `pair_overlap`: the reference to equal exactly.
    qw = q.multiply(w[None, :]).tocsr()
    return np.asarray(qw[pair_text].multiply(rows[pair_rows]).sum(axis=1)).ravel()


def _plain_chance(
    index: FactCheckIndex,
    token_lists: Sequence[Sequence[str]],
    pair_text: np.ndarray,
    pair_rows: np.ndarray,
) -> tuple[np.ndarray, ...]:
    # The formula before the cached terms: every quantity over every word of every pair.
    n_pairs = len(pair_rows)
    n_rows = max(index.n_rows, 1)
    rare_df = max(3.0, RARE_SHARE * n_rows)
    flat = index.word_arrays()
    starts = flat.ptr[pair_rows]
    lengths = flat.ptr[pair_rows + 1] - starts
    owner = np.repeat(np.arange(n_pairs), lengths)
    offsets = np.cumsum(lengths) - lengths
    pos = np.arange(int(lengths.sum())) - offsets[owner] + starts[owner]
    ids, freq, nondigit = flat.ids[pos], flat.freq[pos], flat.nondigit[pos]
    per_word = np.array([len(t) for t in token_lists], dtype=np.float64) / (n_rows * ROW_WORDS)
    chance = np.minimum(CHANCE_CAP, (freq + 1.0) * per_word[pair_text][owner])
    present = words_present(index.word_ids, token_lists, pair_text[owner], ids)
    with np.errstate(divide="ignore"):
        evidence = np.bincount(
            owner, weights=np.where(present, -np.log(chance), 0.0), minlength=n_pairs
        )
        missing = np.bincount(
            owner, weights=np.where(present, 0.0, -np.log1p(-chance)), minlength=n_pairs
        )
    rare = np.bincount(owner, weights=present & (freq <= rare_df) & nondigit, minlength=n_pairs)
    idf = np.log((index.n_rows + 1) / (freq + 1.0)) + 1.0
    total = np.bincount(owner, weights=idf, minlength=n_pairs)
    found = np.bincount(owner, weights=np.where(present, idf, 0.0), minlength=n_pairs)
    return evidence, missing, rare, np.minimum(1.0, found / np.maximum(total, 1e-12))


def _assert_chance(index: FactCheckIndex, normalised: list[str], picked: list[np.ndarray]) -> None:
    # `chance_features` takes cached per-word terms and sums only the words each term counts.
    pair_text = np.repeat(np.arange(len(normalised)), [len(p) for p in picked])
    pair_rows = np.concatenate(picked).astype(np.int64)
    tokens = [t.split() for t in normalised]
    got = chance_features(index, tokens, pair_text, pair_rows)
    want = _plain_chance(index, tokens, pair_text, pair_rows)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype == np.float64 and np.array_equal(g, w)
    assert (got[0] > 0).sum() > 100 and (got[1] > 0).sum() > 100 and (got[2] > 0).any()


def _assert_same(index: FactCheckIndex, texts: list[str]) -> int:
    normalised = prepare(texts)
    prep = index._prepared()
    picked = [c.rows for c in index.candidates(normalised, CANDIDATES)]
    _assert_chance(index, normalised, picked)
    pair_text = np.repeat(np.arange(len(normalised)), [len(p) for p in picked])
    pair_rows = np.concatenate(picked).astype(np.int64)
    mask = np.zeros(prep.weights[0].shape[0], dtype=bool)
    compared = 0
    for channel, q in enumerate(index.featurize(normalised)):
        w = prep.weights[channel]
        qw = q.multiply(w[None, :]).tocsr()
        assert np.array_equal(row_weight_sums(q, w), np.asarray(qw.sum(axis=1)).ravel())
        in_main = pair_rows < prep.n_main
        for sel, segment, offset in ((in_main, prep.main, 0), (~in_main, prep.delta, prep.n_main)):
            if segment is None or not sel.any():
                continue
            rows = segment.rows[channel]
            args = (rows, pair_rows[sel] - offset, pair_text[sel])
            got = pair_overlap(q, w, *args, mask)
            assert got.dtype == np.float32
            assert np.array_equal(got, _scipy_overlap(q, w, *args))
            assert not mask.any()
            # The bool copy of binary rows (what `_pair_features` picks from): same bits.
            pattern = segment.pattern[channel]
            assert pattern is not None and pattern.dtype == bool
            by_pattern = pair_overlap(q, w, pattern, *args[1:], mask)
            assert by_pattern.dtype == np.float32 and np.array_equal(by_pattern, got)
            compared += int(sel.sum())
    return compared


def _plain_weights(df: np.ndarray, n_rows: int) -> np.ndarray:
    # The per-column formula the index used before `squared_idf`.
    idf = np.log((n_rows + 1) / (df + 1)) + 1.0
    return (idf**2).astype(np.float32)


def _assert_weights(index: FactCheckIndex) -> None:
    prep = index._prepared()
    for df, w in zip(index._df, prep.weights, strict=True):
        want = _plain_weights(df, index.n_rows)
        assert w.dtype == want.dtype and np.array_equal(w, want)
        assert len(np.unique(df)) > 20  # real counts, not a handful of values


def test_squared_idf_bits_on_edge_counts() -> None:
    for df, n_rows in (
        (np.zeros(0), 0),
        (np.zeros(7), 0),
        (np.array([0, 1, 1, 5, 3, 0, 5, 2**20], np.float64), 2**20),
        (np.arange(100_000, dtype=np.float64)[::-1], 99_999),
        (np.array([0, 2, 9], np.int64), 9),
    ):
        got = squared_idf(df, n_rows)
        assert got.dtype == np.float32 and np.array_equal(got, _plain_weights(df, n_rows))


def test_equal_to_scipy_on_real_tweets_claims_and_a_pending_delta(shared_data: Path) -> None:
    data = load_matching_data(shared_data)
    index = build_index(data, with_bdc=False)
    _assert_weights(index)  # also stacks the rows so far into the main segment
    claims = [p.claim for p in data.test_pairs_2024][:200]
    # Terms cached for this index must not survive the add below (frequencies move).
    normalised = prepare(claims[:100])
    _assert_chance(index, normalised, [c.rows for c in index.candidates(normalised, CANDIDATES)])
    # A few more debunks after the stack: they sit in the delta segment, scored separately.
    extra = [p.claim for p in data.test_pairs_2024][300:340]
    index.add(FactCheckEntry(f"extra-{i}", c) for i, c in enumerate(extra))
    assert index._prepared().delta is not None
    _assert_weights(index)  # the counts moved: weights follow them
    with (shared_data / "pilpres2019_sentiment" / "tweet.csv").open(encoding="utf-8") as fh:
        tweets = [r["tweet"] for r in itertools.islice(csv.DictReader(fh), 200)]
    hostile = ["", "satu dua", "#tagar @orang http://t.co/x", "\x00 \ud800 " * 20, "a " * 5000]
    assert _assert_same(index, [*claims, *extra[:20], *tweets, *hostile]) > 5_000


def test_explicit_zeros_empty_rows_and_no_shared_features() -> None:
    n = 64
    q = sp.csr_matrix(
        (np.ones(6, np.float32), [1, 5, 9, 2, 3, 60], [0, 3, 3, 6]), shape=(3, n)
    )  # text 1 has no features
    rows = sp.csr_matrix(
        (np.array([1, 0, 1, 1, 1, 1], np.float32), [1, 5, 9, 2, 3, 40], [0, 3, 4, 6, 6]),
        shape=(4, n),
    )  # row 0 stores an explicit zero at 5; row 3 is empty
    w = np.linspace(1.0, 3.0, n).astype(np.float32)
    pair_text = np.array([0, 0, 0, 1, 2, 2, 2])
    pair_rows = np.array([0, 2, 3, 0, 0, 1, 2])
    mask = np.zeros(n, dtype=bool)
    got = pair_overlap(q, w, rows, pair_rows, pair_text, mask)
    assert np.array_equal(got, _scipy_overlap(q, w, rows, pair_rows, pair_text))
    assert got[3] == 0.0 and got[2] == 0.0 and got[0] == w[1] + w[9]
    assert np.array_equal(row_weight_sums(q, w), [w[1] + w[5] + w[9], 0.0, w[2] + w[3] + w[60]])


def _present_by_search(
    known: dict[str, int], token_lists: list[list[str]], entry_text: np.ndarray, ids: np.ndarray
) -> np.ndarray:
    # The plain definition: is (text, word id) among the text's own (text, word id) pairs?
    own = {(t, known[w]) for t, tokens in enumerate(token_lists) for w in tokens if w in known}
    return np.array([(int(t), int(i)) in own for t, i in zip(entry_text, ids, strict=True)])


def test_words_present_grouped_and_shuffled_equal_the_definition() -> None:
    index = FactCheckIndex()
    claims = [
        "vaksin covid mengandung chip pelacak dari luar negeri",
        "surat suara sudah dicoblos sebelum hari pemungutan",
        "bantuan sosial dibagikan hanya untuk pemilih calon tertentu",
    ]
    index.add(FactCheckEntry(f"k{i}", c) for i, c in enumerate(claims))
    flat = index.word_arrays()
    texts = [
        "katanya vaksin covid ada chip pelacak",
        "",  # no words at all
        "\x00 \ud800 kata-kata asing yang tidak dikenal",
        "surat suara dicoblos duluan, bantuan sosial juga",
    ]
    tokens = [t.split() for t in texts]
    pair_text = np.array([0, 0, 0, 2, 3, 3])
    pair_rows = np.array([0, 1, 2, 0, 1, 2])
    lengths = flat.ptr[pair_rows + 1] - flat.ptr[pair_rows]
    entry_text = np.repeat(pair_text, lengths)
    ids = np.concatenate([flat.ids[flat.ptr[r] : flat.ptr[r + 1]] for r in pair_rows])
    want = _present_by_search(index.word_ids, tokens, entry_text, ids)
    assert want.any() and not want.all()
    assert np.array_equal(words_present(index.word_ids, tokens, entry_text, ids), want)
    # Not grouped by text: the sorted-search path answers alike.
    order = np.random.default_rng(3).permutation(len(ids))
    shuffled = words_present(index.word_ids, tokens, entry_text[order], ids[order])
    assert np.array_equal(shuffled, want[order])
    assert len(words_present(index.word_ids, tokens, entry_text[:0], ids[:0])) == 0
