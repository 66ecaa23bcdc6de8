"""The `waspada classify` JSON Lines contract: parse, batch, classify, write in order."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from classifiers.contracts import Classification, Classifier, Matcher
from classifiers.text.invisible import clean_text
from classifiers.text.language import LanguageResult, detect_language

BATCH = 512
MAX_TEXT_CHARS = 100_000  # longer texts are scored on their first 100k characters
# What `json.dumps(obj, ensure_ascii=False)` does, without building an encoder per line.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class Parsed:
    """One input line: either an (id, text) to classify or an error object to echo."""

    line_no: int
    id: Any = None
    text: str | None = None
    error: str | None = None


def parse_line(line: str, line_no: int) -> Parsed:
    """Validate one JSONL input line without raising."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return Parsed(line_no, error=f"line {line_no}: not valid JSON ({exc.msg})")
    except RecursionError:
        return Parsed(line_no, error=f"line {line_no}: JSON nested too deeply")
    if not isinstance(obj, dict):
        return Parsed(line_no, error=f"line {line_no}: expected a JSON object")
    ident = obj.get("id")
    if ident is None or not isinstance(ident, str | int) or isinstance(ident, bool):
        return Parsed(line_no, error=f'line {line_no}: "id" must be a string or integer')
    text = obj.get("text")
    if not isinstance(text, str):
        return Parsed(line_no, ident, error=f'line {line_no}: "text" must be a string')
    return Parsed(line_no, ident, text[:MAX_TEXT_CHARS])


def result_json(
    ident: Any, result: Classification, language: LanguageResult | None = None
) -> dict[str, Any]:
    """Return the output object for one classified input."""
    out = {
        "id": ident,
        "labels": result.labels,
        "scores": result.scores,
        "explanation": result.explanation,
        "factcheck": result.factcheck.as_json() if result.factcheck else None,
    }
    if language is not None:
        out["language"] = language.code
    return out


def abstained_json(ident: Any, language: LanguageResult) -> dict[str, Any]:
    """Return the output object for a text that is not Indonesian: no labels, no scores."""
    return {
        "id": ident,
        "language": language.code,
        "labels": [],
        "scores": {},
        "explanation": {
            "abstained": f"not scored: the text is not Indonesian (detected {language.code})",
            "language": language.as_json(),
        },
        "factcheck": None,
    }


def error_json(item: Parsed) -> dict[str, Any]:
    """Return the output object for an input line that could not be classified."""
    return {"id": item.id, "line": item.line_no, "error": item.error}


def _decode(raw: bytes | str, n: int) -> str | Parsed:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Parsed(n, error=f"line {n}: not valid UTF-8")


def item_of(raw: bytes | str, n: int) -> Parsed | None:
    """Return input line `n` parsed (a bad line as an error item), or None when it is blank."""
    line = _decode(raw, n)
    if isinstance(line, Parsed):
        return line
    return parse_line(line, n) if line.strip() else None


def batches(lines: Iterable[bytes | str], size: int) -> Iterator[list[Parsed]]:
    """Yield the parsed non-blank lines in batches of `size` (bad lines as error items)."""
    batch: list[Parsed] = []
    for n, raw in enumerate(lines, 1):
        item = item_of(raw, n)
        if item is None:
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _classify_distinct(
    classifier: Classifier, texts: list[str], matcher: Matcher | None
) -> list[Classification]:
    # Exact copies inside a batch (retweets, copy-paste forwards) are scored once: a text's
    # result does not depend on the other texts of its batch, so the copy's is the same.
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return []
    results = classifier.classify(distinct, matcher)
    if len(distinct) == len(texts):
        return list(results)
    by_text = dict(zip(distinct, results, strict=True))
    return [by_text[t] for t in texts]


def score_batch(
    classifier: Classifier, batch: list[Parsed], matcher: Matcher | None = None
) -> tuple[str, int, list[str]]:
    """Return one batch's output lines (newline-terminated), its classified count, its errors."""
    good = [p for p in batch if p.error is None]
    # Foreign text is answered without the model: it was trained on Indonesian only.
    verdicts: dict[str, LanguageResult] = {}  # a copy inside the batch reuses its verdict
    for text in (p.text or "" for p in good):
        if text not in verdicts:
            verdicts[text] = detect_language(text)
    langs = {id(p): verdicts[p.text or ""] for p in good}
    scored = [p for p in good if langs[id(p)].scored]
    # Invisible padding is stripped before the model and the matcher read the text.
    texts = [clean_text(p.text or "") for p in scored]
    results = iter(_classify_distinct(classifier, texts, matcher))
    out = []
    problems = []
    for item in batch:
        if item.error is None:
            lang = langs[id(item)]
            obj = (
                result_json(item.id, next(results), lang)
                if lang.scored
                else abstained_json(item.id, lang)
            )
            out.append(_ENCODE(obj))
        else:
            out.append(_ENCODE(error_json(item)))
            problems.append(item.error or "")
    return "\n".join(out) + "\n", len(good), problems


def write_batches(
    outputs: Iterable[tuple[str, int, list[str]]],
    sink: TextIO,
    warn: Callable[[str], None] | None = None,
) -> tuple[int, int]:
    """Write scored batches to `sink` in the given order; return (classified, errors)."""
    ok = errors = 0
    for text, good, problems in outputs:
        sink.write(text)
        # Per batch, so a reader of a live pipe sees each answer as soon as it is scored.
        sink.flush()
        ok += good
        errors += len(problems)
        if warn is not None:
            for problem in problems:
                warn(f"waspada: warning: {problem}")
    sink.flush()
    return ok, errors


def run(
    classifier: Classifier,
    source: Iterable[bytes | str],
    sink: TextIO,
    *,
    matcher: Matcher | None = None,
    warn: Callable[[str], None] | None = None,
    batch_size: int = BATCH,
) -> tuple[int, int]:
    """Stream JSONL from `source` to `sink` in order; return (classified, errors)."""
    outputs = (score_batch(classifier, b, matcher) for b in batches(source, batch_size))
    return write_batches(outputs, sink, warn)
