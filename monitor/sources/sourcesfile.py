"""The sources file: TOML `[[sources]]` tables, validated all at once with line-free errors."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from monitor.sources.schemas import SourceSpec

DEFAULT_FILE = "default_sources.toml"


class SourcesFileError(ValueError):
    """The sources file is unreadable or invalid; the message names the entry and field."""


def default_path() -> Path:
    """Return the sources file shipped with Waspada."""
    return Path(str(resources.files("monitor.sources").joinpath(DEFAULT_FILE)))


def load(path: Path) -> list[SourceSpec]:
    """Read and validate a sources file; every problem is reported, none is skipped."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesFileError(f"sources file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesFileError(f"cannot read sources file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"sources file {path} is not valid TOML: {exc}") from None
    entries = data.get("sources", [])
    if not isinstance(entries, list):
        raise SourcesFileError(f"{path}: 'sources' must be an array of tables ([[sources]])")
    specs: list[SourceSpec] = []
    problems: list[str] = []
    names: set[str] = set()
    for i, entry in enumerate(entries, 1):
        label = entry.get("name", f"#{i}") if isinstance(entry, dict) else f"#{i}"
        try:
            spec = SourceSpec.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "entry"
                problems.append(f"source {label}: {loc}: {err['msg']}")
            continue
        if spec.name in names:
            problems.append(f"source {spec.name}: name used twice")
        names.add(spec.name)
        specs.append(spec)
    if problems:
        raise SourcesFileError(f"{path}: " + "; ".join(problems))
    return specs
