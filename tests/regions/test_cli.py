"""`waspada regions tag | search | import-ikp | evaluate`: real files, clear per-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner, Result

from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.regions.models import IkpScore


def _run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, ["regions", *args], env=env or {}, input=stdin)


def test_tag_reads_jsonl_and_reports_bad_lines_without_stopping(tmp_path: Path) -> None:
    src = tmp_path / "posts.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": "Warga Tanjab Timur resah soal amplop"}),
                "{not json",
                json.dumps(["a", "list"]),
                "",
                json.dumps({"id": 7, "text": 42}),
                json.dumps({"id": "b", "text": "Bawaslu Kab. Tanjung Jabung Timur dan Jaksel"}),
                json.dumps({"id": "c", "text": "Harga cabai naik lagi"}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    res = _run("tag", str(src))
    assert res.exit_code == 1
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c"]
    assert out[0]["regions"] == [
        {
            "code": "15.07",
            "name": "Kabupaten Tanjung Jabung Timur",
            "level": "regency",
            "evidence": "Tanjab Timur",
        }
    ]
    assert [r["code"] for r in out[1]["regions"]] == ["15.07", "31.74"]
    assert out[1]["regions"][0]["evidence"] == "Kab. Tanjung Jabung Timur"
    assert out[2]["regions"] == []
    errors = res.stderr.splitlines()
    assert errors[0].startswith("line 2: invalid JSON")
    assert errors[1:] == [
        "line 3: expected a JSON object with 'id' and 'text'",
        "line 5: 'text' must be a string",
    ]


def test_tag_reads_stdin_and_refuses_a_missing_file(tmp_path: Path) -> None:
    res = _run("tag", "-", stdin=json.dumps({"id": 1, "text": "Pilkada Kota Jambi"}) + "\n")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["regions"][0]["code"] == "15.71"
    missing = _run("tag", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 1 and "cannot read" in missing.stderr


def test_search_resolves_names_abbreviations_and_codes() -> None:
    res = _run("search", "Tanjab Timur")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[0] == "15.07\tregency\tKabupaten Tanjung Jabung Timur"
    assert _run("search", "15").stdout.splitlines()[0] == "15\tprovince\tJambi"
    assert "32" in _run("search", "Jabar").stdout.split("\t")[0]
    none = _run("search", "Atlantis")
    assert none.exit_code == 1 and "no region matches" in none.stderr


def test_import_ikp_is_all_or_nothing_with_line_numbers(fresh_db_url: str, tmp_path: Path) -> None:
    env = {"WASPADA_DATABASE_URL": fresh_db_url, "WASPADA_DATA_DIR": str(tmp_path)}
    good = tmp_path / "ikp.csv"
    good.write_text('code,score\n15,62.5\n15.07,71\n31,"40,5"\n', encoding="utf-8")
    res = _run("import-ikp", str(good), env=env)
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == "imported 3 IKP scores"

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,score\n15,10\n99.99,5\n15.07,lots\n32,150\n15,11\n\n33,-1\n", encoding="utf-8"
    )
    res = _run("import-ikp", str(bad), env=env)
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [
        f"{bad}: line 3: unknown region code '99.99'",
        f"{bad}: line 4: score 'lots' is not a number",
        f"{bad}: line 5: score '150' must be between 0 and 100",
        f"{bad}: line 6: duplicate code '15'",
        f"{bad}: line 8: score '-1' must be between 0 and 100",
        "waspada: error: 5 bad line(s); nothing imported",
    ]
    engine = make_engine(fresh_db_url)
    with engine.connect() as conn:
        stored = {c: v for c, v in conn.execute(select(IkpScore.region_code, IkpScore.score))}
    engine.dispose()
    # The good file's values stand; the refused file changed nothing (15 stays 62.5).
    assert stored == {"15": 62.5, "15.07": 71.0, "31": 40.5}

    for content, message in [
        (b"kode,nilai\n15,1\n", "header must name 'code' and 'score'"),
        (b"code,score\n", "no rows"),
        (b"\xff\xfe\x00garbage", "cannot read"),
    ]:
        path = tmp_path / "x.csv"
        path.write_bytes(content)
        res = _run("import-ikp", str(path), env=env)
        assert res.exit_code == 1 and message in res.stderr, res.stderr
    assert "cannot read" in _run("import-ikp", str(tmp_path / "none.csv"), env=env).stderr


def test_evaluate_prints_precision_and_recall_per_level(tmp_path: Path) -> None:
    res = _run("evaluate")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("items: ") and int(lines[0].split()[1]) >= 300
    rows = {ln.split()[0]: [float(x) for x in ln.split()[1:3]] for ln in lines[2:4]}
    assert rows["province"][0] >= 0.95 and rows["kabkota"][0] >= 0.90

    mini = tmp_path / "mini.jsonl"
    mini.write_text(
        json.dumps({"id": 1, "text": "Tanjab Timur", "kabkota": ["15.07"], "provinces": []})
        + "\n"
        + json.dumps({"id": 2, "text": "Jambi dan Jaksel", "kabkota": ["31.74"]})
        + "\n",
        encoding="utf-8",
    )
    out = _run("evaluate", str(mini), "--errors").stdout
    # Bare "Jambi" is read as the province: counted wrong against this gold.
    assert "items: 2" in out and "province       0.667   1.000" in out
    assert "2: province wrong=['15'] missed=[]" in out

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": 1, "text": "x"}\n{"id": 2, "text": "y", "kabkota": ["99.99"]}\n')
    res = _run("evaluate", str(broken))
    assert res.exit_code == 1 and "line 2: unknown region code '99.99'" in res.stderr
