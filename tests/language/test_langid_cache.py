"""py3langid's model cached as checked .npy arrays: same ranks, damaged caches rebuilt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from classifiers.text import langid_model, language
from classifiers.text.langid_model import cache_path, cached_identifier, source_file
from monitor.cli.bench import posts as bench

TEXTS = [
    "Surat suara tercoblos paslon nomor satu ditemukan gudang kecamatan Cibinong",
    "Dia orang yang sangat baik dan suka membantu jiran tetangga di kampung",
    "Aku arep mulih saiki, wis kesel banget sedina kerja neng sawah",
    *(r["text"] for r in bench.foreign_sentences()[:40]),
    "",
    "\x00\ud800 ✓✓✓ 🙂" * 5,
]


@pytest.fixture(scope="module")
def reference() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _folder(tmp_path: Path) -> Path:
    return cache_path(tmp_path, source_file())


def test_cached_identifier_ranks_exactly_like_the_shipped_model(
    tmp_path: Path, reference: LanguageIdentifier
) -> None:
    written = cached_identifier(tmp_path)  # first use writes the cache
    assert sorted(p.name for p in _folder(tmp_path).iterdir()) == sorted(
        f"{name}.npy" for name in langid_model._MEMBERS
    )
    read = cached_identifier(tmp_path)  # second use maps it
    for text in TEXTS:
        assert written.rank(text) == reference.rank(text)
        assert read.rank(text) == reference.rank(text)


def _damage_flip_a_state(folder: Path) -> None:
    nextmove = np.load(folder / "nextmove.npy")
    nextmove[5] = np.iinfo(nextmove.dtype).max  # a transition to a state that does not exist
    np.save(folder / "nextmove.npy", nextmove)


def _damage_truncate(folder: Path) -> None:
    path = folder / "ptc.npy"
    path.write_bytes(path.read_bytes()[:1000])


def _damage_pickle(folder: Path) -> None:
    np.save(folder / "classes.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)


def _damage_dtype(folder: Path) -> None:
    np.save(folder / "pc.npy", np.load(folder / "pc.npy").astype(np.float64))


def _damage_missing(folder: Path) -> None:
    (folder / "out_feat.npy").unlink()


def _damage_feature_range(folder: Path) -> None:
    out = np.load(folder / "out_feat.npy")
    out[3] = 10**8
    np.save(folder / "out_feat.npy", out)


def _damage_junk(folder: Path) -> None:
    (folder / "nextmove_row.npy").write_bytes(b"not an array at all")


@pytest.mark.parametrize(
    "damage",
    [
        _damage_flip_a_state,
        _damage_truncate,
        _damage_pickle,
        _damage_dtype,
        _damage_missing,
        _damage_feature_range,
        _damage_junk,
    ],
)
def test_a_damaged_cache_is_refused_and_rebuilt(
    tmp_path: Path, reference: LanguageIdentifier, damage: object
) -> None:
    cached_identifier(tmp_path)
    folder = _folder(tmp_path)
    damage(folder)  # type: ignore[operator]
    with pytest.raises(langid_model.LangidCacheError):
        langid_model._read(folder)
    rebuilt = cached_identifier(tmp_path)
    assert langid_model._read(folder)  # the rebuilt cache passes its checks
    for text in TEXTS[:5]:
        assert rebuilt.rank(text) == reference.rank(text)


def test_unwritable_cache_directory_falls_back_to_the_shipped_model(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data directory should be")
    ident = language._LangId()
    ident.cache_dir = blocker
    ranked = ident.rank("Surat suara tercoblos paslon nomor satu ditemukan di gudang kecamatan")
    assert ranked[0][0] in {"id", "ms"}
    assert not list(tmp_path.glob("data/*"))


def test_use_model_cache_points_the_identifier_at_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = language._LangId()
    monkeypatch.setattr(language, "_LANGID", fresh)
    language.use_model_cache(tmp_path)
    assert fresh.cache_dir == tmp_path
    assert fresh.rank("Kerajaan akan mengumumkan keputusan pilihan raya umum")[0][0] == "ms"
    assert _folder(tmp_path).is_dir()
