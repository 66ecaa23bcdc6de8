"""An incremental n-gram index over fact-check titles and claims.

Features are hashed (no vocabulary to refit), so adding a fact-check appends rows and
updates document frequencies; nothing already indexed is recomputed.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from classifiers.factcheck import hashing
from classifiers.factcheck.hashing import CHAR_RANGE, N_FEATURES, WORD, featurize_texts
from classifiers.factcheck.overlap import pair_overlap, row_weight_sums
from classifiers.factcheck.text import match_text

__all__ = [
    "CHAR_RANGE",
    "N_FEATURES",
    "WORD",
    "FactCheckEntry",
    "FactCheckIndex",
    "featurize_texts",
]

# Per (text, debunk row): cosine, share of the debunk covered, share of the text covered.
PAIR_FEATURES = ("cos_char", "cos_word", "cover_char", "cover_word", "covered_char", "covered_word")
N_PAIR_FEATURES = len(PAIR_FEATURES)
N_CHANNELS = 2  # char n-grams, word n-grams


@dataclass(frozen=True)
class FactCheckEntry:
    """One debunk as the index sees it."""

    key: str
    title: str
    url: str | None = None
    claim: str | None = None
    pk: int | None = None
    publisher: str | None = None
    verdict: str | None = None


@dataclass(frozen=True)
class RowWords:
    """What the re-ranker needs of one indexed row's words (computed once per row)."""

    words: tuple[str, ...]  # unique words, first-seen order
    n_words: int
    numbers: frozenset[str]
    bigrams: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class RowArrays:
    """Every row's unique words as flat arrays, for batch features (valid until the next add)."""

    ptr: np.ndarray  # int64, n_rows + 1: row r's words are ptr[r]:ptr[r + 1]
    ids: np.ndarray  # int64 word ids (see `FactCheckIndex.word_id`)
    freq: np.ndarray  # float64 document frequency of each word among rows
    nondigit: np.ndarray  # bool: the word is not all digits


@dataclass(frozen=True)
class Warmed:
    """What `FactCheckIndex.warm` derives from the rows, saved beside them (`index_file`)."""

    words: list[str]  # every row word, in word-id order
    word_df: np.ndarray  # int64 per word id: rows that hold the word
    row_lengths: np.ndarray  # int64 per row: its length in words
    flat_ptr: np.ndarray  # int64: `RowArrays.ptr`
    flat_ids: np.ndarray  # int64: `RowArrays.ids`
    transposed: list[np.ndarray]  # per channel: the transpose's column indices (row numbers)


@dataclass
class Candidates:
    """Candidate rows for one text, their entries, and FEATURES per row."""

    rows: np.ndarray
    entries: np.ndarray
    features: np.ndarray  # columns: see PAIR_FEATURES


@dataclass
class _Segment:
    """Rows stacked once: binary features and their transpose."""

    rows: list[sp.csr_matrix]  # per channel: rows x features
    rows_t: list[sp.csr_matrix]  # per channel: features x rows
    # per channel: `rows` with bool values sharing its indices (None unless every value is
    # 1): picking a batch's candidate rows then copies 1 byte a value instead of 4.
    pattern: list[sp.csr_matrix | None]


@dataclass
class _Prepared:
    main: _Segment
    delta: _Segment | None
    n_main: int
    row_entry: np.ndarray
    weights: list[np.ndarray]  # per channel: idf^2 per feature
    row_norm: list[np.ndarray]  # per channel: sum of idf^2 over the row's features
    join: list[np.ndarray]  # per channel: idf^2 where the feature is rare enough to join on


def _rare(q: sp.csr_matrix, weights: np.ndarray) -> sp.csr_matrix:
    # Explicit zeros must go: the join would still walk the masked features' postings.
    weighted = sp.csr_matrix(q.multiply(weights[None, :]))
    weighted.eliminate_zeros()
    return weighted


