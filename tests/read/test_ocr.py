"""The OCR reader: scans of a real report (rasterised from its PDF, then degraded) read back to its truth.

Scans are made here from ../shared/corpus/real/hongze_2024.pdf (hand-checked values): grey or colour,
rotated by under a degree, noisy, JPEG-compressed, a red stamp over a table corner, a cell smudged,
pages turned; their truth is the PDF's. OCR is heavy (~3 s a page on one core): each test reads at
most a few pages, and page images are made once per session.
"""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from nianbao.errors import UnreadableFile
from nianbao.grid import Document
from nianbao.options import RunOptions
from nianbao.parse.report import parse_bytes
from nianbao.read import read_document, sniff
from nianbao.read.ocr import read_image
from nianbao.read.ocr_layout import find_tables, grey, ink_mask
from nianbao.read.ocr_settings import OcrSettings
from nianbao.synth.render_scan import ScanStyle, rasterise, scan_page, scanned
from nianbao.synth.truth import compare

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "real"
HONGZE = REAL / "files" / "hongze_2024.pdf"
pytestmark = pytest.mark.skipif(
    not HONGZE.exists(), reason="../shared (real reports) is not beside the checkout"
)


@cache
def _clean_page(n: int) -> np.ndarray:
    return rasterise(HONGZE.read_bytes(), 150, [n])[0]


