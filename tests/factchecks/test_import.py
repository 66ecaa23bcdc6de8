"""`waspada factchecks import/list` on both databases: per-line errors, upserts, no duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.factchecks.models import FactCheck
from tests.factchecks.cases import DEBUNKS


def _cli(url: str, tmp: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    env = {"WASPADA_DATABASE_URL": url, "WASPADA_DATA_DIR": str(tmp / "data")}
    res = CliRunner().invoke(app, list(args), env=env, input=stdin)
    return res.exit_code, res.stdout, res.stderr


def _write(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _jsonl(records: list[dict[str, str]]) -> list[bytes]:
    return [json.dumps(r, ensure_ascii=False).encode() for r in records]


def _rows(url: str) -> list[FactCheck]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(FactCheck).order_by(FactCheck.id)))  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(FactCheck)) or 0)
    finally:
        engine.dispose()


def test_import_then_reimport_upserts_without_duplicates(fresh_db_url: str, tmp_path: Path) -> None:
    file = _write(tmp_path / "fc.jsonl", _jsonl(DEBUNKS))
    code, out, err = _cli(fresh_db_url, tmp_path, "factchecks", "import", str(file))
    assert code == 0, err
    assert f"{len(DEBUNKS)} inserted, 0 updated, 0 unchanged, 0 lines refused" in out
    rows = _rows(fresh_db_url)
    assert len(rows) == len(DEBUNKS)
    first = next(r for r in rows if r.external_id == "tbh-1001")
    assert first.publisher == "turnbackhoax" and first.verdict == "SALAH"
    assert first.claim and "gudang KPU" in first.claim
    assert first.published_at is not None and first.published_at.hour == 2  # 09:00+07:00 in UTC
    # Same file again: nothing changes. One edited title: one update, same row.
    code, out, _ = _cli(fresh_db_url, tmp_path, "factchecks", "import", str(file))
    assert code == 0 and f"0 inserted, 0 updated, {len(DEBUNKS)} unchanged" in out
    edited = [dict(d) for d in DEBUNKS]
    edited[0]["title"] = "[SALAH] Surat Suara Tercoblos di Gudang KPU Bekasi (diperbarui)"
    file2 = _write(tmp_path / "fc2.jsonl", _jsonl(edited))
    code, out, _ = _cli(fresh_db_url, tmp_path, "factchecks", "import", str(file2))
    assert code == 0 and f"0 inserted, 1 updated, {len(DEBUNKS) - 1} unchanged" in out
    after = _rows(fresh_db_url)
    assert len(after) == len(DEBUNKS)
    assert next(r for r in after if r.id == first.id).title.endswith("(diperbarui)")
    # The list command shows them, newest first, as JSON.
    code, out, _ = _cli(fresh_db_url, tmp_path, "factchecks", "list", "--json", "--limit", "3")
    listed = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(listed) == 3
    assert set(listed[0]) == {"pk", "id", "publisher", "title", "verdict", "url", "published_at"}


BAD_LINES = [
    (b'{"id": "ok-1", "title": "Kabar bohong pertama soal pemilu"}', None),
    (b'{"id": "ok-2", "title": "Kabar bohong kedua"', "invalid JSON"),
    (b'{"title": "tanpa id"}', "missing required field 'id'"),
    (b'{"id": "no-title", "claim": "klaim saja"}', "missing required field 'title'"),
    (b'{"id": "enc", "title": "caf\xe9 rusak"}', "not valid UTF-8"),
    (b'["bukan", "objek"]', "expected a JSON object"),
    (b'{"id": "ok-1", "title": "duplikat baris satu"}', "duplicate of line 1"),
    (b'{"id": "date", "title": "Tanggal salah", "published_at": "kemarin"}', "not an ISO 8601"),
    (b'{"id": "naive", "title": "Tanpa zona", "published_at": "2024-02-10T09:00:00"}', "timezone"),
    (b'{"id": true, "title": "id boolean"}', "'id' must be a string"),
    (b'{"id": "v", "title": "Vonis panjang", "verdict": "' + b"x" * 60 + b'"}', "limit is 40"),
    (b'{"id": "nul", "title": "ada \\u0000 NUL"}', "NUL character"),
    (b'{"id": "ok-3", "title": "Kabar bohong ketiga", "url": "https://cek.id/3"}', None),
]


def test_bad_lines_are_named_and_nothing_is_half_imported(
    fresh_db_url: str, tmp_path: Path
) -> None:
    file = _write(tmp_path / "bad.jsonl", [line for line, _ in BAD_LINES])
    code, out, err = _cli(fresh_db_url, tmp_path, "factchecks", "import", str(file))
    assert code != 0
    for number, (_, message) in enumerate(BAD_LINES, start=1):
        if message is not None:
            assert f"line {number}: " in err and message in err, (number, message, err)
    assert "11 bad lines, nothing imported" in err
    assert _count(fresh_db_url) == 0
    # Asked to, the valid lines go in and the bad ones are still reported.
    code, out, err = _cli(
        fresh_db_url, tmp_path, "factchecks", "import", str(file), "--skip-invalid"
    )
    assert code == 0, err
    assert "2 inserted" in out and "11 lines refused (1 duplicates in the file)" in out
    assert "line 2: invalid JSON" in err
    assert sorted(r.external_id for r in _rows(fresh_db_url)) == ["ok-1", "ok-3"]


def test_bom_crlf_stdin_and_default_publisher(fresh_db_url: str, tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + b"\r\n".join(_jsonl(DEBUNKS[:2])) + b"\r\n\r\n"
    code, out, err = _cli(
        fresh_db_url,
        tmp_path,
        "factchecks",
        "import",
        "-",
        "--publisher",
        "mafindo",
        stdin=data,
    )
    assert code == 0, err
    assert "2 inserted" in out
    # Lines that name a publisher keep it; the option only fills lines that name none.
    assert {r.publisher for r in _rows(fresh_db_url)} == {"turnbackhoax"}
    file = _write(tmp_path / "nopub.jsonl", [b'{"id": 7, "title": "Kabar bohong tanpa penerbit"}'])
    code, out, _ = _cli(
        fresh_db_url, tmp_path, "factchecks", "import", str(file), "--publisher", "mafindo"
    )
    assert code == 0
    row = next(r for r in _rows(fresh_db_url) if r.external_id == "7")
    assert row.publisher == "mafindo"


@pytest.mark.parametrize("content", [b"", b"\n\n   \n"])
def test_empty_file_imports_nothing_cleanly(
    fresh_db_url: str, tmp_path: Path, content: bytes
) -> None:
    file = tmp_path / "empty.jsonl"
    file.write_bytes(content)
    code, out, _ = _cli(fresh_db_url, tmp_path, "factchecks", "import", str(file))
    assert code == 0 and "0 inserted, 0 updated, 0 unchanged, 0 lines refused" in out


def test_missing_file_is_a_clear_error(fresh_db_url: str, tmp_path: Path) -> None:
    code, _, err = _cli(fresh_db_url, tmp_path, "factchecks", "import", str(tmp_path / "nope"))
    assert code != 0 and "cannot read" in err and "nope" in err


def test_a_deeply_nested_line_is_named_and_the_others_are_kept() -> None:
    from monitor.factchecks.schemas import parse_jsonl

    good = b'{"id": "a1", "title": "[SALAH] Server KPU di Singapura", "publisher": "tbh"}'
    hostile = b"[" * 100_000 + b"]" * 100_000
    parsed = parse_jsonl(b"\n".join([good, hostile, good.replace(b"a1", b"a2")]))
    assert [n for n, _ in parsed.records] == [1, 3]
    assert [(e.line, e.message) for e in parsed.errors] == [(2, "JSON nested too deeply")]
