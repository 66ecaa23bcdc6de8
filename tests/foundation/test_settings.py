"""Settings come from WASPADA_* variables and fail clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.core.settings import SettingsError, load_settings


def test_defaults_point_at_sqlite_in_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WASPADA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WASPADA_DATABASE_URL", raising=False)
    s = load_settings()
    assert s.db_url == f"sqlite:///{tmp_path / 'waspada.db'}"
    assert s.api_host == "127.0.0.1" and s.api_port == 8000
    assert s.is_sqlite


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASPADA_DATABASE_URL", "postgresql+psycopg://u:p@db/w")
    monkeypatch.setenv("WASPADA_API_PORT", "9001")
    monkeypatch.setenv("WASPADA_TELEGRAM_BOT_TOKEN", "123:abc")
    s = load_settings()
    assert s.db_url == "postgresql+psycopg://u:p@db/w" and not s.is_sqlite
    assert s.api_port == 9001
    assert "123:abc" not in repr(s)  # secrets are SecretStr


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASPADA_LOG_LEVEL", "warning")
    assert load_settings().log_level == "WARNING"


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("WASPADA_API_PORT", "eighty"),
        ("WASPADA_API_PORT", "70000"),
        ("WASPADA_LOG_LEVEL", "LOUD"),
        ("WASPADA_DATABASE_URL", "not a url"),
        ("WASPADA_DB_WAIT", "soon"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert var in str(info.value)
    assert value in str(info.value)