def _png(img: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG", dpi=(150, 150))
    return buf.getvalue()


def _grid_rows(doc: Document) -> list[tuple[str | None, ...]]:
    return [line.cells for line in doc.lines if line.kind == "grid"]


def test_settings_are_checked() -> None:
    assert OcrSettings.resolve({"dpi": 200}).dpi == 200
    with pytest.raises(ValueError, match="unknown OCR setting"):
        OcrSettings.resolve({"resolution": 200})
    with pytest.raises(ValueError, match="mode must be one of"):
        OcrSettings(mode="always")  # type: ignore[arg-type]
    assert RunOptions.resolve({"ocr": {"mode": "off"}}).ocr.mode == "off"
    assert RunOptions.resolve({"ocr": {"dpi": 200}}).digest("pdf") != ""
    assert RunOptions.resolve({"ocr": {"dpi": 200}}).digest("txt") == ""


def test_images_are_sniffed_and_off_mode_says_what_to_do() -> None:
    page = _png(np.full((40, 30), 255, np.uint8))
    assert sniff(page) == "image"
    assert sniff(b"II*\x00" + b"\x00" * 20) == "image"
    off = RunOptions.resolve({"ocr": {"mode": "off"}})
    r = parse_bytes(page, "p.png", options=off)
    assert (r.report["status"], r.report["format"]) == ("failed", "image")
    assert "OCR is turned off" in r.report["error"]
    scan = scanned(HONGZE.read_bytes(), ScanStyle(), pages=[1])
    r = parse_bytes(scan, "scan.pdf", options=off)
    assert r.report["status"] == "failed"
    assert "no text layer" in r.report["error"]


def test_blank_page_image_is_unreadable_not_empty_report() -> None:
    with pytest.raises(UnreadableFile, match="no text could be recognised"):
        read_image(_png(np.full((1754, 1240), 255, np.uint8)))


def test_upside_down_and_sideways_pages_read_as_upright() -> None:
    """A table page turned by 180° or 90° reads to the same grid rows as the upright page."""
    style = ScanStyle(angle=0.6, noise=5, jpeg=80, seed=1)
    page = scan_page(_clean_page(3), style)
    upright = _grid_rows(read_image(_png(page)))
    assert ("(一)予以公开", None, "50", "0", "0", "0", "0", "0", "50") in [r[2:] for r in upright]
    for k in (2, 1):
        turned = read_image(_png(np.ascontiguousarray(np.rot90(page, k))))
        # (the vertical group label 三、本年度办理结果, one character per line, reads differently)
        assert [r[1:] for r in _grid_rows(turned)] == [r[1:] for r in upright], k
        assert any(f"turned by {90 * (4 - k) % 360}°" in n for n in turned.notes)


def test_blank_template_cells_are_empty_not_zero() -> None:
    """Value cells printed blank read as empty cells (null downstream), never as 0."""
    page = _clean_page(3).copy()
    tables, _ = find_tables(ink_mask(grey(page)), 150)
    t3 = max(tables, key=lambda t: len(t.cells))
    pad = 3
    for cell in t3.cells:
        if cell.col >= 4 and cell.row >= 3:  # the applicant columns below the header
            x0, y0, x1, y1 = cell.box
            page[y0 + pad : y1 - pad, x0 + pad : x1 - pad] = 255
    rows = [r for r in _grid_rows(read_image(_png(page))) if len(r) == 11 and r[3] and r[3][0].isdigit()]
    assert len(rows) >= 8
    assert all(c == "" for r in rows for c in r[4:]), rows


@pytest.mark.slow
def test_scanned_real_report_parses_to_its_truth_and_flags_a_smudged_cell() -> None:
    """The five pages stamped, rotated, noisy and JPEG'd, with one table cell smudged: every other
    cell exact, and the smudged one either exact or flagged (a check names its row or its page)."""
    truth = json.loads((REAL / "expected" / "hongze_2024.json").read_text(encoding="utf-8"))
    style = ScanStyle(angle=0.8, noise=8, jpeg=75, stamp=True, grey=False, seed=4)
    clean = [_clean_page(n).copy() for n in range(1, 6)]
    tables, _ = find_tables(ink_mask(grey(clean[2])), 150)
    t3 = max(tables, key=lambda t: len(t.cells))
    granted = next(c for c in t3.cells if c.row == 5 and c.col == 4)  # (一)予以公开, 自然人: "50"
    x0, y0, x1, y1 = granted.box
    rng = np.random.default_rng(0)
    for _ in range(6):  # grey strokes over the figure
        cx, cy = int(rng.integers(x0 + 14, x1 - 14)), int(rng.integers(y0 + 6, y1 - 6))
        clean[2][cy - 2 : cy + 2, cx - 12 : cx + 12] = 90
    pages = [scan_page(p, style, n) for n, p in enumerate(clean)]
    from PIL import Image

    buf = io.BytesIO()
    images = [Image.fromarray(p) for p in pages]
    images[0].save(buf, "TIFF", save_all=True, append_images=images[1:], dpi=(150, 150))
    r = parse_bytes(buf.getvalue(), "scan.tif")
    assert (r.report["format"], r.report["ocr_pages"]) == ("image", "1-5")
    found = compare(r, truth)
    # every cell outside the smudged row exact, and no alarm there beyond OCR doubts
    assert [m for m in found if "granted" not in m and not m.startswith("unexpected warning ocr_low")] == []
    wrong = [m for m in found if m.startswith("applications.granted.")]
    if wrong:  # the smudged row is not read exactly: a check must say so
        flagged = {c[3] for c in r.checks if c[2] in ("warning", "error")}
        assert any(w.startswith(("table3/granted", "page3/", "table3/*/")) for w in flagged), flagged


def test_image_only_pdf_goes_through_ocr_with_pages_named() -> None:
    """An image-only PDF of two table pages: read by OCR in ``auto`` mode, each line on its page."""
    scan = scanned(HONGZE.read_bytes(), ScanStyle(noise=4, seed=2), pages=[3, 4])
    doc = read_document(scan, "pdf", RunOptions())
    assert (doc.format, doc.ocr_pages) == ("pdf", (1, 2))
    assert set(doc.pages or ()) == {1, 2}
    rows = _grid_rows(doc)
    assert ("四、结转下年度继续办理", None, None, "0", "0", "0", "0", "0", "0", "0") in rows
    assert any(r[-1] == "95" and "总计" in "".join(c or "" for c in r) for r in rows)
