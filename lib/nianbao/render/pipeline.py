"""``make report``: run every notebook with papermill, convert each to offline HTML, write an index.

Each notebook runs in its own kernel with the same parameters (the parsed corpus, filters, language),
then nbconvert renders it with the ``nianbao`` template (code hidden, no CDN). A notebook that fails
is still rendered, with papermill's banner naming the failing cell, and the others go on; the index
lists every page with its status and the corpus summary.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from importlib import resources
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter
from papermill.exceptions import PapermillExecutionError

from nianbao.analysis import metrics
from nianbao.errors import NianbaoError
from nianbao.render import template_dir
from nianbao.render.index import write_index
from nianbao.render.methods import write_methods
from nianbao.render.params import validate

__all__ = [
    "NOTEBOOKS",
    "PageResult",
    "default_notebooks_dir",
    "render_notebook",
    "run_report",
    "selection_summary",
]

NOTEBOOKS = (
    "00_corpus_overview",
    "01_proactive_disclosure",
    "02_applications",
    "03_review_litigation",
    "04_organ_profile",
)


@dataclass(frozen=True, slots=True)
class PageResult:
    """What happened to one notebook: where its page is and, if it failed, in which cell and why."""

    name: str
    html: Path | None
    ok: bool
    seconds: float
    size: int = 0
    failed_cell: int | None = None
    error: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"ok  {self.seconds:5.1f} s  {self.size / 1e6:5.2f} MB"
        where = f"cell {self.failed_cell}" if self.failed_cell is not None else "before any cell ran"
        return f"FAILED in {where}: {self.error}"


def default_notebooks_dir() -> Path:
    """The notebooks shipped inside the package (``nianbao/notebooks``: in a checkout, a link to the
    top-level ``notebooks/``; in an installed wheel, copies of them).

    >>> [p.stem for p in sorted(default_notebooks_dir().glob("[0-9][0-9]_*.ipynb"))] == list(NOTEBOOKS)
    True
    """
    return Path(str(resources.files("nianbao") / "notebooks"))


@cache
def _html_exporter() -> Any:

    exporter = HTMLExporter(template_name="nianbao", extra_template_basedirs=[str(template_dir())])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.embed_images = True
    return exporter


def _convert(executed: Path, target: Path) -> int:

    notebook = nbformat.read(executed, as_version=4)
    body, _resources = _html_exporter().from_notebook_node(notebook)
    target.write_text(body, encoding="utf-8")
    return target.stat().st_size


def _kernel_manager(log: Path) -> type:
    """A kernel manager whose kernel writes its stderr to ``log``.

    ipykernel's warnings (TCP without encryption, KeyboardInterrupt caught at shutdown) would
    otherwise interleave with the progress lines; a failing cell reaches the notebook through the
    kernel's messages, not its stderr, so nothing a reader needs is hidden.
    """

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            with log.open("wb") as sink:  # the kernel keeps its own copy of the descriptor
                await super()._async_launch_kernel(kernel_cmd, **{**kw, "stderr": sink})

    return QuietKernelManager


# A failure outside the notebook's cells (seen: "Kernel died before replying to kernel_info" when
# parallel renders start kernels at once, which pick their TCP ports independently) is tried again.
_KERNEL_ATTEMPTS = 2


def render_notebook(
    notebook: Path, out_dir: Path, parameters: Mapping[str, Any], kernel: str = "python3"
) -> PageResult:
    """Execute one notebook with papermill and convert it; never raises for a failing notebook.

    A failing cell still gives a page (papermill's banner names the cell) and a result saying where.

    >>> import shutil, tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
    ...                                      nbformat.v4.new_code_cell("print('甲镇', x * 2)")])
    >>> nb.metadata.kernelspec = {"name": "python3", "language": "python", "display_name": "Python 3"}
    >>> nbformat.write(nb, d / "07_tiny.ipynb")
    >>> page = render_notebook(d / "07_tiny.ipynb", d / "out", {"x": 21})
    >>> page.ok, page.html.name, "甲镇 42" in page.html.read_text(encoding="utf-8")
    (True, '07_tiny.html', True)
    >>> nb.cells[1].source = "1 / 0"
    >>> nbformat.write(nb, d / "08_broken.ipynb")
    >>> broken = render_notebook(d / "08_broken.ipynb", d / "out", {})
    >>> broken.ok, broken.failed_cell, broken.error, broken.html.name
    (False, 2, 'ZeroDivisionError: division by zero', '08_broken.html')
    >>> shutil.rmtree(d)
    """

    name = notebook.stem
    executed = out_dir / "executed" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.html"
    start = time.perf_counter()
    failed_cell: int | None = None
    error: str | None = None
    for attempt in range(_KERNEL_ATTEMPTS):
        error = None
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=dict(parameters),
                kernel_name=kernel,
                progress_bar=False,
                cwd=str(notebook.parent),
                kernel_manager_class=_kernel_manager(executed.with_suffix(".kernel.log")),
            )
        except PapermillExecutionError as exc:  # a cell failed: the notebook's own error, not retried
            failed_cell, error = exc.exec_count, f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # a kernel that did not start, a notebook that does not parse
            error = f"{type(exc).__name__}: {exc}"
            if attempt + 1 < _KERNEL_ATTEMPTS:
                continue
        break
    size = 0
    html: Path | None = None
    if executed.is_file():
        try:
            size = _convert(executed, target)
            html = target
        except Exception as exc:  # report a conversion failure the same way as an execution failure
            error = error or f"nbconvert: {type(exc).__name__}: {exc}"
    ok = error is None
    return PageResult(name, html, ok, time.perf_counter() - start, size, failed_cell, error)


_FILTERS = ("years", "province", "city", "county", "organ_level")


def selection_summary(frames: metrics.Frames, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The index's corpus summary of what the pages show: the files the parameters select (every
    status, flagged reports counted), beside the size of the whole corpus.

    >>> import shutil, tempfile
    >>> from nianbao import read_corpus
    >>> from nianbao.synth.generate import generate
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = generate(d / "corpus", 4, formats=("txt",), seed=1, years=(2023, 2024))
    >>> frames = read_corpus(d / "corpus", cache=False, progress=False, jobs=1)
    >>> s = selection_summary(frames, {"years": [2023], "county": None})
    >>> s["files"], s["organs"], s["corpus_files"], s["corpus_organs"], s["filters"]
    (2, 2, 4, 2, {'years': [2023]})
    >>> shutil.rmtree(d)
    """
    filters = {k: parameters[k] for k in _FILTERS if parameters.get(k) not in (None, "")}
    scope = metrics.select(frames, **filters, include_flagged=True, usable_only=False)
    summary = metrics.corpus_summary(scope)
    summary["corpus_files"] = frames.reports.height
    summary["corpus_organs"] = frames.reports["organ_id"].drop_nulls().n_unique()
    summary["filters"] = filters
    return summary


