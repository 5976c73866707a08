"""PDFs by their text layer, or by OCR where they have none: the reader :data:`nianbao.read.READERS`
names for PDFs.

``ocr.mode`` ``auto`` reads a PDF without a text layer (scanned page images) by OCR, and in a PDF
with one, its pages that have no text but a page-sized image (a mixed PDF: typed pages with scanned
table pages, as clerks assemble them); ``off`` reads only the text layer (a PDF without one stays
failed with the PDF reader's message); ``force`` reads every page by OCR.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nianbao.errors import NoTextLayer, UnreadableFile
from nianbao.grid import Document
from nianbao.read.ocr_settings import OcrSettings
from nianbao.read.pdf import read_pdf
from nianbao.read.pdf_settings import PdfSettings

__all__ = ["merged", "read_pdf_or_scan", "scanned_pages"]

_SCAN_AREA = 0.5  # an image covering at least half the page is a scan of it


def read_pdf_or_scan(
    data: bytes,
    settings: PdfSettings | Mapping[str, Any] | None = None,
    ocr: OcrSettings | Mapping[str, Any] | None = None,
) -> Document:
    """The PDF's text layer; its pages by OCR when it has none (``auto``) or always (``force``).

    In ``auto`` mode, pages of a PDF with a text layer that are scans (no text, a page-sized image)
    are read by OCR and put in their place among the others (:func:`merged`).

    >>> from nianbao.synth.model import Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> from nianbao.synth.render_scan import ScanStyle, scanned
    >>> pdf = render_pdf([Para("2024年政府信息公开工作年度报告", "title")], "t", author="x")
    >>> doc = read_pdf_or_scan(pdf)  # a text layer: read as it is, no OCR
    >>> doc.lines[0].cells, doc.ocr_pages
    (('2024年政府信息公开工作年度报告',), ())
    >>> read_pdf_or_scan(scanned(pdf, ScanStyle(dpi=30)), ocr={"mode": "off"})
    Traceback (most recent call last):
    ...
    nianbao.errors.NoTextLayer: PDF has no text layer (scanned images?) — OCR it first
    """
    o = OcrSettings.resolve(ocr)
    if o.mode == "force":
        return _ocr(data, o)
    try:
        doc = read_pdf(data, settings)
    except NoTextLayer as e:
        if o.mode == "off":
            raise
        try:
            return _ocr(data, o)
        except UnreadableFile as ocr_error:  # the PDF reader's message first: it says what the file is
            raise NoTextLayer(f"{e}; OCR could not read its pages either ({ocr_error})") from ocr_error
    if o.mode == "off":
        return doc
    pages = scanned_pages(data, doc, PdfSettings.resolve(settings).max_pages)
    if not pages:
        return doc
    try:
        scans = _ocr(data, o, pages)
    except UnreadableFile as e:  # nothing legible on them: the text layer as it is, and a note
        return Document(
            doc.format, doc.lines, doc.title, (*doc.notes, f"scanned pages not read by OCR ({e})"), doc.pages
        )
    return merged(doc, scans)


def _ocr(data: bytes, o: OcrSettings, pages: tuple[int, ...] | None = None) -> Document:
    from nianbao.read.ocr import ocr_pdf  # noqa: PLC0415 (OpenCV and onnxruntime load only when a page is scanned)

    return ocr_pdf(data, o, pages)


def scanned_pages(data: bytes, read: Document, max_pages: int) -> tuple[int, ...]:
    """The pages (1-based, among the first ``max_pages``) on which the text reader found nothing
    that have no text and carry an image covering at least half the page: scans.

    A blank page, or a page of a photo with a caption, is no scan. Only pages without lines are
    opened, so a PDF whose every page has text costs one open of the file.

    >>> from nianbao.synth.model import Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> from nianbao.synth.render_scan import ScanStyle, replace_by_scans
    >>> pdf = render_pdf([Para("年度报告", "title"), *[Para("正文。" * 30)] * 40], "t", author="x")
    >>> mixed = replace_by_scans(pdf, ScanStyle(dpi=30), [2])
    >>> scanned_pages(pdf, read_pdf(pdf), 50), scanned_pages(mixed, read_pdf(mixed), 50)
    ((), (2,))
    """
    import pypdfium2 as pdfium  # noqa: PLC0415 (only PDFs read by their text layer come here)
    import pypdfium2.raw as pdfium_c  # noqa: PLC0415

    with_text = set(read.pages or ())
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return ()
    out = []
    try:
        for n in range(1, min(len(pdf), max_pages) + 1):
            if n in with_text:
                continue
            try:
                page = pdf[n - 1]
            except pdfium.PdfiumError:
                continue
            try:
                text = page.get_textpage()
                chars = text.get_text_range().strip()
                text.close()
                if chars:
                    continue
                w, h = page.get_size()
                for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
                    left, bottom, right, top = obj.get_bounds()
                    if (right - left) * (top - bottom) >= _SCAN_AREA * w * h:
                        out.append(n)
                        break
            except pdfium.PdfiumError:
                continue
            finally:
                page.close()
    finally:
        pdf.close()
    return tuple(out)


def merged(text: Document, scans: Document) -> Document:
    """A PDF's text-layer Document and its scanned pages' OCR Document as one, lines in page order
    (the two read different pages), tables numbered anew in their order of appearance.

    >>> from nianbao.grid import Line, OcrDoubt
    >>> typed = Document("pdf", (Line(("标题",)), Line(("a", "1"), "grid", 0), Line(("附",))), pages=(1, 1, 3))
    >>> ocr = Document("pdf", (Line(("b", "2"), "grid", 0),), notes=("pages read by OCR: 2",), pages=(2,),
    ...                ocr_pages=(2,), ocr_doubts=(OcrDoubt(2, 1, 2, "2", 0.5, "b"),))
    >>> doc = merged(typed, ocr)
    >>> [(line.cells, line.table) for line in doc.lines], doc.pages, doc.ocr_pages, doc.notes
    ([(('标题',), None), (('a', '1'), 0), (('b', '2'), 1), (('附',), None)], (1, 1, 2, 3), (2,), ('pages read by OCR: 2',))
    """
    rows = [(p, 0, i, line) for i, (line, p) in enumerate(zip(text.lines, text.pages or (), strict=True))]
    rows += [(p, 1, i, line) for i, (line, p) in enumerate(zip(scans.lines, scans.pages or (), strict=True))]
    rows.sort(key=lambda r: r[:3])  # by page; the two Documents read different pages
    tables: dict[tuple[int, int], int] = {}
    lines = []
    for _, source, _, line in rows:
        table = line.table
        lines.append(
            line if table is None else line._replace(table=tables.setdefault((source, table), len(tables)))
        )
    return Document(
        text.format,
        tuple(lines),
        text.title,
        (*text.notes, *scans.notes),
        tuple(r[0] for r in rows),
        ocr_pages=scans.ocr_pages,
        ocr_doubts=scans.ocr_doubts,
    )
