"""Scanned copies of PDF reports, for testing the OCR reader: the pages as a scanner and a clerk leave them.

A PDF (generated, with its truth, or a real one with hand-checked values) is rasterised with
pypdfium2, then each page is degraded as :class:`ScanStyle` says — a red stamp over a corner of the
page's first table, a slight rotation, grey, noise, JPEG compression, the page turned sideways or
upside down — and the pages are saved as an image-only PDF, a multi-page TIFF or one PNG/JPEG.
The printed content is unchanged, so the source's truth is the scan's truth.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from nianbao.read.ocr_layout import find_tables, grey, ink_mask

__all__ = ["ScanStyle", "rasterise", "replace_by_scans", "scan_page", "scanned"]


@dataclass(frozen=True)
class ScanStyle:
    """How a page is scanned: resolution, colour, skew, noise, compression, a stamp, a turn.

    >>> ScanStyle(angle=0.8, noise=8, jpeg=75, stamp=True, grey=False).turn  # as bench_ocr's stamped scans
    0
    """

    dpi: int = 150
    grey: bool = True  # saved as grey (a stamp is applied before, so its red is lost like a grey scanner's)
    angle: float = 0.0  # degrees, counter-clockwise
    noise: float = 0.0  # standard deviation of Gaussian noise, in grey levels
    jpeg: int | None = None  # JPEG quality, or None for lossless
    stamp: bool = False  # a red seal over the top-left corner of the page's first table
    turn: Literal[0, 90, 180, 270] = 0  # page scanned sideways or upside down
    seed: int = 0


def rasterise(pdf: bytes, dpi: int, pages: Sequence[int] | None = None) -> list[np.ndarray]:
    """The PDF's pages (1-based ``pages``, default all) as RGB arrays at ``dpi``.

    >>> from nianbao.synth.model import Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> [page.shape for page in rasterise(render_pdf([Para("标题", "title")], "标题", author="x"), 20)]  # A4
    [(234, 166, 3)]
    """

    doc = pdfium.PdfDocument(pdf)
    try:
        wanted = pages or range(1, len(doc) + 1)
        return [np.asarray(doc[n - 1].render(scale=dpi / 72).to_pil().convert("RGB")) for n in wanted]
    finally:
        doc.close()


def _stamp(img: np.ndarray, dpi: int, rng: np.random.Generator) -> np.ndarray:
    """A red seal (ring, star, ring of text-like marks) multiplied onto the first table's top-left corner."""

    tables, _ = find_tables(ink_mask(grey(img)), dpi)
    h, w = img.shape[:2]
    cx, cy = (tables[0].box[0], tables[0].box[1]) if tables else (w // 4, h // 4)
    cx, cy = cx + int(0.3 * dpi), cy + int(0.2 * dpi)
    r = int(0.8 * dpi)
    layer = np.full_like(img, 255)
    red = (int(rng.integers(215, 240)), int(rng.integers(20, 60)), int(rng.integers(20, 60)))
    cv2.circle(layer, (cx, cy), r, red, max(2, dpi // 40), lineType=cv2.LINE_AA)
    angles = np.linspace(-np.pi / 2, 1.5 * np.pi, 11)[:-1]
    radii = [0.3 * r if i % 2 == 0 else 0.12 * r for i in range(10)]
    star = np.array(
        [(cx + rr * np.cos(a), cy + rr * np.sin(a)) for rr, a in zip(radii, angles, strict=True)],
        dtype=np.int32,
    )
    cv2.fillPoly(layer, [star], red)
    for a in np.linspace(np.pi, 2 * np.pi, 9):  # marks standing for the organ's name round the rim
        x, y = int(cx + 0.72 * r * np.cos(a)), int(cy + 0.72 * r * np.sin(a))
        cv2.rectangle(layer, (x - dpi // 30, y - dpi // 30), (x + dpi // 30, y + dpi // 30), red, -1)
    return (img.astype(np.uint16) * layer // 255).astype(np.uint8)


def scan_page(img: np.ndarray, style: ScanStyle, page: int = 0) -> np.ndarray:
    """One page (RGB) degraded as ``style`` says; grey pages come back 2-D.

    >>> white = np.full((40, 30, 3), 255, np.uint8)
    >>> scan_page(white, ScanStyle(turn=90)).shape, scan_page(white, ScanStyle(grey=False)).shape
    ((30, 40), (40, 30, 3))
    """

    rng = np.random.default_rng([style.seed, page])
    out = _stamp(img, style.dpi, rng) if style.stamp else img
    if style.angle:
        h, w = out.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), style.angle, 1.0)
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    if style.grey:
        out = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)
    if style.noise:
        noisy = out.astype(np.float32) + rng.normal(0, style.noise, out.shape).astype(np.float32)
        out = np.clip(noisy, 0, 255).astype(np.uint8)
    if style.turn:
        out = np.ascontiguousarray(np.rot90(out, k=style.turn // 90))
    if style.jpeg:
        ok, buf = cv2.imencode(
            ".jpg", out if out.ndim == 2 else out[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, style.jpeg]
        )
        assert ok
        decoded = np.asarray(cv2.imdecode(buf, cv2.IMREAD_UNCHANGED))
        out = decoded if decoded.ndim == 2 else decoded[:, :, ::-1]
    return out


def scanned(
    pdf: bytes,
    style: ScanStyle = ScanStyle(),
    *,
    pages: Sequence[int] | None = None,
    as_: Literal["pdf", "tiff", "png", "jpeg"] = "pdf",
) -> bytes:
    """A scanned copy of ``pdf``: an image-only PDF, a multi-page TIFF, or one page as PNG/JPEG.

    >>> from nianbao.synth.model import Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> pdf = render_pdf([Para("标题", "title")], "标题", author="x")
    >>> png = scanned(pdf, ScanStyle(dpi=20), as_="png")
    >>> png[:8], Image.open(io.BytesIO(png)).size
    (b'\\x89PNG\\r\\n\\x1a\\n', (166, 234))
    """

    images = [Image.fromarray(scan_page(p, style, i)) for i, p in enumerate(rasterise(pdf, style.dpi, pages))]
    buf = io.BytesIO()
    first, rest = images[0], images[1:]
    if as_ == "pdf":
        first.save(buf, "PDF", save_all=True, append_images=rest, resolution=style.dpi)
    elif as_ == "tiff":
        first.save(
            buf, "TIFF", save_all=True, append_images=rest, compression="tiff_deflate", dpi=(style.dpi,) * 2
        )
    elif as_ == "png":
        first.save(buf, "PNG", dpi=(style.dpi,) * 2)
    else:
        first.save(buf, "JPEG", quality=style.jpeg or 90, dpi=(style.dpi,) * 2)
    return buf.getvalue()


def replace_by_scans(pdf: bytes, style: ScanStyle, pages: Sequence[int]) -> bytes:
    """``pdf`` with the given pages (1-based) replaced by scanned copies of them: a mixed PDF, typed
    pages and scanned ones (a report put together from a word processor's export and a scanner's
    pages of the signed tables). The content is unchanged, so the source's truth is its truth.

    >>> from nianbao.synth.model import Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> pdf = render_pdf([Para("年度报告", "title"), *[Para("正文。" * 30)] * 40], "t", author="x")
    >>> mixed = pdfium.PdfDocument(replace_by_scans(pdf, ScanStyle(dpi=30), [2]))
    >>> len(mixed), [bool(mixed[i].get_textpage().get_text_range().strip()) for i in range(len(mixed))]
    (3, [True, False, True])
    """
    src = pdfium.PdfDocument(pdf)
    scans = pdfium.PdfDocument(scanned(pdf, style, pages=pages))
    out = pdfium.PdfDocument.new()
    try:
        scan_of = {n: i for i, n in enumerate(pages)}
        for n in range(1, len(src) + 1):
            if n in scan_of:
                out.import_pages(scans, [scan_of[n]])
            else:
                out.import_pages(src, [n - 1])
        buf = io.BytesIO()
        out.save(buf)
        return buf.getvalue()
    finally:
        out.close()
        scans.close()
        src.close()
