"""Structured logging (key=value or JSON) with secret redaction."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# Why: keys, tokens and passwords must never reach a log line, even inside URLs or messages.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(wsp_[a-z0-9]{4,}_)[A-Za-z0-9_\-]+"),
    re.compile(r"(?i)(bot)\d+:[A-Za-z0-9_\-]+"),
    re.compile(r"(?i)(://[^:/@\s]+:)[^@\s]+(@)"),
    re.compile(
        r"(?i)((?:api[_-]?key|token|password|secret|authorization)[\"']?\s*[=:]\s*[\"']?)[^\s,\"'&]+"
    ),
]
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


def redact(text: str) -> str:
    """Mask anything that looks like a credential."""
    for pattern in _SECRET_PATTERNS:
        groups = pattern.groups
        if groups >= 2:
            text = pattern.sub(lambda m: m.group(1) + "***" + (m.group(2) or ""), text)
        else:
            text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    rid = request_id_var.get()
    if rid:
        out["request_id"] = rid
    for key, value in record.__dict__.items():
        if key not in _RESERVED and not key.startswith("_") and key not in out:
            out[key] = value
    if record.exc_info:
        out["exc"] = logging.Formatter().formatException(record.exc_info)
    return out


class KeyValueFormatter(logging.Formatter):
    """Render records as `key=value` pairs."""

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        for key, value in _fields(record).items():
            text = str(value)
            if not text or any(c in text for c in ' ="\n'):
                text = json.dumps(text, ensure_ascii=False)
            parts.append(f"{key}={text}")
        return redact(" ".join(parts))


class JsonFormatter(logging.Formatter):
    """Render records as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(json.dumps(_fields(record), ensure_ascii=False, default=str))


def configure_logging(level: str = "INFO", fmt: str = "kv") -> None:
    """Install the structured formatter on the root logger (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_waspada", False):
            root.removeHandler(old)
    handler._waspada = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
