"""`waspada classify|evaluate|models` on both databases.

`classify` runs as a real subprocess (stdin, stdout, exit status, training on first use); the
registry and `evaluate` commands run through the same CLI in process, which saves a Python
start with its imports (about 2.5 CPU-s) per command and tests the same code.
"""

from __future__ import annotations

import gc
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from classifiers.contracts import LABELS
from classifiers.data.corpus import EVAL_DIR
from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.factchecks.schemas import parse_jsonl
from monitor.factchecks.service import import_records
from tests.support.processes import waspada_env
from tests.support.seeds.research import promote_base_model

MONEY = "Besok pagi ada serangan fajar 100rb per kepala, asal coblos nomor 2 ya"
CLAIM = "Surat suara sudah tercoblos untuk paslon 01 ditemukan di tujuh kontainer di Tanjung Priok"


def _waspada(
    args: list[str], env: dict[str, str], stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        input=stdin,
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
    )


def _line_within(fd: int, seconds: float) -> bytes:
    """Read one output line from `fd`, failing (not hanging) if none comes in `seconds`."""
    got = b""
    deadline = time.monotonic() + seconds
    while not got.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no output line within {seconds} s while stdin stays open: {got!r}"
        chunk = os.read(fd, 1)  # one byte at a time: nothing read beyond the line
        assert chunk, f"output ended early: {got!r}"
        got += chunk
    return got


def _add_factcheck(url: str) -> None:
    parsed = parse_jsonl(
        json.dumps(
            {
                "id": "tbh-1",
                "title": "[SALAH] Surat suara tercoblos di kontainer Tanjung Priok",
                "claim": CLAIM,
                "url": "https://turnbackhoax.example/1",
            }
        ).encode(),
        "Mafindo",
    )
    engine = make_engine(url)
    with Session(engine) as s:
        import_records(s, [r for _, r in parsed.records])
        s.commit()
    engine.dispose()


