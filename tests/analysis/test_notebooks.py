"""The notebook suite under papermill: committed clean, runs on the seeds and a synthetic corpus with
default and non-default parameters, renders self-contained HTML, and survives a failing notebook."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_notebook

from analysis_frames import DEFAULT_CHARTS, Rendered, Synthetic, render
from nianbao.analysis import metrics as m
from nianbao.render.command import report_command
from nianbao.render.pipeline import NOTEBOOKS, default_notebooks_dir, run_report

NOTEBOOK_DIR = Path(__file__).parents[2] / "notebooks"
PARAMETERS = {
    "parsed",
    "years",
    "province",
    "city",
    "county",
    "organ_level",
    "organ",
    "lang",
    "include_flagged",
    "min_n",
    "max_organs",
    "corpus_dir",
}
NETWORK = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I
)
BUNDLE = "<script>\nif (!window.vegaEmbed) {\n"
MAX_PAGE = 5_000_000


def test_notebooks_are_committed_clean() -> None:
    assert default_notebooks_dir().resolve() == NOTEBOOK_DIR.resolve()  # the package links to notebooks/
    found = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))
    assert found == list(NOTEBOOKS)
    for name in NOTEBOOKS:
        nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        for cell in code:
            assert cell.outputs == [], f"{name}: outputs committed"
            assert cell.execution_count is None, f"{name}: execution count committed"
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, name
        names = set(re.findall(r"^(\w+) = ", tagged[0].source, re.M))
        assert names == PARAMETERS, name
        assert "enable_offline()" in code[0].source, (
            f"{name}: first code cell must enable the offline renderer"
        )
        # thin: every code cell is a few lines; the work is in the library
        assert max(len(c.source.splitlines()) for c in code if c is not tagged[0]) <= 10, name
        # each chart has reading guidance in the markdown cell before it
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and "charts." in cell.source and "import" not in cell.source:
                assert nb.cells[i - 1].cell_type == "markdown", f"{name}: chart cell {i} without guidance"


def _check_pages(report: Rendered, min_charts: dict[str, int]) -> None:
    failed = [(p.name, p.describe()) for p in report.pages if not p.ok]
    assert not failed, failed
    assert [p.name for p in report.pages] == list(NOTEBOOKS)
    index = (report.out / "index.html").read_text(encoding="utf-8")
    for page in report.pages:
        assert page.html is not None
        assert f'href="{page.html.name}"' in index
        html = page.html.read_text(encoding="utf-8")
        assert page.size == page.html.stat().st_size < MAX_PAGE, page.name
        assert NETWORK.search(html) is None, f"{page.name}: network reference {NETWORK.search(html)}"
        assert html.count(BUNDLE) == 1, f"{page.name}: vega bundle must be inlined exactly once"
        charts = html.count('class="nianbao-chart"')
        assert charts >= min_charts[page.name], (page.name, charts)
        # every chart's spec is embedded in the page, data included
        assert html.count("var spec = {") == charts
        assert html.count('"values":') >= charts
        assert "Traceback" not in html


def _render_checked(parsed: Path, out: Path, **params: Any) -> Rendered:
    """Render with non-default parameters (English, flagged reports kept, unless overridden) and
    check every page as :func:`_check_pages` does."""
    report = render(parsed, out, {"lang": "en", "include_flagged": True, **params})
    _check_pages(report, DEFAULT_CHARTS)
    return report


def test_synthetic_corpus_default_parameters(synthetic_report: Rendered, synthetic: Synthetic) -> None:
    _check_pages(synthetic_report, DEFAULT_CHARTS)
    index = (synthetic_report.out / "index.html").read_text(encoding="utf-8")
    assert "33" in index  # files in the corpus summary
    page = (synthetic_report.out / "04_organ_profile.html").read_text(encoding="utf-8")
    subject = m.default_organ(m.select(synthetic.frames))
    assert f"organ: {subject}; 3 peer organ(s);" in page  # most reports, peers, applications handled


def test_synthetic_corpus_other_parameters(tmp_path: Path, synthetic_dir: Path) -> None:
    organ = "甲县第2镇人民政府"
    _render_checked(synthetic_dir, tmp_path / "out", county="甲县", years=[2021, 2022], organ=organ, min_n=3)
    page = (tmp_path / "out" / "02_applications.html").read_text(encoding="utf-8")
    assert "applications (new + carried over)" in page
    assert "丙县" not in page.split("var spec", 1)[1]  # the county filter reached the charts
    profile = (tmp_path / "out" / "04_organ_profile.html").read_text(encoding="utf-8")
    assert f"organ: {organ}; 3 peer organ(s);" in profile


def test_seeds_default_parameters(seeds_report: Rendered) -> None:
    """The seeds as `make report CORPUS=../shared/seeds` sees them: through the parser."""
    _check_pages(seeds_report, DEFAULT_CHARTS)


def test_seeds_other_parameters(tmp_path: Path, seeds_dir: Path) -> None:
    organ = "民权县褚庙乡人民政府"
    _render_checked(
        seeds_dir, tmp_path / "out", organ_level="township", years=[2021, 2023], organ=organ, min_n=1
    )
    page = (tmp_path / "out" / "01_proactive_disclosure.html").read_text(encoding="utf-8")
    assert "深州市人民政府办公室" not in page  # a county department: filtered out by organ_level
    profile = (tmp_path / "out" / "04_organ_profile.html").read_text(encoding="utf-8")
    assert f"organ: {organ}; 0 peer organ(s);" in profile


def test_an_unknown_organ_fails_the_profile_only(tmp_path: Path, synthetic_dir: Path) -> None:
    pages = run_report(
        synthetic_dir,
        tmp_path / "out",
        parameters={"organ": "甲县第2乡人民政府"},
        only=["03", "04"],
        jobs=2,
        progress=lambda _l: None,
    )
    assert [p.ok for p in pages] == [True, False]
    assert pages[1].error is not None
    assert "did you mean 甲县第2镇人民政府" in pages[1].error


def _tiny(path: Path, body: str) -> None:
    params = new_code_cell("parsed = None")
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params, new_code_cell("x = 1"), new_code_cell(body)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_a_failing_notebook_names_its_cell_and_spares_the_others(tmp_path: Path, synthetic_dir: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    _tiny(books / "00_fine.ipynb", "print('fine', parsed)")
    _tiny(books / "01_broken.ipynb", "raise ValueError('no such county: <b>x</b>')")
    pages = run_report(synthetic_dir, tmp_path / "out", notebooks=books, jobs=2, progress=lambda _l: None)
    fine, broken = pages
    assert fine.ok
    assert fine.html is not None
    assert fine.html.is_file()
    assert not broken.ok
    assert broken.failed_cell == 4  # In [4]: papermill counts its injected parameters cell
    assert broken.error == "ValueError: no such county: <b>x</b>"
    assert broken.html is not None
    assert "no such county" in broken.html.read_text(encoding="utf-8")
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "FAILED in cell 4" in index
    assert "&lt;b&gt;x&lt;/b&gt;" in index

    runner = CliRunner()
    result = runner.invoke(
        report_command,
        [
            "--parsed",
            str(synthetic_dir),
            "--out",
            str(tmp_path / "cli"),
            "--notebooks",
            str(books),
            "--only",
            "01",
        ],
    )
    assert result.exit_code == 1
    assert "01_broken" in result.output
    assert "[1/1] 01_broken" in result.output  # progress lines
    assert "FAILED in cell 4: ValueError" in result.output
    assert (tmp_path / "cli" / "01_broken.html").is_file()


@pytest.mark.parametrize(("failures", "ok"), [(1, True), (2, False)])
def test_a_kernel_that_fails_to_start_is_tried_once_more(
    tmp_path: Path, synthetic_dir: Path, monkeypatch: pytest.MonkeyPatch, failures: int, ok: bool
) -> None:
    """A failure outside the cells (a kernel that died at start) gets one more attempt; a cell's
    error does not (see the test above: its page reports the cell)."""
    import papermill

    books = tmp_path / "books"
    books.mkdir()
    _tiny(books / "00_fine.ipynb", "print('fine', parsed)")
    real = papermill.execute_notebook
    calls: list[str] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(args[0]))
        if len(calls) <= failures:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    (page,) = run_report(synthetic_dir, tmp_path / "out", notebooks=books, progress=lambda _l: None)
    assert len(calls) == 2
    assert page.ok is ok
    assert page.error == (None if ok else "RuntimeError: Kernel died before replying to kernel_info")


def test_cli_explains_a_folder_that_is_not_parsed(tmp_path: Path) -> None:
    result = CliRunner().invoke(report_command, ["--parsed", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "nianbao parse" in result.output
    help_text = CliRunner().invoke(report_command, ["--help"]).output
    assert "-p, --parameter NAME VALUE" in help_text


@pytest.mark.parametrize(
    ("text", "value"), [("2021", 2021), ("[2021, 2022]", [2021, 2022]), ("true", True), ("民权县", "民权县")]
)
def test_parameter_values_parse(text: str, value: object) -> None:
    from nianbao.render.command import parse_value

    assert parse_value(text) == value
