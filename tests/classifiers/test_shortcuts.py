"""Speed shortcuts of the scoring path give exactly what the plain computation gives.

Each shortcut (chained n-gram ids, rules tried only where a literal makes them possible,
patterns skipped when their mandatory character is absent) is compared with the plain
computation it replaced, on real tweets and news and on hostile text.
"""

from __future__ import annotations

import csv
import functools
import itertools
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from classifiers.factcheck import hashing
from classifiers.models.compiled import _known
from classifiers.models.train import TrainedModel
from classifiers.text import fingerprints as fp
from classifiers.text import normal_form as nf
from classifiers.text.ngrams import (
    CACHE_LIMIT,
    WordCache,
    char_wb_grams,
    count_matrix,
    flat_count_matrix,
    hashed_index,
    pack,
    unpack,
    word_rows_matrix,
)
from classifiers.text.prefilter import top_level_branches
from classifiers.text.rule_match import (
    _COMPILED,
    SCANNER,
    boundary_first,
    hit_columns,
    plain,
    rule_columns,
    unquoted,
)

HOSTILE = [
    "",
    " ",
    "\x00\ud800 lone surrogate",
    "kata " * 3000,
    "!!!???...,,, -- 22 USER URL @@ ## (( [[ :: ..",
    "@user #Pilpres2019 https://t.co/x www.kompas.com/a (ant) [ tsr ]",
    "Jakarta, CNN Indonesia -- editor : Budi, , , ,(rah/rah)",
    "ſimaK baca juga: ſesuatu \t 'usir cina' \"bunuh semua orang cina\"",
]


@functools.cache
def _real_texts(shared: Path, tweets: int = 600, news: int = 30) -> tuple[str, ...]:
    csv.field_size_limit(10**8)
    out: list[str] = []
    with (shared / "ibrohim2019_hs_abusive" / "re_dataset.csv").open(
        encoding="latin-1", newline=""
    ) as f:
        out += [row[0] for row in itertools.islice(csv.reader(f), 1, tweets + 1)]
    for name in ("tribunnews.csv", "kapanlagi.csv"):
        with (shared / "clickid2019_news" / name).open(encoding="utf-8", newline="") as f:
            rows = itertools.islice(csv.reader(f), 1, news + 1)
            out += [cell for row in rows for cell in row if len(cell) > 40]
    return tuple(out)


@pytest.fixture
def texts(shared_data: Path) -> list[str]:
    """Real tweets and news paragraphs, then hostile text."""
    return [*_real_texts(shared_data), *HOSTILE]


def test_chained_ngram_ids_equal_count_matrix(texts: list[str]) -> None:
    split = [nf.normalize(t).split() for t in texts] + [[], ["tanpa"], []]
    ids = {w: [hash(w) % 97, len(w) % 7, hash(w) % 97] for ws in split for w in ws}
    ids["tanpa"] = []  # a word with no known n-gram
    want = count_matrix([[j for w in ws for j in ids[w]] for ws in split], 97, np.float32)
    got = word_rows_matrix(split, {w: pack(v) for w, v in ids.items()}, 97, np.float32)
    for a, b in (
        (want, got),
        (count_matrix([], 5, np.float64), word_rows_matrix([], {}, 5, np.float64)),
    ):
        assert a.shape == b.shape and a.dtype == b.dtype
        assert np.array_equal(a.indptr, b.indptr)
        assert np.array_equal(a.indices, b.indices)
        assert np.array_equal(a.data, b.data)
    flat = flat_count_matrix(np.array([3, 1, 3], np.int64), np.array([0, 0, 3]), 4, np.float32)
    assert flat.toarray().tolist() == [[0, 0, 0, 0], [0, 1, 0, 2]]


