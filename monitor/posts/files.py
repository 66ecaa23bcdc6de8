"""Read JSONL and CSV exports record by record; a bad line is reported, never fatal."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# Why: a CSV field larger than this is a broken quote swallowing the file, not a post.
_CSV_FIELD_LIMIT = 1_000_000
_POST_FIELDS = {
    "platform",
    "external_id",
    "url",
    "author",
    "title",
    "text",
    "published_at",
    "language",
    "region_code",
}


class FileFormatError(ValueError):
    """The file as a whole cannot be read (missing, unknown format, no CSV header)."""


@dataclass(frozen=True)
class BadLine:
    """A line that could not be turned into a record."""

    line: int
    error: str


def detect_format(path: Path, fmt: str | None) -> str:
    """Return "jsonl" or "csv" from the option or the file extension."""
    if fmt:
        fmt = fmt.lower()
    else:
        suffix = path.suffix.lower()
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}.get(suffix)
    if fmt not in ("jsonl", "csv"):
        raise FileFormatError(f"cannot tell the format of {path}; pass --format jsonl or csv")
    return fmt


def read_records(
    stream: IO[bytes], fmt: str, defaults: dict[str, Any] | None = None
) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """Yield (line number, record or BadLine) for every non-blank line or CSV row."""
    reader = _jsonl(stream) if fmt == "jsonl" else _csv(stream)
    for line, record in reader:
        if isinstance(record, dict) and defaults:
            for key, value in defaults.items():
                if not record.get(key):
                    record[key] = value
        yield line, record


def _jsonl(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    for number, raw in enumerate(stream, 1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        try:
            value = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield number, BadLine(number, f"not UTF-8 (byte {exc.start})")
            continue
        except json.JSONDecodeError as exc:
            yield number, BadLine(number, f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:
            yield number, BadLine(number, "JSON nested too deeply")
            continue
        if not isinstance(value, dict):
            yield number, BadLine(number, f"expected a JSON object, got {type(value).__name__}")
            continue
        yield number, value


def _csv(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return
    except (csv.Error, UnicodeDecodeError) as exc:
        raise FileFormatError(f"cannot read the CSV header: {exc}") from None
    columns = [h.strip().lower() for h in header]
    if "text" not in columns and "title" not in columns:
        raise FileFormatError("the CSV header needs a 'text' (or 'title') column")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            # Decoding errors end the stream: the reader cannot resynchronise after them.
            yield reader.line_num + 1, BadLine(reader.line_num + 1, f"not UTF-8: {exc.reason}")
            return
        except csv.Error as exc:
            yield reader.line_num, BadLine(reader.line_num, f"malformed CSV: {exc}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            yield (
                reader.line_num,
                BadLine(reader.line_num, f"expected {len(columns)} columns, found {len(row)}"),
            )
            continue
        record: dict[str, Any] = {}
        extra: dict[str, str] = {}
        for key, value in zip(columns, row, strict=True):
            if key in _POST_FIELDS:
                record[key] = value
            elif key:
                extra[key] = value
        if extra:
            record["raw"] = extra
        yield reader.line_num, record


def open_input(path: Path) -> IO[bytes]:
    """Open a file (or stdin for "-") for binary reading with a clear error."""
    if str(path) == "-":
        import sys

        return sys.stdin.buffer
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise FileFormatError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise FileFormatError(f"{path} is a directory") from None
    except OSError as exc:
        raise FileFormatError(f"cannot open {path}: {exc.strerror}") from None
