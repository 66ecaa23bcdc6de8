"""`waspada notebooks run`: execute the researchers' notebooks headless, figures as images.

Each notebook runs top to bottom in a fresh kernel (nbclient) against the database the
settings name; the executed copy, an HTML rendering and every figure as a PNG go to the
output folder. A failing cell stops that notebook (its partial copy is kept and the cell is
named in one line) and the others still run. Promotion stays the notebook's own decision:
`02_retrain` promotes only when its first cell sets `PROMOTE = True`.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from monitor.cli.common import echo_err, fail

app = typer.Typer(
    help="Researchers' notebooks: run them headless.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

NEED_EXTRA = "install the research extra first: python3 -m pip install -e '.[research]'"


@dataclass
class NotebookRun:
    """What one notebook run produced."""

    name: str
    seconds: float = 0.0
    figures: list[Path] = field(default_factory=list)
    error: str | None = None


def default_folder() -> Path:
    """`./notebooks` when run from a checkout, else the one beside the installed package."""
    here = Path.cwd() / "notebooks"
    return here if here.is_dir() else Path(__file__).resolve().parents[2] / "notebooks"


def select(folder: Path, names: list[str]) -> list[Path]:
    """The notebooks to run, in file order: all, or those matching a name or its number."""
    books = sorted(folder.glob("*.ipynb"))
    if not names:
        return books
    chosen = []
    for wanted in names:
        stem = wanted.removesuffix(".ipynb")
        hits = [b for b in books if b.stem == stem or b.stem.split("_", 1)[0] == stem]
        hits = hits or [b for b in books if stem in b.stem]
        if len(hits) != 1:
            known = ", ".join(b.stem for b in books) or "none"
            raise ValueError(f"no single notebook matches {wanted!r} (have: {known})")
        chosen.append(hits[0])
    return sorted(set(chosen))


def run_one(path: Path, out: Path, timeout: int) -> NotebookRun:
    """Execute one notebook into `out`: executed .ipynb, .html and one PNG per figure."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    result = NotebookRun(path.stem)
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent.parent)}},
    )
    started = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as exc:
        result.error = _first_line_of(exc)
    except Exception as exc:  # a dead kernel or a timeout: name it, keep the partial copy
        result.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0:1]}"
    result.seconds = round(time.monotonic() - started, 1)
    nbformat.write(book, out / f"{path.stem}.ipynb")
    result.figures = _save_figures(book, out / path.stem)
    _write_html(book, out / f"{path.stem}.html")
    return result


def _first_line_of(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    # nbclient's message ends with the exception line ("ValueError: ..."); keep that.
    errors = [line for line in lines if "Error" in line.split(":", 1)[0]]
    return (errors[-1] if errors else lines[-1] if lines else type(exc).__name__)[:300]


def _save_figures(book: Any, folder: Path) -> list[Path]:
    saved = []
    for number, cell in enumerate(book.cells, start=1):
        for k, output in enumerate(cell.get("outputs", []), start=1):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"cell{number:02d}-{k}.png"
            target.write_bytes(base64.b64decode(data["image/png"]))
            saved.append(target)
    return saved


def _write_html(book: Any, target: Path) -> None:
    try:
        from nbconvert import HTMLExporter
    except ImportError:  # JupyterLab brings nbconvert; without it the .ipynb and PNGs remain
        return
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(book)
    target.write_text(body, encoding="utf-8")


@app.command("run")
def run_command(
    names: list[str] = typer.Argument(
        None, help="Notebooks to run by name or number (01, 02_retrain); all when omitted"
    ),
    out: Path = typer.Option(Path("notebook_output"), "--out", help="Where results go"),
    folder: Path | None = typer.Option(None, "--dir", help="Folder of the .ipynb files"),
    timeout: int = typer.Option(1800, "--timeout", min=10, help="Seconds allowed per cell"),
) -> None:
    """Execute notebooks headless into notebook_output/: executed copy, HTML, figures as PNG."""
    try:
        import nbclient  # noqa: F401  (checked here for a clear line, used in run_one)
        import nbformat  # noqa: F401
    except ImportError:
        raise fail(NEED_EXTRA, 2) from None
    source = folder or default_folder()
    try:
        books = select(source, list(names or []))
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    if not books:
        raise fail(f"no notebooks in {source}", 2)
    out.mkdir(parents=True, exist_ok=True)
    # The notebooks save their own figures to NOTEBOOK_OUTPUT; the kernel inherits it.
    os.environ["NOTEBOOK_OUTPUT"] = str(out.resolve())
    failed = 0
    for book in books:
        echo_err(f"menjalankan {book.stem} ...")
        run = run_one(book, out, timeout)
        where = out / f"{book.stem}.ipynb"
        if run.error:
            failed += 1
            typer.echo(f"{run.name}: GAGAL setelah {run.seconds} s: {run.error} ({where})")
        else:
            typer.echo(
                f"{run.name}: ok dalam {run.seconds} s, {len(run.figures)} gambar -> {where}"
            )
    if failed:
        raise typer.Exit(1)
