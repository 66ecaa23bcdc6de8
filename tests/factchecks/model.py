"""A tiny real classifier (the project's pipeline fitted on a few written posts) for tests."""

from __future__ import annotations

import functools

import numpy as np

from classifiers.contracts import LABELS
from classifiers.models.estimator import build_pipeline
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.train import TrainedModel

_TEXTS: list[tuple[str, tuple[str, ...]]] = [
    ("Awas hoaks surat suara sudah dicoblos beredar di grup", ("hoax",)),
    ("Pesan berantai palsu soal penundaan pemilu kembali menyebar", ("hoax",)),
    ("Foto editan capres bersama tokoh terlarang disebar akun anonim", ("hoax",)),
    ("Kabar bohong KPU curang disebar menjelang rekapitulasi", ("hoax",)),
    ("Capres itu antek asing dan koruptor, jangan dipilih", ("black_campaign",)),
    ("Caleg ini keturunan pengkhianat, sebarkan aibnya", ("black_campaign",)),
    ("Partai itu sarang maling, hancurkan di pemilu", ("black_campaign",)),
    ("Dia pasti menjual negara kalau menang, tolak dia", ("black_campaign",)),
    ("Dapat amplop lima puluh ribu kalau coblos nomor tiga", ("money_politics",)),
    ("Sembako gratis untuk warga yang pilih caleg kami", ("money_politics",)),
    ("Serangan fajar besok pagi, siapkan KTP untuk uangnya", ("money_politics",)),
    ("Transfer seratus ribu bagi pemilih yang kirim foto surat suara", ("money_politics",)),
    ("Jangan pilih pemimpin kafir, haram hukumnya", ("identity_politics",)),
    ("Suku pendatang tidak boleh memimpin daerah kita", ("identity_politics",)),
    ("Umat wajib memilih calon seiman saja", ("identity_politics",)),
    ("Etnis itu tidak pantas jadi gubernur di sini", ("identity_politics",)),
    ("KPU menetapkan jadwal rapat pleno rekapitulasi suara", ()),
    ("Harga cabai turun di pasar tradisional pekan ini", ()),
    ("Timnas menang dua gol tanpa balas di kandang", ()),
    ("Bawaslu mengimbau peserta pemilu mematuhi masa tenang", ()),
    ("Warga antre di TPS sejak pagi untuk mencoblos", ()),
    ("Gubernur meresmikan jembatan baru di pinggir kota", ()),
    ("Debat capres kedua membahas ekonomi digital dan pajak", ()),
    ("Hujan deras menyebabkan banjir di beberapa kecamatan", ()),
]


@functools.lru_cache(maxsize=1)
def tiny_model() -> TrainedModel:
    """Fit the real pipeline on the written posts; `hoax` alone is unreachable (0.999)."""
    texts = [t for t, _ in _TEXTS]
    y = np.array([[int(label in labels) for label in LABELS] for _, labels in _TEXTS])
    pipeline = build_pipeline(
        min_df=1, calibration_cv=2, word_max_features=2000, char_max_features=2000
    )
    pipeline.fit(texts, y)
    # A threshold the model never reaches: any `hoax` label must come from a debunk match.
    thresholds = {label: 0.5 for label in LABELS} | {"hoax": 0.999}
    return TrainedModel(pipeline, thresholds, {"note": "test model"})


def tiny_classifier() -> LoadedClassifier:
    """Return the tiny model as the classifier the rest of Waspada calls."""
    model = tiny_model()
    return LoadedClassifier("test-tiny", model.pipeline, model.thresholds)