class FactCheckIndex:
    """Rows for each debunk's title and claim, hashed into char and word channels.

    Rows live in a large stacked segment plus a small delta of recent additions; the delta
    is folded in once it reaches a tenth of the whole, so adding one fact-check costs
    milliseconds, not a re-stack of fifty thousand rows.
    """

    def __init__(self, max_postings: int = 64) -> None:
        self.max_postings = max_postings
        self.entries: list[FactCheckEntry] = []
        self._main: _Segment | None = None
        self._n_main = 0
        self._pending: list[list[sp.csr_matrix]] = [[] for _ in range(N_CHANNELS)]
        self._owner_blocks: list[np.ndarray] = []
        self._df = [np.zeros(N_FEATURES, dtype=np.float64) for _ in range(N_CHANNELS)]
        self._n_rows = 0
        self._cache: _Prepared | None = None
        self._keys: set[tuple[str, int | None]] = set()
        # Kept for the re-ranker: each row's normalised text and word document frequencies.
        self.row_texts: list[str] = []
        self._row_lengths: list[int] = []
        self._row_lengths_arr: np.ndarray | None = None
        self.word_df: Counter[str] = Counter()
        self._row_words: dict[int, RowWords] = {}
        self._row_idf: dict[int, dict[str, float]] = {}
        self._flat: RowArrays | None = None
        # Every word seen in a row gets a stable integer id (batch features compare ids).
        self.word_ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def n_rows(self) -> int:
        """Return how many title and claim rows are indexed."""
        return self._n_rows

    @property
    def segments(self) -> tuple[int, int]:
        """Return (rows in the stacked segment, rows in the delta) as the next query sees them."""
        prep = self._prepared()
        return prep.n_main, self._n_rows - prep.n_main

    @property
    def max_pk(self) -> int:
        """Return the largest database id indexed (0 when none), for incremental refresh."""
        return max((e.pk or 0 for e in self.entries), default=0)

    def featurize(self, texts: Sequence[str]) -> list[sp.csr_matrix]:
        """Return the binary feature matrix of already-normalised texts, per channel."""
        return featurize_texts(texts)

    def add(self, entries: Iterable[FactCheckEntry]) -> int:
        """Index new debunks (title and, when present, claim); return how many were added."""
        texts: list[str] = []
        owners: list[int] = []
        added = 0
        for entry in entries:
            if (entry.key, entry.pk) in self._keys:
                continue
            rows = [match_text(entry.title)]
            if entry.claim and entry.claim.strip():
                rows.append(match_text(entry.claim))
            rows = [r for r in rows if r]
            if not rows:
                continue
            self._keys.add((entry.key, entry.pk))
            position = len(self.entries)
            self.entries.append(entry)
            texts.extend(rows)
            owners.extend([position] * len(rows))
            added += 1
        if not texts:
            return 0
        self.row_texts.extend(texts)
        self._row_lengths.extend(len(t.split()) for t in texts)
        self._row_lengths_arr = None
        for text in texts:
            self.word_df.update(set(text.split()))
        for channel, mat in enumerate(self.featurize(texts)):
            self._pending[channel].append(mat)
            self._df[channel] += np.bincount(mat.indices, minlength=N_FEATURES)
        self._owner_blocks.append(np.asarray(owners, dtype=np.int64))
        self._n_rows += len(texts)
        self._cache = None
        self._row_idf = {}  # document frequencies moved
        self._flat = None
        return added

    def restore(
        self,
        entries: Sequence[FactCheckEntry],
        texts: Sequence[str],
        owners: np.ndarray,
        channels: Sequence[sp.csr_matrix],
        warmed: Warmed | None = None,
    ) -> None:
        """Fill an empty index from saved rows (see `index_file`): no normalising, no hashing.

        With `warmed` (what `warmed` returned when the file was written), the word tables and
        transposes that `warm` would derive are taken as they are instead of recomputed.
        """
        if self.entries:
            raise ValueError("restore needs an empty index")
        self.entries = list(entries)
        self._keys = {(e.key, e.pk) for e in self.entries}
        self.row_texts = list(texts)
        counts = [np.bincount(mat.indices, minlength=N_FEATURES) for mat in channels]
        for channel, count in enumerate(counts):
            self._df[channel] += count
        self._owner_blocks = [np.asarray(owners, dtype=np.int64)]
        self._n_rows = len(texts)
        if warmed is None:
            self._row_lengths = [len(t.split()) for t in texts]
            for text in texts:
                self.word_df.update(set(text.split()))
            for channel, mat in enumerate(channels):
                self._pending[channel].append(mat)
            return
        self._row_lengths = warmed.row_lengths.tolist()
        self.word_ids = dict(zip(warmed.words, range(len(warmed.words)), strict=True))
        self.word_df = Counter(dict(zip(warmed.words, warmed.word_df.tolist(), strict=True)))
        ids = warmed.flat_ids
        nondigit = np.fromiter((not w.isdigit() for w in warmed.words), bool, len(warmed.words))
        self._flat = RowArrays(
            warmed.flat_ptr, ids, warmed.word_df[ids].astype(np.float64), nondigit[ids]
        )
        # The transposes' row pointers are the running column counts (one count per row).
        transposed = [
            sp.csr_matrix(
                (
                    np.ones(len(t), dtype=np.float32),
                    t,
                    np.concatenate([[0], np.cumsum(count)]),
                ),
                shape=(N_FEATURES, self._n_rows),
            )
            for t, count in zip(warmed.transposed, counts, strict=True)
        ]
        self._main = self._segment(list(channels), transposed)
        self._n_main = self._n_rows

    def warmed(self) -> Warmed:
        """Return what `warm` derives from the rows, in the form `restore` takes it back."""
        flat = self.word_arrays()
        words = list(self.word_ids)
        df = self.word_df
        return Warmed(
            words=words,
            word_df=np.fromiter((df[w] for w in words), np.int64, len(words)),
            row_lengths=np.asarray(self._row_lengths, dtype=np.int64),
            flat_ptr=flat.ptr,
            flat_ids=flat.ids,
            transposed=[
                np.asarray(m.T.tocsr().indices, dtype=np.int32) for m in self.channel_rows()
            ],
        )

    def channel_rows(self) -> list[sp.csr_matrix]:
        """Return every indexed row's binary features per channel (what `index_file` saves)."""
        prep = self._prepared()
        if prep.delta is None:
            return list(prep.main.rows)
        return [
            sp.vstack([m, d], format="csr")
            for m, d in zip(prep.main.rows, prep.delta.rows, strict=True)
        ]

    def row_words(self, row: int) -> RowWords:
        """Return the words, numbers and word pairs of one indexed row (cached)."""
        got = self._row_words.get(row)
        if got is None:
            tokens = self.row_texts[row].split()
            unique = tuple(dict.fromkeys(tokens))
            got = RowWords(
                unique,
                len(tokens),
                frozenset(w for w in unique if any(c.isdigit() for c in w)),
                frozenset(itertools.pairwise(tokens)),
            )
            self._row_words[row] = got
        return got

    def row_word_counts(self) -> np.ndarray:
        """Return every indexed row's length in words (cached until the next add)."""
        if self._row_lengths_arr is None:
            self._row_lengths_arr = np.asarray(self._row_lengths, dtype=np.float64)
        return self._row_lengths_arr

    def word_arrays(self) -> RowArrays:
        """Return every row's unique words, flattened (row r is `ptr[r]:ptr[r+1]`; cached)."""
        got = self._flat
        if got is None:
            ids = self.word_ids
            unique = [list(dict.fromkeys(t.split())) for t in self.row_texts]
            words = [w for ws in unique for w in ws]
            for w in words:
                if w not in ids:
                    ids[w] = len(ids)
            df = self.word_df
            got = RowArrays(
                np.concatenate([[0], np.cumsum([len(ws) for ws in unique])]).astype(np.int64),
                np.fromiter((ids[w] for w in words), dtype=np.int64, count=len(words)),
                np.fromiter((df.get(w, 0) for w in words), np.float64, len(words)),
                np.fromiter((not w.isdigit() for w in words), dtype=bool, count=len(words)),
            )
            self._flat = got
        return got

    def row_idf(self, row: int) -> dict[str, float]:
        """Return each word of a row with its inverse document frequency among rows (cached)."""
        got = self._row_idf.get(row)
        if got is None:
            n = self._n_rows + 1
            df = self.word_df
            got = {w: math.log(n / (df.get(w, 0) + 1)) + 1.0 for w in self.row_words(row).words}
            self._row_idf[row] = got
        return got

    def _segment(
        self, rows: list[sp.csr_matrix], rows_t: list[sp.csr_matrix] | None = None
    ) -> _Segment:
        pattern = [
            sp.csr_matrix((np.ones(r.nnz, dtype=bool), r.indices, r.indptr), shape=r.shape)
            if r.has_canonical_format and bool(np.all(r.data == 1))
            else None
            for r in rows
        ]
        if rows_t is None:
            rows_t = [r.T.tocsr() for r in rows]
        return _Segment(rows, rows_t, pattern)

    def _prepared(self) -> _Prepared:
        # Why lazy: several adds in a row (an import, a collector batch) cost one stack.
        if self._cache is not None:
            return self._cache
        pending_rows = self._n_rows - self._n_main
        if pending_rows and (self._main is None or pending_rows * 10 >= self._n_main):
            stacked = []
            for channel, blocks in enumerate(self._pending):
                parts = ([self._main.rows[channel]] if self._main is not None else []) + blocks
                stacked.append(sp.vstack(parts, format="csr"))
            self._main = self._segment(stacked)
            self._n_main = self._n_rows
            self._pending = [[] for _ in range(N_CHANNELS)]
        delta = None
        if self._n_rows > self._n_main:
            delta = self._segment([sp.vstack(b, format="csr") for b in self._pending])
        if self._main is None:
            empty = [sp.csr_matrix((0, N_FEATURES), dtype=np.float32) for _ in range(N_CHANNELS)]
            self._main = self._segment(empty)
        if len(self._owner_blocks) > 1:
            self._owner_blocks = [np.concatenate(self._owner_blocks)]
        owners = self._owner_blocks[0] if self._owner_blocks else np.zeros(0, np.int64)
        weights, norms, join = [], [], []
        for channel, df in enumerate(self._df):
            w = hashing.squared_idf(df, self._n_rows)
            weights.append(w)
            # Why the mask: a feature in thousands of rows makes the candidate join quadratic
            # and says little; candidates come from rarer features, scoring uses all of them.
            # It follows the current counts, so a grown index joins exactly like a fresh one.
            join.append(np.where(df <= self.max_postings, w, np.float32(0)))
            segments = [self._main] + ([delta] if delta is not None else [])
            norms.append(
                np.concatenate([np.asarray(s.rows[channel] @ w).ravel() for s in segments])
            )
        self._cache = _Prepared(self._main, delta, self._n_main, owners, weights, norms, join)
        return self._cache

    def warm(self) -> None:
        """Build the arrays queries derive lazily (before forking processes that share them)."""
        self._prepared()
        self.word_arrays()
        self.row_word_counts()

    @property
    def row_entry(self) -> np.ndarray:
        """Map each indexed row to its entry's position in `entries`."""
        return self._prepared().row_entry

    def candidates(self, normalised: Sequence[str], k: int) -> list[Candidates]:
        """Return up to k candidate rows per normalised text with exact overlap features."""
        prep = self._prepared()
        queries = self.featurize(normalised)
        segments = [prep.main] + ([prep.delta] if prep.delta is not None else [])
        joined: sp.csr_matrix | None = None
        for channel, q in enumerate(queries):
            rare = _rare(q, prep.join[channel])
            parts = [rare @ s.rows_t[channel] for s in segments]
            part = sp.hstack(parts, format="csr") if len(parts) > 1 else parts[0]
            joined = part if joined is None else joined + part
        assert joined is not None
        joined = sp.csr_matrix(joined)
        picked: list[np.ndarray] = []
        for i in range(len(normalised)):
            start, end = joined.indptr[i], joined.indptr[i + 1]
            cols, vals = joined.indices[start:end], joined.data[start:end]
            if len(vals) > k:
                cols = cols[np.argpartition(-vals, k)[:k]]
            picked.append(np.sort(cols))
        text_of = np.repeat(np.arange(len(normalised)), [len(p) for p in picked])
        rows = np.concatenate(picked).astype(np.int64) if picked else np.zeros(0, np.int64)
        feats = self._pair_features(prep, queries, text_of, rows)
        bounds = np.cumsum([0, *[len(p) for p in picked]])
        return [
            Candidates(rows=p, entries=prep.row_entry[p], features=feats[a:b])
            for p, a, b in zip(picked, bounds[:-1], bounds[1:], strict=True)
        ]

    def _pair_features(
        self, prep: _Prepared, queries: list[sp.csr_matrix], text_of: np.ndarray, rows: np.ndarray
    ) -> np.ndarray:
        # One vectorised pass over every (text, candidate row) pair of the batch.
        if len(rows) == 0:
            return np.zeros((0, N_PAIR_FEATURES))
        in_main = rows < prep.n_main
        cos, cover, covered = [], [], []
        mask = np.zeros(N_FEATURES, dtype=bool)
        for channel, q in enumerate(queries):
            weights = prep.weights[channel]
            qn = np.maximum(row_weight_sums(q, weights), 1e-12)[text_of]
            inter = np.zeros(len(rows))
            for sel, segment, offset in (
                (in_main, prep.main, 0),
                (~in_main, prep.delta, prep.n_main),
            ):
                if segment is None or not sel.any():
                    continue
                rows_of = segment.pattern[channel]
                if rows_of is None:
                    rows_of = segment.rows[channel]
                inter[sel] = pair_overlap(
                    q, weights, rows_of, rows[sel] - offset, text_of[sel], mask
                )
            rn = np.maximum(prep.row_norm[channel][rows], 1e-12)
            cos.append(inter / np.sqrt(qn * rn))
            cover.append(inter / rn)
            covered.append(inter / qn)
        return np.column_stack([*cos, *cover, *covered])
