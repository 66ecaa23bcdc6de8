"""Dataset registry: fetch by copy or download, sha256 verification, parsers and leakage hygiene."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from classifiers.data.corpus import Example, load_dataset, strip_verdict, unassume_negatives
from classifiers.data.fetch import FetchError, fetch_dataset, fetch_many
from classifiers.data.registry import DATASETS
from classifiers.data.splits import near_copy_groups, split_examples
from monitor.cli.main import app

STOP = DATASETS["stopwords_id"]
STOP_FILE = STOP.files[0].name


def _cli(data_dir: Path, *args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, list(args), env={"WASPADA_DATA_DIR": str(data_dir)})
    return res.exit_code, res.stdout, res.stderr


def test_registry_entries_are_complete() -> None:
    for ds in DATASETS.values():
        assert ds.licence and ds.citation and ds.files
        for f in ds.files:
            assert f.url.startswith("https://")
            assert len(f.sha256) == 64
        assert ds.kind in {"labelled", "lexicon", "evaluation"}
    assert "identity_politics" in DATASETS["ibrohim2019_hs_abusive"].labels
    assert "hoax" in DATASETS["bdc2020_mafindo_hoax"].labels
    # The news corpora and SEAHateCheck (evaluation only) are registered with their sources.
    assert len(DATASETS["clickid2019_news"].files) == 9
    assert all("CLICK-ID/802db14/" in f.url for f in DATASETS["clickid2019_news"].files)
    assert [f.name for f in DATASETS["indosum2018_news"].files] == [
        f"dev.0{i}.jsonl" for i in range(1, 6)
    ]
    assert DATASETS["seahatecheck_id"].kind == "evaluation"


def test_fetch_from_copies_verifies_and_is_idempotent(shared_data: Path, tmp_path: Path) -> None:
    code, out, _ = _cli(tmp_path, "datasets", "fetch", "stopwords_id", "--from", str(shared_data))
    assert code == 0, out
    assert "stopwords_id" in out and "fetched" in out
    dest = STOP.folder(tmp_path) / STOP_FILE
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == STOP.files[0].sha256
    code, out, _ = _cli(tmp_path, "datasets", "fetch", "stopwords_id", "--from", str(shared_data))
    assert code == 0 and "present" in out
    code, out, _ = _cli(tmp_path, "datasets", "list")
    assert code == 0
    line = next(li for li in out.splitlines() if li.startswith("stopwords_id"))
    assert "fetched" in line and "MIT" in line
    assert "missing" in next(li for li in out.splitlines() if li.startswith("bdc2020"))


def test_corrupted_copy_is_refused_and_nothing_kept(shared_data: Path, tmp_path: Path) -> None:
    src = tmp_path / "src" / "stopwords_id"
    src.mkdir(parents=True)
    good = (shared_data / "stopwords_id" / STOP_FILE).read_bytes()
    (src / STOP_FILE).write_bytes(good.replace(b"yang", b"yanq", 1))
    data = tmp_path / "data"
    code, out, _ = _cli(data, "datasets", "fetch", "stopwords_id", "--from", str(tmp_path / "src"))
    assert code == 1
    assert "failed" in out and "does not match the registry" in out and "discarded" in out
    folder = STOP.folder(data)
    assert not (folder / STOP_FILE).exists()
    assert not list(folder.glob("*.part"))


def test_damaged_local_copy_is_replaced_by_a_verified_one(
    shared_data: Path, tmp_path: Path
) -> None:
    fetch_many(["stopwords_id"], tmp_path, source_dir=shared_data)
    dest = STOP.folder(tmp_path) / STOP_FILE
    dest.write_bytes(b"truncated")
    [result] = fetch_many(["stopwords_id"], tmp_path, source_dir=shared_data)
    assert result.status == "fetched"
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == STOP.files[0].sha256


def test_unknown_names_and_bad_options_are_clear_errors(tmp_path: Path) -> None:
    code, _, err = _cli(tmp_path, "datasets", "fetch", "stopwords_id", "nope")
    assert code == 2 and "unknown dataset(s): nope" in err and "datasets list" in err
    code, _, err = _cli(tmp_path, "datasets", "fetch", "--from", str(tmp_path / "absent"))
    assert code == 2 and "not a directory" in err
    code, _, err = _cli(tmp_path, "datasets", "fetch", "--mirror", "ftp://x")
    assert code == 2 and "http(s) URL" in err
    code, _, err = _cli(
        tmp_path, "datasets", "fetch", "--from", str(tmp_path), "--mirror", "http://x"
    )
    assert code == 2 and "either --from or --mirror" in err
    # A dataset missing from the --from folder fails alone; nothing is written for it.
    code, out, _ = _cli(tmp_path, "datasets", "fetch", "stopwords_id", "--from", str(tmp_path))
    assert code == 1 and "not found at" in out


def test_download_from_a_mirror_verifies_the_checksum(
    shared_data: Path, tmp_path: Path, httpserver: HTTPServer
) -> None:
    good = (shared_data / "stopwords_id" / STOP_FILE).read_bytes()
    path = f"/mirror/stopwords_id/{STOP_FILE}"
    httpserver.expect_request(path).respond_with_data(good, content_type="text/plain")
    mirror = httpserver.url_for("/mirror")
    code, out, _ = _cli(tmp_path / "ok", "datasets", "fetch", "stopwords_id", "--mirror", mirror)
    assert code == 0, out
    assert (STOP.folder(tmp_path / "ok") / STOP_FILE).read_bytes() == good

    httpserver.clear()
    httpserver.expect_request(path).respond_with_data(good + b"\nsisipan\n")
    code, out, _ = _cli(tmp_path / "bad", "datasets", "fetch", "stopwords_id", "--mirror", mirror)
    assert code == 1 and "does not match the registry" in out
    assert not (STOP.folder(tmp_path / "bad") / STOP_FILE).exists()

    httpserver.clear()
    httpserver.expect_request(path).respond_with_data("gone", status=404)
    code, out, _ = _cli(tmp_path / "gone", "datasets", "fetch", "stopwords_id", "--mirror", mirror)
    assert code == 1 and "HTTP 404" in out


def test_oversized_download_is_refused(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request(f"/m/stopwords_id/{STOP_FILE}").respond_with_data(b"x" * 5000)
    with httpx.Client() as client, pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch_dataset(
            STOP, tmp_path, client=client, mirror=httpserver.url_for("/m"), max_bytes=1000
        )
    assert not list(STOP.folder(tmp_path).iterdir())


def test_verdict_tags_are_stripped() -> None:
    assert strip_verdict("[SALAH] Surat suara sudah dicoblos") == "Surat suara sudah dicoblos"
    assert strip_verdict("[HOAKS]: KPU pindah server") == "KPU pindah server"
    assert strip_verdict("HOAKS: video lama") == "video lama"
    assert strip_verdict("(PENIPUAN) hadiah pulsa") == "hadiah pulsa"
    assert strip_verdict("Fakta sejarah pemilu") == "Fakta sejarah pemilu"


def test_parsers_on_public_files_strip_leaks(shared_data: Path, tmp_path: Path) -> None:
    fetch_many(
        ["hoax_pilpres2024_headlines", "ibrohim2019_hs_abusive"], tmp_path, source_dir=shared_data
    )
    berita = load_dataset("hoax_pilpres2024_headlines", tmp_path)
    assert len(berita) > 5000
    tags = ("[salah]", "[hoaks]", "[hoax]", "[penipuan]", "[disinformasi]")
    assert not [ex for ex in berita if any(t in ex.text.lower() for t in tags)]
    # The link column gives the label away; nothing of it reaches the text.
    assert not [ex for ex in berita if "turnbackhoax.id" in ex.text or "detik.com" in ex.text]
    ib = load_dataset("ibrohim2019_hs_abusive", tmp_path)
    assert len(ib) == 13169
    assert sum(ex.labels["identity_politics"] for ex in ib) > 1000
    assert not [ex for ex in ib if ex.text.endswith("'")]
    assert all(ex.labels["black_campaign"] == -1 for ex in ib)  # not assessed by that set


def test_a_parsed_dataset_is_reused_until_its_file_changes(
    shared_data: Path, tmp_path: Path
) -> None:
    """Parsed once per file state; callers get their own copies; a rewritten file is re-read."""
    fetch_many(["ibrohim2019_hs_abusive"], tmp_path, source_dir=shared_data)
    first = load_dataset("ibrohim2019_hs_abusive", tmp_path)
    first[0].labels["identity_politics"] = 7  # training rewrites labels in place
    first[0].meta["touched"] = "yes"
    again = load_dataset("ibrohim2019_hs_abusive", tmp_path)
    assert again[0].labels["identity_politics"] in (0, 1) and "touched" not in again[0].meta
    assert [ex.text for ex in again] == [ex.text for ex in first]

    path = DATASETS["ibrohim2019_hs_abusive"].folder(tmp_path) / "re_dataset.csv"
    head = path.read_bytes().splitlines(keepends=True)[:11]
    path.unlink()  # never write through a link into the shared folder
    path.write_bytes(b"".join(head))
    assert len(load_dataset("ibrohim2019_hs_abusive", tmp_path)) == 10


def test_near_copies_share_a_split() -> None:
    base = "Surat suara sudah tercoblos untuk paslon nomor satu ditemukan di gudang pelabuhan"
    rows = [
        Example(base, {}, "a", "1"),
        Example(base + " sebarkan!!", {}, "b", "2"),  # a forward with a tail
        Example("RT " + base.upper(), {}, "c", "3"),  # prefix differs, suffix shared
        Example(
            "Ini kalimat yang sama sekali lain tentang cuaca di Bandung hari ini", {}, "d", "4"
        ),
    ]
    groups = near_copy_groups(rows)
    assert groups[0] == groups[1] == groups[2] != groups[3]
    many = [Example(f"{base} versi {i % 7} {'x' * (i % 3)}", {}, "s", str(i)) for i in range(60)]
    train, val, test = split_examples([*many, *rows])
    sides = [{ex.text[:40] for ex in part} for part in (train, val, test)]
    assert sum(1 for s in sides if base[:40] in s) == 1


def test_assumed_negatives_become_unknown_where_the_label_rules_fire() -> None:
    allegation = Example(
        "Tim Kampanye Bagi-Bagi Uang asal coblos nomor 1",
        {"hoax": 1, "money_politics": 0, "black_campaign": 0, "identity_politics": 0},
        "berita_hoax",
    )
    plain = Example(
        "KPU tetapkan jadwal kampanye",
        {"hoax": 0, "money_politics": 0, "black_campaign": 0, "identity_politics": 0},
        "berita_news",
    )
    assessed = Example(
        "Jangan pilih pemimpin kafir",
        {"hoax": 0, "money_politics": 0, "identity_politics": 0},
        "ibrohim",
    )
    seed = Example("Tolak amplop serangan fajar asal coblos", {"money_politics": 0}, "seeds")
    assert unassume_negatives([allegation, plain, assessed, seed]) == 1
    assert allegation.labels["money_politics"] == -1 and allegation.labels["hoax"] == 1
    assert plain.labels == dict.fromkeys(plain.labels, 0)
    # Ibrohim did assess SARA: its 0 stays a 0 even where the identity rules fire.
    assert assessed.labels["identity_politics"] == 0
    assert seed.labels["money_politics"] == 0  # people labelled the seeds