def test_packed_word_caches_equal_the_plain_ids(
    texts: list[str], small_model: TrainedModel
) -> None:
    # Both caches hold a word's ids packed in bytes; unpacked they must be the plain lists:
    # the matcher's hashed char n-grams, the model's char n-grams found in its vocabulary.
    words = list(dict.fromkeys(w for t in texts for w in nf.normalize(t).split()))
    words += ["", "a", "\ud800", "x" * 300]
    assert unpack(pack([])) == [] and unpack(pack([0, 2**20 - 1, -1])) == [0, 2**20 - 1, -1]
    matcher = hashing._CHAR_CACHE.lookup(words)
    model = small_model.classifier().compiled
    vocab = {t: i for i, t in enumerate(model.char_terms)}
    lo, hi = model.char_range
    mine = model._state["char_cache"].lookup(words)
    for w in words:
        grams = char_wb_grams(w, *hashing.CHAR_RANGE)
        assert unpack(matcher[w]) == hashed_index(grams, hashing.N_FEATURES).tolist(), w
        assert unpack(mine[w]) == _known(vocab, char_wb_grams(w, lo, hi)), w
    # And in the matrices built from them, on real texts (the cache now warm).
    normed = [nf.normalize(t) for t in texts]
    plain = [
        [j for w in t.split() for j in hashed_index(char_wb_grams(w, 3, 5), 2**20).tolist()]
        for t in normed
    ]
    want = count_matrix(plain, hashing.N_FEATURES, np.float32)
    want.data.fill(1.0)
    got = hashing.featurize_texts(normed)[0]
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(want, name), getattr(got, name)), name


def test_word_cache_answers_every_word_across_its_limit(texts: list[str]) -> None:
    # A lookup returns the cache itself when the new words fit, a fresh dict when the
    # cache is cleared: either way every word asked for, with its computed ids.
    def compute(words: list[str]) -> list[bytes]:
        return [pack([len(w), hash(w) % 97]) for w in words]

    split = [nf.normalize(t).split() for t in texts]
    for limit in (7, 50, CACHE_LIMIT):
        cache, biggest = WordCache(compute, limit), 0
        for ws in [*split, [], ["a"] * 20]:
            got = cache.lookup(ws)
            assert all(got[w] == compute([w])[0] for w in ws)
            biggest = max(biggest, len(set(ws)))
            assert len(cache._ids) <= max(limit, biggest)  # cleared, then one batch's words
        held = len(cache._ids)
        cache.seed({"seeded": pack([1])})
        assert len(cache._ids) == (held + 1 if held < limit else held)


def test_a_word_cache_cleared_by_one_lookup_leaves_another_callers_answer_whole() -> None:
    # Scoring threads share a cache: the dict one lookup returned must keep its words
    # while another lookup clears the cache past its limit.
    cache = WordCache(lambda words: [pack([len(w)]) for w in words], limit=4)
    first = cache.lookup(["pemilu", "tps"])
    cache.lookup(["a", "b", "c", "d"])  # past the limit: the cache starts again
    assert first["pemilu"] == pack([6]) and first["tps"] == pack([3])
    assert "pemilu" not in cache._ids


