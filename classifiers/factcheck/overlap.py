"""Which features and words a text shares with its candidate debunk rows, batch at a time.

`pair_overlap` returns, per (text, row) pair, the float32 sum of `weight * row value` over
the features both share: what `q.multiply(w)[text_of].multiply(R[rows]).sum(axis=1)` gives,
bit for bit, at about half the cost. Why the same bits: the shared features are taken in
increasing column order (as scipy's product of two canonical matrices lists them), and summed
with the same `np.add.reduceat` scipy's row sum uses, so the pairwise summation groups alike.
`words_present` answers the re-ranker's "which row words does the text have" the same way:
a dense mask lit per text, and one vectorised look-up of all its rows' entries.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp


def row_weight_sums(q: sp.csr_matrix, weights: np.ndarray) -> np.ndarray:
    """Return per row of `q` the sum of `weights * value` over its features (float32 rows)."""
    data = weights[q.indices] * q.data
    out = np.zeros(q.shape[0], dtype=data.dtype)
    filled = np.flatnonzero(np.diff(q.indptr))
    if len(filled):
        out[filled] = np.add.reduceat(data, q.indptr[filled])
    return out


def pair_overlap(
    q: sp.csr_matrix,
    weights: np.ndarray,
    rows: sp.csr_matrix,
    pair_rows: np.ndarray,
    pair_text: np.ndarray,
    mask: np.ndarray,
) -> np.ndarray:
    """Return per pair the weighted overlap of text `pair_text[i]` and row `pair_rows[i]`.

    `q` (binary) and `rows` are canonical csr (sorted indices, no duplicates; bool values
    stand for 1.0, the same products bit for bit); `pair_text` is sorted
    (pairs grouped by text); `mask` is an all-False bool scratch array of `q.shape[1]`,
    left all False again.
    """
    picked = rows[pair_rows]
    r_idx, r_val, r_ptr = picked.indices, picked.data, picked.indptr
    shared = np.empty(len(r_idx), dtype=bool)
    # Where each text's pairs start and end among the picked rows' entries.
    bounds = r_ptr[np.searchsorted(pair_text, np.arange(q.shape[0] + 1))].tolist()
    q_ptr, q_idx = q.indptr.tolist(), q.indices
    # Why one text at a time: its features light a dense mask that stays in cache while
    # every entry of its candidate rows is looked up in one vectorised take.
    for t in range(q.shape[0]):
        lo, hi = bounds[t], bounds[t + 1]
        if lo == hi:
            continue
        cols = q_idx[q_ptr[t] : q_ptr[t + 1]]
        mask[cols] = True
        # mode="clip": with the default "raise", numpy copies through a buffer when `out` is
        # given; the columns are within the mask's width by construction, so nothing clips.
        np.take(mask, r_idx[lo:hi], out=shared[lo:hi], mode="clip")
        mask[cols] = False
    at = np.flatnonzero(shared)
    values = weights[r_idx[at]] * r_val[at]
    # scipy's product drops entries that come out zero; so do we, to group sums alike.
    nonzero = values != 0
    if not nonzero.all():
        at, values = at[nonzero], values[nonzero]
    ptr = np.searchsorted(at, r_ptr)
    out = np.zeros(len(pair_rows), dtype=values.dtype)
    filled = np.flatnonzero(np.diff(ptr))
    if len(filled):
        out[filled] = np.add.reduceat(values, ptr[filled])
    return out


def words_present(
    known: dict[str, int],
    token_lists: Sequence[Sequence[str]],
    entry_text: np.ndarray,
    ids: np.ndarray,
) -> np.ndarray:
    """Tell per row word k (word id `ids[k]`) whether text `entry_text[k]` has that word."""
    width = len(known) + 1
    if len(entry_text) and np.all(entry_text[1:] >= entry_text[:-1]):
        # Pairs grouped by text (both callers): light the text's words in a dense mask and
        # look every row word up in one take; cheaper than a sorted search of all keys.
        present = np.empty(len(ids), dtype=bool)
        seen = np.zeros(width, dtype=bool)
        ends = np.searchsorted(entry_text, np.arange(len(token_lists) + 1)).tolist()
        for t, tokens in enumerate(token_lists):
            lo, hi = ends[t], ends[t + 1]
            if lo == hi:
                continue
            mine = [known[w] for w in set(tokens) if w in known]
            seen[mine] = True
            np.take(seen, ids[lo:hi], out=present[lo:hi], mode="clip")  # ids < width
            seen[mine] = False
        return present
    # A row word is present when (text, word id) is among the text's own (text, word id) keys.
    text_keys = np.fromiter(
        (
            t * width + known[w]
            for t, tokens in enumerate(token_lists)
            for w in set(tokens)
            if w in known
        ),
        dtype=np.int64,
    )
    # Sorted lookup: the batch's text keys are few, the row words many (np.isin would sort all).
    text_keys.sort()
    keys = entry_text * width + ids
    slot = np.minimum(np.searchsorted(text_keys, keys), max(len(text_keys) - 1, 0))
    return text_keys[slot] == keys if len(text_keys) else np.zeros(len(keys), dtype=bool)