# Why SQLite only: training the default model on first use takes half a minute and does not
# touch the database; PostgreSQL's part (registry, promoted model, debunks) is the next test.
@pytest.mark.parametrize("fresh_db_url", ["sqlite"], indirect=True)
def test_classify_contract_end_to_end(fresh_db_url: str, tmp_path: Path) -> None:
    env = waspada_env(tmp_path / "data", fresh_db_url)
    _add_factcheck(fresh_db_url)
    lines = [
        json.dumps({"id": "a", "text": MONEY}).encode(),
        b"{not json",
        json.dumps({"id": "c"}).encode(),
        b"",  # blank lines are not inputs
        b"[1, 2]",
        b'{"id": "e", "text": "caf\xe9 tanpa utf-8"}',
        json.dumps({"id": 7, "text": "Cuaca cerah di Bandung, warga berolahraga pagi"}).encode(),
        json.dumps({"id": True, "text": "x"}).encode(),
        json.dumps({"id": "h", "text": CLAIM}).encode(),
    ]
    res = _waspada(["classify"], env, b"\n".join(lines) + b"\n")
    assert res.returncode == 0, res.stderr.decode()
    err = res.stderr.decode()
    assert "no promoted model; training the default model first" in err
    out = [json.loads(line) for line in res.stdout.decode().splitlines()]
    assert [o.get("id") for o in out] == ["a", None, "c", None, None, 7, None, "h"]
    assert [o.get("line") for o in out if "error" in o] == [2, 3, 5, 6, 8]

    money, bad_json, no_text, array, bad_utf8, calm, bad_id, claim = out
    assert "money_politics" in money["labels"]
    assert set(money["scores"]) == set(LABELS)
    assert money["scores"]["money_politics"] >= 0.5
    assert money["explanation"]["rules"] and money["explanation"]["top_ngrams"]["money_politics"]
    assert "factcheck" in money and money["factcheck"] is None
    assert "not valid JSON" in bad_json["error"]
    assert '"text" must be a string' in no_text["error"]
    assert "expected a JSON object" in array["error"]
    assert "not valid UTF-8" in bad_utf8["error"]
    assert '"id" must be a string or integer' in bad_id["error"]
    assert calm["labels"] == [] and calm["factcheck"] is None
    assert claim["factcheck"] is not None and claim["factcheck"]["id"] == "Mafindo:tbh-1"
    assert claim["factcheck"]["url"] == "https://turnbackhoax.example/1"
    assert "hoax" in claim["labels"]
    for n in (2, 3, 5, 6, 8):
        assert f"waspada: warning: line {n}:" in err
    assert "6 classified" not in err and "3 classified, 5 line(s) with errors" in err

    # Second run: the promoted model is reused (no training), files in and out.
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": MONEY}) for i in range(600)) + "\n")
    res = _waspada(["classify", "--input", str(src), "--output", str(dst)], env)
    assert res.returncode == 0, res.stderr.decode()
    assert "training" not in res.stderr.decode()
    rows = [json.loads(line) for line in dst.read_text().splitlines()]
    assert [r["id"] for r in rows] == list(range(600))  # order kept across batches

    # In this process: the collector comes back as it was (no frozen heap left behind).
    src.write_text(json.dumps({"id": "x", "text": MONEY}) + "\n")
    threshold = gc.get_threshold()
    _in_process(env, ["classify", "--workers", "1", "--input", str(src), "--output", str(dst)])
    assert json.loads(dst.read_text())["id"] == "x"
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold

    listed = _in_process(env, ["models", "list"]).stdout.splitlines()
    assert len(listed) == 1 and listed[0].startswith("* m")
    version = listed[0].split()[1]
    card = json.loads(_in_process(env, ["models", "show", version]).stdout)
    assert card["version"] == version and "stemming" in card

    res = _in_process(env, ["evaluate", str(EVAL_DIR / "heldout_posts.jsonl")])
    text = res.stdout
    assert f"model {version}  n=76" in text
    for label in LABELS:
        assert any(li.startswith(label) and "P=" in li and "F1=" in li for li in text.splitlines())
    assert "any-label flag rate:" in text

    # Without a file: the production-like table on the public checks of the model's snapshot.
    text = _in_process(env, ["evaluate"]).stdout
    assert "== held-out news outlets" in text and "not measured" in text  # seeds-only model
    assert "hard negatives flagged (any label)" in text and "== promotion guard" in text


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_classify_on_postgresql_uses_the_promoted_model_and_its_debunks(
    fresh_db_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    env = waspada_env(data_dir, fresh_db_url)
    _add_factcheck(fresh_db_url)
    promote_base_model(fresh_db_url, data_dir, "m-pg")
    lines = [
        json.dumps({"id": "a", "text": MONEY}),
        "{not json",
        json.dumps({"id": 3, "text": CLAIM}),
    ]
    # A live pipe (`tail -f ... | waspada classify`): the first line is answered while stdin
    # stays open, with a pool allowed (--workers 2); then the rest, and the end of input.
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "classify", "--workers", "2"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(lines[0].encode() + b"\n")
        proc.stdin.flush()
        first = _line_within(proc.stdout.fileno(), 120.0)
        rest, err = proc.communicate(("\n".join(lines[1:]) + "\n").encode(), timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert "training" not in err.decode()
    money, bad, claim = [json.loads(line) for line in (first + rest).decode().splitlines()]
    assert money["id"] == "a" and set(money["scores"]) == set(LABELS)
    assert "not valid JSON" in bad["error"] and bad["line"] == 2
    assert claim["id"] == 3 and claim["factcheck"]["id"] == "Mafindo:tbh-1"
    listed = _in_process(env, ["models", "list"]).stdout.splitlines()
    assert len(listed) == 1 and listed[0].startswith("* m-pg")


def _in_process(env: dict[str, str], args: list[str]) -> Result:
    """Run a command through the CLI in this process; it must succeed."""
    res = CliRunner().invoke(app, args, env=env)
    assert res.exit_code == 0, res.stdout + res.stderr
    return res


def _cli(env: dict[str, str], args: list[str], stdin: str = "") -> tuple[int, str]:
    res = CliRunner().invoke(app, args, input=stdin, env=env)
    return res.exit_code, res.stderr


def test_classify_and_evaluate_refuse_bad_arguments(fresh_db_url: str, tmp_path: Path) -> None:
    env = {"WASPADA_DATA_DIR": str(tmp_path / "data"), "WASPADA_DATABASE_URL": fresh_db_url}
    code, err = _cli(env, ["classify", "--input", str(tmp_path / "absent.jsonl")])
    assert code == 2 and "no such file" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": 1, "text": "ok", "labels": []}\n{"id": 2, "text": "x", "labels": ["spam"]}\n'
    )
    code, err = _cli(env, ["evaluate", str(bad)])
    assert code == 2 and "bad.jsonl:2: labels must be a list drawn from" in err
    code, err = _cli(env, ["evaluate", str(tmp_path / "absent.jsonl")])
    assert code == 2 and "absent.jsonl" in err
    code, err = _cli(env, ["classify", "--model", "m-nope"], '{"id": 1, "text": "x"}\n')
    assert code == 1 and "no model version 'm-nope'" in err
    code, err = _cli(env, ["models", "rollback"])
    assert code == 1 and "nothing to roll back" in err
    code, err = _cli(env, ["models", "promote", "m-nope"])
    assert code == 1 and "no model version 'm-nope'" in err
