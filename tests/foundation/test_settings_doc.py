"""docs/configuration.md's settings table is generated from `Settings` and kept in sync."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.core import settings_doc
from monitor.core.settings import Settings


def test_every_setting_is_described() -> None:
    missing = [name for name, info in Settings.model_fields.items() if not info.description]
    assert not missing, f"add description= to these Settings fields: {missing}"


def test_configuration_page_matches_settings() -> None:
    current = settings_doc.DOC.read_text(encoding="utf-8")
    assert settings_doc.updated(current) == current, (
        f"{settings_doc.DOC} is out of date with Settings; run `{settings_doc.REGENERATE}`"
    )
    for name in Settings.model_fields:
        assert f"`WASPADA_{name.upper()}`" in current


def test_check_mode_reports_a_stale_page(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    stale = tmp_path / "configuration.md"
    stale.write_text(
        f"# C\n\n{settings_doc.BEGIN}\n| old |\n{settings_doc.END}\n", encoding="utf-8"
    )
    monkeypatch.setattr(settings_doc, "DOC", stale)
    assert settings_doc.main(["--check"]) == 1
    assert settings_doc.REGENERATE in capsys.readouterr().err
    assert settings_doc.main([]) == 0
    assert settings_doc.main(["--check"]) == 0
    assert "`WASPADA_DATA_DIR`" in stale.read_text(encoding="utf-8")


def test_a_page_without_markers_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="lacks the markers"):
        settings_doc.updated("# no table here\n")


def test_durations_render_as_iso_8601() -> None:
    assert settings_doc._iso_duration(timedelta(seconds=30)) == "PT30S"
    assert settings_doc._iso_duration(timedelta(days=7)) == "P7D"
    assert settings_doc._iso_duration(timedelta(hours=1, minutes=30)) == "PT1H30M"
