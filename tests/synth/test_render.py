"""Rendering: deterministic bytes, labelled synthetic, labels from the templates, real-looking layouts."""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from pdfminer.high_level import extract_text
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser

from nianbao.synth import generate
from nianbao.synth.generate import render_report, sample_report
from nianbao.synth.render_text import TEXT_LAYOUTS

LABEL = "合成数据 SYNTHETIC DATA"


@pytest.fixture(scope="module")
def corpus_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[Path]]:
    a, b = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    paths = generate(a, 12, seed=11, damage_rate=0.5, years=(2020, 2022))
    generate(b, 12, seed=11, damage_rate=0.5, years=(2020, 2022))
    return a, b, paths


def test_same_seed_same_bytes_in_every_format(corpus_twice: tuple[Path, Path, list[Path]]) -> None:
    a, b, paths = corpus_twice
    assert {p.suffix for p in paths} == {".txt", ".html", ".pdf", ".docx"}
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert len(files) == 12 * 2 + 2  # reports, truths, places.csv, manifest.json
    for rel in files:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_another_seed_gives_another_corpus(
    tmp_path: Path, corpus_twice: tuple[Path, Path, list[Path]]
) -> None:
    _a, _, paths = corpus_twice
    other = generate(tmp_path, 12, seed=12, damage_rate=0.5, years=(2020, 2022))
    assert [p.read_bytes() for p in other] != [p.read_bytes() for p in paths]


def test_rerun_removes_files_of_the_previous_run(tmp_path: Path) -> None:
    generate(tmp_path, 6, formats=("txt",), seed=1, years=(2024, 2025))
    kept = generate(tmp_path, 2, formats=("txt",), seed=1, years=(2025, 2025))
    assert sorted(p.name for p in tmp_path.glob("*.txt")) == sorted(p.name for p in kept)
    assert len(list((tmp_path / "expected").glob("*.json"))) == 2


def test_every_format_says_it_is_synthetic() -> None:
    _, data = sample_report(2, "txt", 2023)
    assert LABEL in data.decode("utf-8")
    _, data = sample_report(2, "html", 2023)
    page = data.decode("utf-8")
    assert page.count(LABEL) >= 3  # comment, banner, notice paragraph
    assert page.index(LABEL, 100) > page.index("政府信息公开工作年度报告</p>")  # not before the title
    _, data = sample_report(2, "pdf", 2023)
    info = PDFDocument(PDFParser(io.BytesIO(data))).info[0]
    assert b"synthetic" in info["Creator"]
    assert LABEL in extract_text(io.BytesIO(data))
    _, data = sample_report(2, "docx", 2023)
    document = docx.Document(io.BytesIO(data))
    assert "SYNTHETIC" in document.core_properties.subject
    assert any(LABEL in p.text for p in document.paragraphs)


def test_html_is_a_portal_page_without_external_references() -> None:
    spec, data = sample_report(4, "html", 2021)
    page = data.decode("utf-8")
    assert '<meta charset="utf-8"/>' in page
    assert "rowspan=" in page
    assert "colspan=" in page
    assert 'style="' in page
    assert re.search(r"(?:src|href)=\"(?:https?:)?//", page) is None
    assert "http" not in page
    report = page.index('id="zoom"')
    assert page.index('class="nav"') < report < page.index('class="footer"')
    assert page.index(f"{spec.organ.title_name}{spec.year}年", report) < page.index("一、总体情况")


def test_pdf_text_is_extractable_cjk() -> None:
    spec, data = sample_report(5, "pdf", 2020)
    text = extract_text(io.BytesIO(data))
    assert spec.organ.title_name in text
    for label in ("一、本年新收政府信息公开申请数量", "对外公开总数量", "复议后起诉"):
        assert label in text.replace("\n", "")


def test_docx_tables_have_word_merges() -> None:
    _spec, data = sample_report(6, "docx", 2024)
    xml = docx.Document(io.BytesIO(data)).element.xml
    assert "w:gridSpan" in xml
    assert 'w:vMerge w:val="restart"' in xml
    assert len(docx.Document(io.BytesIO(data)).tables) == 3


@pytest.mark.parametrize("year", [2020, 2024])
def test_every_template_label_is_printed(year: int) -> None:
    """Labels come from the template data: each row, column, item and measure appears (or a variant)."""
    spec, data = sample_report(8, "txt", year)
    text = re.sub(r"\s", "", data.decode("utf-8")).replace("（", "(").replace("）", ")")
    t = spec.template
    labels = [(r.label, *r.variants) for r in t.table3_rows if r.key in {p.key for p in spec.printed.table3}]
    labels += [(c.label, *c.variants) for c in t.table3_columns]
    labels += [(i.label, *i.variants) for i in t.table2_items]
    labels += [(m.label.split("(")[0],) for m in t.table2_measures]
    labels += [(p.label,) for p in t.table4_proceedings] + [(r.label,) for r in t.table4_results]
    for options in labels:
        assert any(re.sub(r"\s", "", o) in text for o in options), options


def test_each_text_layout_prints_the_table_its_own_way() -> None:
    spec, _ = sample_report(9, "txt", 2022)
    outputs = {}
    for layout in TEXT_LAYOUTS:
        spec.style.layout = layout
        spec.style.blank = "" if layout == "pipe" else "-"
        outputs[layout] = render_report(9, 9, spec).decode("utf-8")
    assert " | " in outputs["pipe"]
    assert "\t" not in outputs["pipe"]
    assert "## " in outputs["markdown"]
    assert "\n\n0\n\n" in outputs["cell_per_line"]
    assert "\t\t" in outputs["tab_matrix"]
    assert outputs["tab_matrix"] != outputs["tab_owned"]