def _notebooks(folder: Path, only: Sequence[str] | None) -> list[Path]:
    found = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        found = [p for p in found if any(p.stem == o or p.stem.startswith(o) for o in only)]
    if not found:
        raise NianbaoError(f"no notebooks matching {list(only or [])} in {folder}")
    return found


def run_report(
    parsed: str | Path,
    out: str | Path = "outputs",
    *,
    parameters: Mapping[str, Any] | None = None,
    notebooks: str | Path | None = None,
    only: Sequence[str] | None = None,
    jobs: int = 1,
    kernel: str = "python3",
    corpus_label: str | None = None,
    corpus: str | Path | None = None,
    progress: Callable[[str], None] = print,
) -> list[PageResult]:
    """Render every notebook of ``notebooks`` on the parsed corpus into ``out``, then ``out/index.html``.

    ``parameters`` override the notebooks' ``parameters`` cell (``parsed`` is always set to the
    absolute path of ``parsed``). ``jobs`` > 1 runs notebooks in parallel processes. ``corpus``, the
    folder the reports were parsed from, becomes the ``corpus_dir`` parameter as a path relative to
    ``out``, so the pages link each report they name to its file (and the links survive moving
    the outputs and the corpus together).

    >>> import shutil, tempfile
    >>> from nianbao import read_corpus
    >>> from nianbao.synth.generate import generate
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = generate(d / "corpus", 4, formats=("txt",), seed=1, years=(2023, 2024))
    >>> _ = read_corpus(d / "corpus", out=d / "parsed", cache=False, progress=False, jobs=1)
    >>> count = 'import polars as pl; print(pl.read_parquet(parsed + "/reports.parquet").height, "reports")'
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell('parsed = ""', metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(count)])
    >>> nb.metadata.kernelspec = {"name": "python3", "language": "python", "display_name": "Python 3"}
    >>> (d / "books").mkdir()
    >>> nbformat.write(nb, d / "books" / "01_count.ipynb")
    >>> pages = run_report(d / "parsed", d / "out", notebooks=d / "books", progress=lambda line: None)
    >>> [(p.name, p.ok) for p in pages], sorted(f.name for f in (d / "out").glob("*.html"))
    ([('01_count', True)], ['01_count.html', 'index.html', 'methods.html'])
    >>> "4 reports" in (d / "out" / "01_count.html").read_text(encoding="utf-8")
    True
    >>> run_report(d / "parsed", d / "out", parameters={"lang": "fr"})
    Traceback (most recent call last):
    ...
    nianbao.errors.NianbaoError: notebook parameter lang = 'fr': expected zh or en
    >>> shutil.rmtree(d)
    """
    parsed_dir = Path(parsed).resolve()
    params = validate({**(parameters or {}), "parsed": str(parsed_dir)})  # before anything is read or run
    frames = metrics.load(parsed_dir)  # fail early, with the hint, when the folder is not a parsed corpus
    out_dir = Path(out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    if corpus is not None and Path(corpus).is_dir():  # files inside an archive cannot be linked
        params["corpus_dir"] = os.path.relpath(Path(corpus).resolve(), out_dir)
    books = _notebooks(Path(notebooks) if notebooks else default_notebooks_dir(), only)
    progress(f"rendering {len(books)} notebooks on {parsed_dir} into {out_dir}")
    results: list[PageResult] = []
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(render_notebook, nb, out_dir, params, kernel) for nb in books]
            for i, future in enumerate(futures, 1):
                results.append(future.result())
                progress(f"[{i}/{len(books)}] {books[i - 1].stem:<26} {results[-1].describe()}")
    else:
        for i, nb in enumerate(books, 1):
            progress(f"[{i}/{len(books)}] {nb.stem:<26} running …")
            results.append(render_notebook(nb, out_dir, params, kernel))
            progress(f"[{i}/{len(books)}] {nb.stem:<26} {results[-1].describe()}")
    label = corpus_label or str(parsed_dir)
    summary = selection_summary(frames, params)
    write_methods(out_dir, frames.reports, params, label)
    index = write_index(out_dir, results, summary, params, label)
    progress(f"index: {index}")
    return results
