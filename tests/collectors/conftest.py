"""Collector test helpers: fixture payloads, a polite-but-fast client, a small real classifier."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifiers.contracts import LABELS, Classification, Matcher
from monitor.core.db import make_engine
from monitor.core.outbound import OutboundPolicy
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import Settings, load_settings
from monitor.sources.http import HttpClient

FIXTURES = Path(__file__).parent / "fixtures"

# The test servers listen on 127.0.0.1: allow-listed explicitly.
LOCAL = OutboundPolicy.allowing("127.0.0.1")


def fixture_bytes(name: str) -> bytes:
    """Return a fixture file's bytes."""
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def http_client() -> Iterator[HttpClient]:
    """An HTTP client with short timeouts and no per-host spacing (tests talk to 127.0.0.1)."""
    c = HttpClient(
        policy=LOCAL,
        user_agent="WaspadaTest/1.0",
        timeout=3.0,
        max_bytes=1024 * 1024,
        host_interval=0.0,
    )
    yield c
    c.close()


def test_settings(tmp_path: Path, database_url: str | None = None, **extra: object) -> Settings:
    """Settings for collector tests: fast HTTP, a small failure budget."""
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        http_host_interval=0.0,
        http_timeout=3.0,
        source_max_failures=3,
        **extra,
    )


test_settings.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def fresh_rt(fresh_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a fresh committed database (for tests that need real commits)."""
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(test_settings(tmp_path, fresh_db_url), engine)
    yield rt
    rt.close()


_TRAIN = [
    ("warga menerima amplop berisi uang agar memilih calon nomor dua", "money_politics"),
    ("serangan fajar bagi bagi sembako dan uang sebelum pencoblosan", "money_politics"),
    ("tim sukses membagikan uang tunai kepada pemilih di desa", "money_politics"),
    ("pesan berantai surat suara sudah dicoblos itu hoaks", "hoax"),
    ("video lama diklaim kecurangan pemilu tahun ini hoaks", "hoax"),
    ("beredar kabar bohong kotak suara dibakar petugas", "hoax"),
    ("calon itu antek asing keturunan pki jangan dipilih", "black_campaign"),
    ("fitnah keji calon gubernur korupsi tanpa bukti", "black_campaign"),
    ("jangan pilih pemimpin yang beda agama dengan kita", "identity_politics"),
    ("pribumi harus menang jangan pilih keturunan", "identity_politics"),
    ("kpu menetapkan jadwal kampanye terbuka pekan depan", ""),
    ("petugas membersihkan lokasi tps setelah pemungutan suara", ""),
    ("debat kandidat membahas program ekonomi dan pendidikan", ""),
    ("warga antusias datang ke tps pagi hari", ""),
    ("bawaslu mengadakan sosialisasi pengawasan partisipatif", ""),
]


class TinyClassifier:
    """A real TF-IDF + logistic regression per label, fitted on a few sentences."""

    def __init__(self, version: str = "tiny-1") -> None:
        self.version = version
        texts = [t for t, _ in _TRAIN]
        self.vectorizer = TfidfVectorizer().fit(texts)
        X = self.vectorizer.transform(texts)
        self.models = {}
        for label in LABELS:
            y = np.array([int(lab == label) for _, lab in _TRAIN])
            self.models[label] = LogisticRegression(C=10.0).fit(X, y)
        self.calls = 0

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        """Score texts; labels over 0.5 are flagged."""
        self.calls += 1
        X = self.vectorizer.transform(list(texts))
        scores = {label: m.predict_proba(X)[:, 1] for label, m in self.models.items()}
        out = []
        for i in range(len(texts)):
            s = {label: float(scores[label][i]) for label in LABELS}
            out.append(
                Classification(
                    labels=[label for label in LABELS if s[label] >= 0.5],
                    scores=s,
                    explanation={label: {"score": s[label]} for label in LABELS},
                    model_version=self.version,
                )
            )
        return out
