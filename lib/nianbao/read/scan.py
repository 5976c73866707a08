"""PDFs by their text layer, or by OCR when they have none: the reader :data:`nianbao.read.READERS`
names for PDFs.

``ocr.mode`` ``auto`` reads a PDF without a text layer (scanned page images) by OCR, ``off``
leaves it failed with the PDF reader's message, ``force`` reads every page by OCR.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nianbao.errors import NoTextLayer, UnreadableFile
from nianbao.grid import Document
from nianbao.read.ocr_settings import OcrSettings
from nianbao.read.pdf import read_pdf
from nianbao.read.pdf_settings import PdfSettings

__all__ = ["read_pdf_or_scan"]


def read_pdf_or_scan(
    data: bytes,
    settings: PdfSettings | Mapping[str, Any] | None = None,
    ocr: OcrSettings | Mapping[str, Any] | None = None,
) -> Document:
    """The PDF's text layer; its pages by OCR when it has none (``auto``) or always (``force``).

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
    from nianbao.read.ocr import ocr_pdf  # noqa: PLC0415 (OCR (OpenCV, onnxruntime) only for a PDF without a text layer)

    o = OcrSettings.resolve(ocr)
    if o.mode == "force":
        return ocr_pdf(data, o)
    try:
        return read_pdf(data, settings)
    except NoTextLayer as e:
        if o.mode == "off":
            raise
        try:
            return ocr_pdf(data, o)
        except UnreadableFile as ocr_error:  # the PDF reader's message first: it says what the file is
            raise NoTextLayer(f"{e}; OCR could not read its pages either ({ocr_error})") from ocr_error