def test_flat_count_matrix_equals_scipys_sum_duplicates(texts: list[str]) -> None:
    # The vectorised sort must give scipy's canonical matrix: same columns, counts, dtypes;
    # at the matcher's 2**20 hashed columns too (row * width must not overflow).
    split = [nf.normalize(t).split() for t in texts] + [[], ["x"] * 300, []]
    for width in (97, 2**20):
        ids = {w: [hash(w) % width, len(w) % 7, hash(w + "#") % width] for ws in split for w in ws}
        rows = [[j for w in ws for j in ids[w]] for ws in split]
        indptr = np.cumsum([0, *map(len, rows)])
        flat = np.array([j for r in rows for j in r], dtype=np.int64)
        want = sp.csr_matrix((np.ones(len(flat), np.float32), flat, indptr), (len(rows), width))
        want.sum_duplicates()
        got = flat_count_matrix(flat, indptr, width, np.float32)
        assert got.shape == want.shape and got.dtype == want.dtype
        for name in ("indptr", "indices", "data"):
            a, b = getattr(want, name), getattr(got, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        again = got.copy()
        again.has_canonical_format = False
        again.sum_duplicates()  # the flag we set must be true: nothing left to sort or merge
        assert np.array_equal(again.indices, got.indices) and again.nnz == got.nnz
        assert got.data.max() >= 300  # the repeated word's counts were summed


def _plain_hits(text: str, columns: list) -> list[int]:
    # What `hit_columns` did before: every column tested in order.
    bare = plain(text)
    outside = unquoted(text) if "\t" in text else bare
    found_bare = SCANNER.found(bare)
    found_outside = found_bare if outside is bare else SCANNER.found(outside)
    hits = []
    for j, c in enumerate(columns):
        if c is None:
            continue
        prepared, found = (outside, found_outside) if c[1].outside_quotes else (bare, found_bare)
        if c[1].possible(found) and c[1].matches(prepared):
            hits.append((j, c[0]))
    countered = {rule.label for _, rule in hits if rule.suppressor}
    return [j for j, r in hits if not ((r.strong or r.counterable) and r.label in countered)]


def test_rules_tried_by_literal_equal_every_rule_tried(texts: list[str]) -> None:
    names = [r.name for r, _ in _COMPILED]
    # The recorded order of a model, a rule since removed, and a shuffled older order.
    layouts = [rule_columns(names), rule_columns([*names[::-1], "gone_rule"])]
    normed = [nf.normalize(t) for t in texts]
    normed += ['\t " orang cina harus diusir " \t kata mereka', "jangan pilih kafir \t"]
    fired = 0
    for columns, some in zip(layouts, (normed, normed[::5]), strict=True):
        for text in some:
            want = _plain_hits(text, columns)
            assert hit_columns(text, columns) == want
            fired += bool(want)
    assert fired > 50  # the comparison saw rules fire, not only empty rows


def _plain_fingerprints(text: str) -> str:
    # The function before its `in` guards: every pattern applied unconditionally.
    if not text:
        return text
    text = fp.fix_mac_roman(text).replace("\u00a0", " ")
    text = fp._BOILERPLATE.sub(" ", text)
    text = fp._READ_ALSO.sub(" ", text)
    text = fp._CREDIT_LINE.sub(" ", text)
    text = fp._LEADING_DEBRIS.sub("", text)
    text = fp._DATELINE.sub("", text, count=3)
    text = fp._DATELINE_NO_DASH.sub("", text)
    text = fp._ANT.sub(" ", text)
    text = fp._DOMAIN_TOKEN.sub(fp._drop_outlet_domain, text)
    head, tail = text[: -fp._TAIL], text[-fp._TAIL :]
    text = head + fp._DESK_TAIL.sub("", fp._CREDIT_TAIL.sub("", tail))
    text = fp._COMMA_RUNS.sub(", ", text)
    return fp._LEADING_DEBRIS.sub("", text).strip()


def _plain_stage_tail(text: str) -> str:
    # The normaliser's guarded steps, applied unconditionally.
    text = re.sub(r"\bUSER\b", f" {nf.MENTION_TOKEN} ", text)
    text = re.sub(r"\bURL\b", f" {nf.URL_TOKEN} ", text)
    text = nf._MENTION.sub(f" {nf.MENTION_TOKEN} ", text)
    text = nf._REDUP_HYPHEN.sub(r"\1 \1", text)
    text = nf._REDUP_TWO.sub(r"\1 \1", text)
    return nf._PUNCT_RUN.sub(r"\1", text)


def _guarded_stage_tail(text: str) -> str:
    if "USER" in text:
        text = nf._USER_WORD.sub(f" {nf.MENTION_TOKEN} ", text)
    if "URL" in text:
        text = nf._URL_WORD.sub(f" {nf.URL_TOKEN} ", text)
    if "@" in text:
        text = nf._MENTION.sub(f" {nf.MENTION_TOKEN} ", text)
    if "-" in text:
        text = nf._REDUP_HYPHEN.sub(r"\1 \1", text)
    if "2" in text:
        text = nf._REDUP_TWO.sub(r"\1 \1", text)
    if any(pair in text for pair in nf._PUNCT_PAIRS):
        text = nf._PUNCT_RUN.sub(r"\1", text)
    return text


def test_skipped_patterns_change_nothing(texts: list[str]) -> None:
    for text in texts:
        assert fp.strip_fingerprints(text) == _plain_fingerprints(text)
        low = text.lower()
        for variant in (text, low, low.replace(" ", "-"), text.replace(" ", "2 ")):
            assert _guarded_stage_tail(variant) == _plain_stage_tail(variant)
    # The hashtag step: no `#`, no split, and the tokens do not depend on the vocabulary.
    assert nf._stage("tanpa tagar", None, None).hashtags is False
    assert nf._stage("dengan #TagarPanjang", None, None).hashtags is True


def test_url_and_money_guards_change_nothing(texts: list[str]) -> None:
    # `_stage` runs `_URL` only with a "/" or "." and `_MONEY` only with a `\d` in the text.
    extra = ["www.X.com", "WWW.Kompas.com", "bit.ly/x", "cek s.id/abc", "rp5rb", "Rp 50.000"]
    extra += ["\u0663 juta", "dapat \uff15\uff10 ribu", "tanpa angka", "rp. juta", "50 k"]
    for text in [*texts, *extra, *HOSTILE]:
        for variant in (text, text.lower(), text.replace(" ", "")):
            url = nf._URL.sub(" u ", variant)
            if "/" not in variant and "." not in variant:
                assert url == variant
            money = nf._MONEY.sub(" m ", variant)
            if not nf._DIGIT.search(variant):
                assert money == variant
    assert nf.normalize("\u0663 juta buat kamu") == nf.normalize("3 juta buat kamu")
    assert nf.URL_TOKEN in nf.normalize("baca www.contoh.org ya").split()
    assert nf.MONEY_TOKEN in nf.normalize("dapat \u0665\u0660rb").split()


def test_outlet_link_and_emoji_gates_change_nothing(texts: list[str]) -> None:
    # Datelines and `Baca juga` run only when an outlet's first word (or `baca`/`simak`)
    # is in an ASCII text, `_URL` only when a link start is; non-ASCII text always runs them.
    extra = [
        "TEMPO.CO, Jakarta - Presiden berkata",
        "Liputan6.com, Jakarta Sebuah video beredar",
        "JAKARTA, KOMPAS.com \u2013 Menteri berkata",
        "Jakarta (ANTARA) - Polisi",
        "JAKARTA ( Pos Kota ) \u2013 Warga",
        "\u017fimak juga: berita lain",
        "SIMAK JUGA: berita lain, Lalu",
        "cek detik.com dan x.co.id, , , ya",
        "HTTPS://T.CO/abc dan PIC.TWITTER.COM/x",
        "\u0131nfo: bit.ly/x \U0001f600 \u2764 \u00e9t\u00e9",
    ]
    for text in [*texts, *extra]:
        for variant in (text, text.lower(), text.upper()):
            assert fp.strip_fingerprints(variant) == _plain_fingerprints(variant)
            if not nf._may_link(variant):
                assert nf._URL.sub(" u ", variant) == variant
            every_char = "".join(
                f" {nf.EMOJI_TOKEN} " if nf._is_emoji(ch) else ch for ch in variant
            )
            assert nf._replace_emoji(variant) == every_char
    assert fp.strip_fingerprints(extra[0]) == "Presiden berkata"
    assert nf.URL_TOKEN in nf.normalize(extra[8]).split()


def test_boundary_first_matches_as_the_rule_source(texts: list[str]) -> None:
    normed = [nf.normalize(t) for t in texts[::2]]
    normed += ["benci sama orang cina", "tidak benci sama orang cina", "rasa benci orang cina"]
    normed += ["xbenci orang cina", "benci cina", " benci kafir", "harus bunuh semua orang cina"]
    sources = {
        p for rule, _ in _COMPILED for p in (rule.pattern, *top_level_branches(rule.pattern))
    }
    moved = [
        (re.compile(p), re.compile(boundary_first(p))) for p in sources if boundary_first(p) != p
    ]
    assert len(moved) >= 5  # the identity rules' look-behind branches
    hits = 0
    for text in [*normed, *HOSTILE]:
        for prepared in {plain(text), unquoted(text)}:
            for source, fast in moved:
                want = source.search(prepared)
                got = fast.search(prepared)
                assert (got and got.span()) == (want and want.span()), (source.pattern[:60], text)
                hits += want is not None
    assert hits > 20
    assert boundary_first(r"(?<!a)(?<!\bb )\bc") == r"\b(?<!a)(?<!\bb )c"
    for kept in (r"\bc", r"(?<!a)c", r"(?<=\(x)\bc", r"x(?<!a)\bc"):
        assert boundary_first(kept) == kept


def test_branches_searched_one_by_one_equal_the_whole_pattern(texts: list[str]) -> None:
    normed = [nf.normalize(t) for t in texts[::2]]
    normed += ["orang cina harus diusir dari indonesia", "bunuh semua kafir", "benci sama cina"]
    split = [g for _, g in _COMPILED if len(g._branches) > 1]
    assert len(split) > 10
    fired = 0
    for text in normed:
        for prepared in {plain(text), unquoted(text)}:
            for gated in split:
                whole = all(g.search(prepared) for g in gated.gates) and bool(
                    gated.pattern.search(prepared)
                )
                assert gated.matches(prepared) == whole, (gated._sources[0][:60], prepared)
                fired += whole
    assert fired > 30  # the comparison saw split rules fire


def test_top_level_branches_split_only_the_outermost_alternation() -> None:
    assert top_level_branches(r"a(b|c)|[|x]d|\|e|(?:f|g)h") == [
        r"a(b|c)",
        r"[|x]d",
        r"\|e",
        "(?:f|g)h",
    ]
    assert top_level_branches(r"[]|]x|y") == [r"[]|]x", "y"]
    assert top_level_branches(r"[^]|]x|(?<!a|b)y") == [r"[^]|]x", "(?<!a|b)y"]
    # Back-references and global flags would change meaning once split: kept whole.
    for whole in (r"(a)|\1", r"(?P<w>a)|(?P=w)", r"(?i)a|b", "abc"):
        assert top_level_branches(whole) == [whole]
    # One group around an alternation is split inside it; other groups are kept whole.
    assert top_level_branches(r"(a(b|c)|d\)|[)]e)") == [r"a(b|c)", r"d\)", "[)]e"]
    assert top_level_branches(r"(?:a|b)") == ["a", "b"]
    assert top_level_branches(r"(a)|(b)") == ["(a)", "(b)"]
    for whole in (r"(a)(b|c)", r"(?=a|b)", r"(?P<n>a|b)", r"(a|b)c", r"\b(a|b)\b", r"(a|b\)"):
        assert top_level_branches(whole) == [whole]
    counter = next(r.pattern for r, _ in _COMPILED if r.name == "ip_counter")
    assert len(top_level_branches(counter)) > 10  # one wrapped alternation
    for pattern in (
        r"a(b|c)|[|x]d|\|e|(?:f|g)h",
        r"[]|]x|y",
        r"(a(b|c)|d\)|[)]e)",
        r"(?:a|b)",
        r"(a)(b|c)",
    ):
        for text in ("ab", "|d", "xd", "|e", "gh", "]x", "y", "zz", "a|", "d)", ")e", "b", "ac"):
            split = any(re.search(b, text) for b in top_level_branches(pattern))
            assert split == bool(re.search(pattern, text))
