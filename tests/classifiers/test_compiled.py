"""The compiled scoring path: equal to the sklearn pipeline, safe to load, fast to import."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer

from classifiers.data.corpus import EVAL_DIR, load_seeds, read_labelled_jsonl
from classifiers.factcheck.index import N_FEATURES, featurize_texts
from classifiers.models.compile import compile_pipeline
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.safety import UnsafeModel, sha256_file
from classifiers.models.scoring_file import load_compiled, save_compiled
from classifiers.models.train import TrainedModel
from classifiers.text import rule_match
from classifiers.text.ngrams import murmur3_32
from classifiers.text.normal_form import normalize
from classifiers.text.prefilter import CACHE_FILE, load_cache, pattern_key, required_literals
from monitor.modelversions import stream


def _posts() -> list[str]:
    rows = [*load_seeds(), *read_labelled_jsonl(EVAL_DIR / "heldout_posts.jsonl")]
    return [ex.text for ex in rows]


def test_compiled_scores_equal_the_sklearn_pipeline(small_model: TrainedModel) -> None:
    texts = _posts()
    old = small_model.pipeline.predict_proba(texts)
    clf = small_model.classifier()
    # Same features up to float32 rounding, same scores up to float64 rounding.
    Xo, Xn = small_model.pipeline[:-1].transform(texts), clf.features(texts)
    assert Xo.shape == Xn.shape and Xo.nnz == Xn.nnz
    assert abs(Xo - Xn).max() < 1e-6
    assert np.abs(old - clf.scores(texts)).max() < 1e-7
    # The explanation's averaged weights are the old estimator's.
    assert np.abs(small_model.pipeline.steps[-1][1].coef_ - clf.compiled.coef).max() < 1e-12


def test_scoring_file_round_trips_and_refuses_tampering(
    small_model: TrainedModel, tmp_path: Path
) -> None:
    compiled = compile_pipeline(small_model.pipeline)
    path = tmp_path / "m.scoring.npz"
    digest = save_compiled(compiled, path)
    loaded = load_compiled(path, digest)
    texts = _posts()[:50]
    assert np.array_equal(
        loaded.scores_from(loaded.features(texts))[0],
        compiled.scores_from(compiled.features(texts))[0],
    )

    with pytest.raises(UnsafeModel, match="changed after training"):
        load_compiled(path, "0" * 64)
    with pytest.raises(UnsafeModel, match="does not exist"):
        load_compiled(tmp_path / "missing.npz", digest)

    # A pickled object array (code execution on load) is refused even with a matching digest.
    evil = tmp_path / "evil.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(evil, "w") as dst:
        for name in src.namelist():
            if name != "cal_a.npy":
                dst.writestr(name, src.read(name))
        buf = io.BytesIO()
        np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
        dst.writestr("cal_a.npy", buf.getvalue())
    with pytest.raises(UnsafeModel, match="not a plain-array npz"):
        load_compiled(evil, sha256_file(evil))

    # An extra member, a foreign format, garbage bytes: one clear refusal each.
    extra = tmp_path / "extra.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(extra, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
        dst.writestr("payload.npy", src.read("cal_b.npy"))
    with pytest.raises(UnsafeModel, match="unexpected members"):
        load_compiled(extra, sha256_file(extra))
    other = tmp_path / "other.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(other, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "meta.npy":
                meta = np.load(io.BytesIO(data))
                text = meta.tobytes().decode().replace("waspada-scoring/1", "waspada-scoring/9")
                buf = io.BytesIO()
                np.save(buf, np.frombuffer(text.encode(), dtype=np.uint8))
                data = buf.getvalue()
            dst.writestr(name, data)
    with pytest.raises(UnsafeModel, match="retrain with `waspada train`"):
        load_compiled(other, sha256_file(other))
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"\x00\xffnot a zip" * 100)
    with pytest.raises(UnsafeModel, match="not a plain-array npz"):
        load_compiled(junk, sha256_file(junk))


def test_hashing_equals_sklearn() -> None:
    tokens = ["a", "ab", "abc", "abcd", "abcde", "héllo wörld", "", "x" * 17, "🙂ok"]
    from sklearn.utils import murmurhash3_32

    assert murmur3_32(tokens).tolist() == [murmurhash3_32(t) for t in tokens]
    texts = [normalize(t) for t in _posts()] + ["", "a", "x  y"]
    common = {
        "n_features": N_FEATURES,
        "alternate_sign": False,
        "norm": None,
        "binary": True,
        "lowercase": False,
        "dtype": np.float32,
    }
    ref = [
        HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), **common),
        HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"\S+", **common),
    ]
    for vec, mine in zip(ref, featurize_texts(texts), strict=True):
        assert abs(vec.transform(texts) - mine).max() == 0


def test_char_ngrams_equal_sklearn_analyzer() -> None:
    from classifiers.text.ngrams import char_wb_grams

    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()
    for text in ["pemilu curang", "a bc", "x", "kpu  server\tluar"]:
        mine = [g for w in text.lower().split() for g in char_wb_grams(w, 3, 5)]
        assert mine == analyzer(text)


def test_rule_prefilter_changes_nothing_that_fires() -> None:
    texts = [normalize(t) for t in _posts()]
    columns = rule_match.rule_columns([r.name for r in rule_match.RULES])

    def unfiltered(text: str) -> list[int]:
        hits = [(j, c[0]) for j, c in enumerate(columns) if c and c[1].search(text)]
        countered = {r.label for _, r in hits if r.suppressor}
        return [j for j, r in hits if not ((r.strong or r.counterable) and r.label in countered)]

    fired = [rule_match.hit_columns(t, columns) for t in texts]
    assert fired == [unfiltered(t) for t in texts]
    assert sum(1 for f in fired if f) > 50  # the sample exercises the rules


def test_literal_cache_is_current() -> None:
    cache = load_cache(CACHE_FILE)
    for pattern in rule_match.literal_patterns():
        need = required_literals(pattern)
        assert cache.get(pattern_key(pattern), "missing") == (
            sorted(need) if need is not None else None
        ), f"run write_cache(rule_match.literal_patterns()) after editing {pattern[:60]!r}"


def test_required_literals_are_necessary() -> None:
    for pattern, text in [
        (r"\b(serangan fajar|amplop)\b", "ada amplop"),
        (r"(?<!tidak )(bunuh|bantai) (orang|kaum) (cina|arab)", "bantai kaum arab"),
        (r"ab(c|d)?e{2,}", "abeee"),
    ]:
        need = required_literals(pattern)
        assert re.search(pattern, text)
        assert need is None or any(w in text for w in need)


def test_hostile_lines_are_answered_one_by_one(small_model: TrainedModel) -> None:
    clf = small_model.classifier()
    lines: list[bytes | str] = [
        json.dumps({"id": 1, "text": ""}).encode(),
        json.dumps({"id": 2, "text": "pilih nomor 2 dapat 100rb " * 20_000}).encode(),
        b"\x00\xff\xfe binary \x80",
        json.dumps({"id": 4, "text": "\ud800 surat suara \udfff palsu \x00\x07"}).encode(),
        json.dumps({"id": 5, "text": "Cuaca cerah di Bandung"}).encode(),
        b'{"id": 6, "text": "caf\xe9"}',
    ]
    sink = io.StringIO()
    ok, errors = stream.run(clf, iter(lines), sink)
    out = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert (ok, errors) == (4, 2)
    assert [o.get("id") for o in out] == [1, 2, None, 4, 5, None]
    assert "not valid UTF-8" in out[2]["error"] and "not valid UTF-8" in out[5]["error"]
    assert all("scores" in o for o in (out[0], out[1], out[3], out[4]))


def test_scoring_path_imports_no_sklearn_or_skops() -> None:
    code = (
        "import sys, monitor.cli.commands.classify, monitor.modelversions.scoring;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'skops')))"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert res.stdout.strip() == "[]"


def test_loaded_classifier_from_scoring_file_only(
    small_model: TrainedModel, tmp_path: Path
) -> None:
    compiled = compile_pipeline(small_model.pipeline)
    path = tmp_path / "m.scoring.npz"
    loaded = load_compiled(path, save_compiled(compiled, path))
    fast = LoadedClassifier("v", None, small_model.thresholds, compiled=loaded)
    full = small_model.classifier("v")
    texts = _posts()[:40]
    a, b = fast.classify(texts), full.classify(texts)
    assert [x.labels for x in a] == [y.labels for y in b]
    assert [x.explanation for x in a] == [y.explanation for y in b]
    with pytest.raises(AttributeError, match="scoring only"):
        _ = fast.clf
