"""Logs are structured and never carry secrets."""

from __future__ import annotations

import json
import logging

import pytest

from monitor.core.logging import JsonFormatter, KeyValueFormatter, redact


@pytest.mark.parametrize(
    "secret_text",
    [
        "calling https://api.telegram.org/bot123456:AAHsecretTOKEN/sendMessage",
        "postgresql+psycopg://waspada:hunter2pass@db:5432/w",
        "Authorization: Bearer wsp_ab12cd_verysecretkeymaterial",
        "api_key=sk_live_abcdef123",
    ],
)
def test_redact_masks_credentials(secret_text: str) -> None:
    out = redact(secret_text)
    for leaked in ("AAHsecretTOKEN", "hunter2pass", "verysecretkeymaterial", "sk_live_abcdef123"):
        assert leaked not in out


def test_formatters_emit_fields() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "fetched %d", (3,), None)
    record.source = "kompas"
    kv = KeyValueFormatter().format(record)
    assert 'msg="fetched 3"' in kv and "source=kompas" in kv
    data = json.loads(JsonFormatter().format(record))
    assert data["msg"] == "fetched 3" and data["source"] == "kompas" and data["level"] == "info"
