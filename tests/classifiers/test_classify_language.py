"""`waspada classify` abstains on real foreign sentences and still scores Indonesian."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from classifiers.models.train import TrainedModel
from monitor.cli.bench.posts import foreign_sentences
from monitor.core.db import make_engine
from monitor.modelversions import stream
from monitor.modelversions.loading import load_version
from monitor.modelversions.service import register
from monitor.research.promote import promote
from tests.support.processes import waspada_env

MONEY = "Besok pagi ada serangan fajar 100rb per kepala, asal coblos nomor 2 ya"
PADDED = MONEY.replace(" ", " \u3164") + "\u3164" * 400 + "\u200b" * 50
FOREIGN = [r for r in foreign_sentences() if r["lang"] in ("en", "es", "pt", "de", "fr", "nl")]


def _lines() -> bytes:
    rows = [{"id": f"f{i}", "text": r["text"]} for i, r in enumerate(FOREIGN)]
    rows += [
        {"id": "money", "text": MONEY},
        {"id": "padded", "text": PADDED},
        {"id": "short", "text": "Prabowo curang!!"},
    ]
    return b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in rows) + b"\n"


def _check(out: list[dict[str, object]]) -> None:
    by_id = {o["id"]: o for o in out}
    assert len(by_id) == len(FOREIGN) + 3
    named = 0
    for i, row in enumerate(FOREIGN):
        got = by_id[f"f{i}"]
        assert got["labels"] == [] and got["scores"] == {} and got["factcheck"] is None, got
        assert got["language"] not in ("id", "ms", "jv", "su", "und")
        named += got["language"] == row["lang"]
        explanation = got["explanation"]
        assert isinstance(explanation, dict) and "not Indonesian" in explanation["abstained"]
    assert named >= 0.9 * len(FOREIGN)
    money, padded, short = by_id["money"], by_id["padded"], by_id["short"]
    assert money["language"] == "id" and "money_politics" in money["labels"]  # type: ignore[operator]
    assert set(money["scores"]) == set(LABELS)  # type: ignore[arg-type]
    assert padded["language"] == "id" and padded["labels"] == money["labels"]
    assert short["language"] == "und" and set(short["scores"]) == set(LABELS)  # type: ignore[arg-type]


def test_stream_abstains_on_foreign_sentences(
    small_model: TrainedModel, db: Session, tmp_path: Path
) -> None:
    row = register(db, tmp_path, small_model, version="m-lang-1")
    clf = load_version(row)
    sink = io.StringIO()
    ok, errors = stream.run(clf, io.BytesIO(_lines()), sink, batch_size=7)
    assert (ok, errors) == (len(FOREIGN) + 3, 0)
    _check([json.loads(line) for line in sink.getvalue().splitlines()])


def test_waspada_classify_abstains_on_foreign_sentences(
    small_model: TrainedModel, fresh_db_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    engine = make_engine(fresh_db_url)
    with Session(engine) as s:
        register(s, data_dir, small_model, version="m-lang-cli")
        promote(s, data_dir, "m-lang-cli", None, actor="test")
        s.commit()
    engine.dispose()
    res = subprocess.run(
        [sys.executable, "-m", "monitor", "classify"],
        input=_lines(),
        env=waspada_env(data_dir, fresh_db_url),
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert res.returncode == 0, res.stderr.decode()
    _check([json.loads(line) for line in res.stdout.decode().splitlines()])
