"""Fetching registered datasets into the data directory: download or copy, then verify."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from classifiers.data.registry import DATASETS, DataFile, Dataset
from classifiers.progress import SILENT, Progress, stage


class FetchError(Exception):
    """A dataset file could not be fetched or failed its checksum; nothing was kept."""


@dataclass
class FetchResult:
    """What happened to one dataset."""

    name: str
    status: str  # "fetched", "present", "failed"
    detail: str = ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(tmp: Path, file: DataFile, origin: str) -> None:
    actual = _sha256(tmp)
    if actual != file.sha256:
        tmp.unlink(missing_ok=True)
        raise FetchError(
            f"{file.name} from {origin}: sha256 {actual} does not match the registry "
            f"({file.sha256}); file discarded"
        )


def file_url(ds: Dataset, file: DataFile, mirror: str | None = None) -> str:
    """Return where a file is downloaded from: its canonical URL, or `<mirror>/<dataset>/<file>`."""
    if mirror:
        return f"{mirror.rstrip('/')}/{ds.name}/{file.name}"
    return file.url


def _download(
    client: httpx.Client,
    url: str,
    file: DataFile,
    tmp: Path,
    max_bytes: int,
    progress: Progress = SILENT,
) -> None:
    try:
        with client.stream("GET", url) as resp:
            if resp.status_code != 200:
                raise FetchError(f"{file.name}: HTTP {resp.status_code} from {url}")
            size = 0
            declared = resp.headers.get("content-length", "")
            total = int(declared) if declared.isdigit() else None
            with tmp.open("wb") as fh, stage(progress, f"mengunduh {file.name}", total, "B"):
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"{file.name}: larger than {max_bytes} bytes; refused")
                    fh.write(chunk)
                    progress.advance(len(chunk))
    except httpx.HTTPError as exc:
        tmp.unlink(missing_ok=True)
        raise FetchError(f"{file.name}: download from {url} failed: {exc}") from None
    except FetchError:
        tmp.unlink(missing_ok=True)
        raise


def fetch_dataset(
    ds: Dataset,
    data_dir: Path,
    *,
    source_dir: Path | None = None,
    client: httpx.Client | None = None,
    mirror: str | None = None,
    max_bytes: int = 200 * 1024 * 1024,
    progress: Progress = SILENT,
) -> FetchResult:
    """Fetch every file of a dataset (copy from `source_dir/<name>/` or download), verified."""
    target = ds.folder(data_dir)
    target.mkdir(parents=True, exist_ok=True)
    fetched = 0
    for file in ds.files:
        dest = target / file.name
        if dest.is_file() and _sha256(dest) == file.sha256:
            continue
        tmp = dest.with_name(dest.name + ".part")
        if source_dir is not None:
            src = source_dir / ds.name / file.name
            if not src.is_file():
                raise FetchError(f"{file.name}: not found at {src}")
            shutil.copyfile(src, tmp)
            _verify(tmp, file, str(src))
        else:
            if client is None:
                raise FetchError("no HTTP client given for a download")
            url = file_url(ds, file, mirror)
            _download(client, url, file, tmp, max_bytes, progress)
            _verify(tmp, file, url)
        tmp.replace(dest)
        fetched += 1
    return FetchResult(ds.name, "fetched" if fetched else "present", f"{len(ds.files)} file(s)")


def fetch_many(
    names: list[str],
    data_dir: Path,
    *,
    source_dir: Path | None = None,
    client_factory: Callable[[], httpx.Client] | None = None,
    mirror: str | None = None,
    progress: Progress = SILENT,
) -> list[FetchResult]:
    """Fetch the named datasets (all when empty), continuing past failures."""
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise FetchError(f"unknown dataset(s): {', '.join(unknown)}; see `waspada datasets list`")
    results = []
    client = client_factory() if client_factory and source_dir is None else None
    try:
        for name in names or list(DATASETS):
            try:
                results.append(
                    fetch_dataset(
                        DATASETS[name],
                        data_dir,
                        source_dir=source_dir,
                        client=client,
                        mirror=mirror,
                        progress=progress,
                    )
                )
            except FetchError as exc:
                results.append(FetchResult(name, "failed", str(exc)))
    finally:
        if client is not None:
            client.close()
    return results
