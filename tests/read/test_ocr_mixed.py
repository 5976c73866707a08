"""Mixed PDFs: typed pages with a text layer and scanned pages in one file (a report assembled from a
word processor's export and a scanner's pages of the tables). In ``auto`` mode both kinds of page
are read into one Document; ``off`` reads only the text layer. Generated reports, their own truth."""

from __future__ import annotations

from functools import cache

from nianbao.options import RunOptions
from nianbao.parse.report import parse_bytes
from nianbao.read import read_document
from nianbao.synth.generate import sample_report
from nianbao.synth.render_scan import ScanStyle, replace_by_scans
from nianbao.synth.truth import compare, truth_json

_CELLS = ("proactive.", "applications.", "litigation.")


@cache
def _mixed() -> tuple[bytes, dict[str, object]]:
    spec, pdf = sample_report(2, "pdf", 2023)
    truth = {
        k: v for k, v in truth_json(spec).items() if k not in ("organ_level", "province", "city", "county")
    }
    # page 2 holds tables 3 and 4: it becomes a noisy JPEG'd scan, pages 1 and 3 keep their text
    return replace_by_scans(pdf, ScanStyle(noise=6, jpeg=70, seed=2), [2]), truth


def test_mixed_pdf_reads_typed_and_scanned_pages_into_one_document() -> None:
    mixed, truth = _mixed()
    doc = read_document(mixed, "pdf", RunOptions())
    assert doc.ocr_pages == (2,)
    assert list(doc.pages or ()) == sorted(doc.pages or ())
    assert set(doc.pages or ()) == {1, 2, 3}
    tables = [line.table for line in doc.lines if line.table is not None]
    assert tables == sorted(tables)  # numbered in page order,
    assert len(set(tables)) >= 4  # none shared between the typed and the scanned pages
    r = parse_bytes(mixed, "mixed.pdf")
    assert (r.report["status"], r.report["ocr_pages"]) == ("ok", "2")
    found = compare(r, truth)
    assert [m for m in found if m.startswith(_CELLS)] == []  # every cell of every table exact
    assert not [m for m in found if m.startswith("unexpected error")], found


def test_mixed_pdf_with_ocr_off_reads_only_the_typed_pages() -> None:
    mixed, truth = _mixed()
    r = parse_bytes(mixed, "mixed.pdf", options=RunOptions.resolve({"ocr": {"mode": "off"}}))
    assert r.report["ocr_pages"] is None
    missing = [m for m in compare(r, truth) if m.startswith("applications.")]
    assert any(m.endswith("got None") for m in missing)  # table 3 was on the scanned page
    assert not [m for m in compare(r, truth) if m.startswith("proactive.")]  # table 2 (page 1) read
