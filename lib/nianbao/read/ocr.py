"""Scanned reports: page images → the same :class:`~nianbao.grid.Document` as every other reader.

Images of report pages (PNG, JPEG, multi-page TIFF) and PDFs whose pages have no text layer are
read by optical character recognition, offline: the layout comes from the image (ruled tables from
their ruling lines, text lines from the ink, :mod:`nianbao.read.ocr_layout`) and each table cell
and text line is recognised on its own crop (:mod:`nianbao.read.ocr_engine`). So a cell without ink
is an empty cell (null downstream, never 0) and no cell is lost to a text detector.

Every recognised cell carries its confidence; cells below ``OcrSettings.min_confidence`` are listed
in ``Document.ocr_doubts`` (page, row, column, text) and become warning checks, and the template's
identities then judge the tables as for any report. ``Document.ocr_pages`` says which pages were
recognised.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageSequence, UnidentifiedImageError

from nianbao.errors import UnreadableFile
from nianbao.grid import Cell, Document, Line, OcrDoubt, normalise_text
from nianbao.read.ocr_engine import DIGIT_LOOKALIKES, Reading, recognise
from nianbao.read.ocr_layout import (
    Box,
    TableGrid,
    cell_lines,
    deskew,
    find_tables,
    grey,
    ink_mask,
    ruling_ink,
    text_lines,
)
from nianbao.read.ocr_settings import OcrSettings

__all__ = ["OcrSettings", "ocr_pdf", "read_image"]

MAX_PIXELS = 60_000_000  # a page image larger than this is refused (a decompression bomb)


# ---------------------------------------------------------------------------------------------------
# Text of recognised crops

_CJK = "\u2e80-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_NUMERIC = re.compile(r"^[\d.,]+$")


def _cell_text(parts: list[str]) -> str:
    """A cell's recognised lines joined (no space between CJK characters of a wrapped label), NFKC.

    A cell of digits and their look-alikes (O for 0, l for 1) is read as digits.
    """
    text = normalise_text(_CJK_GAP.sub("", " ".join(p for p in parts if p))).strip()
    swapped = text.translate(DIGIT_LOOKALIKES)
    if swapped != text and _NUMERIC.match(swapped) and any(c.isdigit() for c in text):
        return swapped
    return text


_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d+\s*(页)?\s*([/共]\s*\d+\s*页?)?[-—–\s]*$")


# ---------------------------------------------------------------------------------------------------
# One page


@dataclass
class _PageOut:
    blocks: list[
        tuple[int, list[Line] | TableGrid, list[tuple[Cell, ...]]]
    ]  # (top, text lines | table, rows)
    doubts: list[OcrDoubt]
    notes: list[str]


def _crop(g: np.ndarray, box: Box) -> np.ndarray:
    x0, y0, x1, y1 = box
    return g[y0:y1, x0:x1]


def _cell_crops(g: np.ndarray, boxes: list[Box]) -> list[np.ndarray]:
    """A cell's line crops; a label printed one character per line (a narrow column) is one crop of
    its characters side by side, so the recogniser reads it as a word, with its context."""
    crops = [_crop(g, b) for b in boxes]
    if len(crops) >= 3 and all(c.shape[1] <= 1.6 * c.shape[0] for c in crops):
        height = max(c.shape[0] for c in crops)
        padded = [np.pad(c, ((0, height - c.shape[0]), (0, 0)), constant_values=255) for c in crops]
        return [np.ascontiguousarray(np.hstack(padded))]
    return crops


@dataclass
class _Layout:
    """A page's crops to recognise, and where each belongs: a table cell's lines or a text line's segments."""

    g: np.ndarray
    tables: list[TableGrid]
    lines: list[list[Box]]
    crops: list[np.ndarray]
    table_parts: list[list[list[int]]]  # per table, per cell: indices into crops
    line_parts: list[list[int]]  # per text line, per segment: indices into crops
    joined: frozenset[int]  # crops of a cell's one-character lines side by side (see _cell_crops)


def _layout(g: np.ndarray, mask: np.ndarray, dpi: float, for_rulings: np.ndarray | None = None) -> _Layout:
    """Tables, text lines outside them, and the crops of both (``mask``: the ink of ``g``;
    ``for_rulings``: the ink to find rulings in, see :func:`~nianbao.read.ocr_layout.ruling_ink`)."""
    tables, rulings = find_tables(mask if for_rulings is None else for_rulings, dpi)
    ink = mask.copy()
    ink[rulings > 0] = 0
    outside = ink.copy()
    for t in tables:
        x0, y0, x1, y1 = t.box
        outside[max(0, y0 - 2) : y1 + 3, max(0, x0 - 2) : x1 + 3] = 0
    lines = text_lines(outside, dpi)
    crops: list[np.ndarray] = []
    table_parts: list[list[list[int]]] = []
    joined = set()
    for t in tables:
        per_cell = []
        for cell in t.cells:
            boxes = cell_lines(ink, cell.box, dpi)
            cell_crops = _cell_crops(g, boxes)
            if len(cell_crops) < len(boxes):
                joined.add(len(crops))
            per_cell.append(list(range(len(crops), len(crops) + len(cell_crops))))
            crops += cell_crops
        table_parts.append(per_cell)
    line_parts: list[list[int]] = []
    for segs in lines:
        line_parts.append(list(range(len(crops), len(crops) + len(segs))))
        crops += [_crop(g, b) for b in segs]
    return _Layout(g, tables, lines, crops, table_parts, line_parts, frozenset(joined))


def _sample(layout: _Layout) -> list[int]:
    """The page's few longest crops (text lines, wide cells' labels), to judge its orientation: a
    lone figure reads the same upside down (0, 1, 8), a line of text does not. Not the crops of
    one-character lines put side by side: on a page turned sideways every label is such a stack,
    and its characters, turned, read surely as the label backwards."""
    wide = [i for i in _wide(layout) if i not in layout.joined]
    return sorted(wide, key=lambda i: -layout.crops[i].shape[1])[:_SAMPLE]


_SAMPLE = 6


def _wide(layout: _Layout) -> list[int]:
    return [i for i, c in enumerate(layout.crops) if c.shape[1] > 3 * c.shape[0]]


def _score(readings: list[Reading]) -> float:
    return sum(len(r.text) * r.confidence for r in readings)


def _flipped(crops: list[np.ndarray]) -> list[np.ndarray]:
    return [np.ascontiguousarray(c[::-1, ::-1]) for c in crops]


def _turns(layout: _Layout, first: list[Reading], dpi: float) -> int:
    """How many quarter turns (counter-clockwise, as ``np.rot90``) make the page upright.

    ``first``: the page's sample lines as read upright. When they read surely, the page is upright
    (the common case: they are crops of the page, so nothing is recognised twice). Surely: their
    characters at 0.8 on average, each line's at its least sure one (a line of Latin letters or a
    smudge among them does not turn a page; upside down, text reads as nothing or near 0), on a page
    with more wide crops than stacks of one-character lines (a page turned sideways has few wide
    crops, and each of its labels is such a stack). Otherwise the beginnings of four lines are read
    as they are and upside down, and of the page turned by 90° both ways, and the surest reading
    wins (a page turned sideways can read surely upside down: every way is tried).
    """
    stacks = len(layout.joined)  # stacks of one character per line: a few labels, or a page turned sideways
    if stacks <= len(_wide(layout)) - stacks and _sure(first):
        return 0
    upright = _short([layout.crops[i] for i in _sample(layout)])
    g = np.ascontiguousarray(np.rot90(layout.g))
    turned = _layout(g, ink_mask(g), dpi)
    side = _short([turned.crops[i] for i in _sample(turned)])
    scores = {
        0: _score(recognise(upright)),
        2: _score(recognise(_flipped(upright))),
        1: _score(recognise(side)),
        3: _score(recognise(_flipped(side))),
    }
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > 1.3 * scores[0] + 1 else 0


def _short(crops: list[np.ndarray]) -> list[np.ndarray]:
    """The first few sample crops, each at most 12 times as wide as high: enough text to tell the
    four ways apart, read four times at a third of the cost of the whole lines."""
    return [np.ascontiguousarray(c[:, : 12 * c.shape[0]]) for c in crops[:4]]


def _sure(readings: list[Reading]) -> bool:
    """Do these sample lines read as text the right way up (see :func:`_turns`)?"""
    chars = sum(len(r.text) for r in readings)
    return chars >= 12 and _score(readings) >= 0.8 * chars


def _upright(img: np.ndarray, dpi: float) -> tuple[_Layout, dict[int, Reading], list[str]]:
    """The page straightened and turned upright, its layout, and the readings of its sample crops."""
    skewed = grey(img)
    notes = []
    g, mask, angle = deskew(skewed, ink_mask(skewed))
    lines = ruling_ink(skewed, mask, angle)
    layout = _layout(g, mask, dpi, lines)
    sample = _sample(layout)
    first = recognise([layout.crops[i] for i in sample])
    turns = _turns(layout, first, dpi)
    if not turns:
        read = dict(zip(sample, first, strict=True))
    else:
        read = {}
        g = np.ascontiguousarray(np.rot90(g, turns))
        notes.append(f"turned by {90 * turns}°")
        mask = ink_mask(g)
        lines = np.ascontiguousarray(np.rot90(lines, turns))
        if turns % 2:  # straightened again along the page's own lines
            skewed = g
            g, mask, again = deskew(skewed, mask)
            lines = ruling_ink(skewed, mask, again) if again else lines
            angle += again
        layout = _layout(g, mask, dpi, lines)
    if angle:
        notes.append(f"straightened by {angle:.2f}°")
    return layout, read, notes


_CHUNK = 64  # crops per recognition call between two looks at the clock


def _page(img: np.ndarray, dpi: float, page_no: int, s: OcrSettings) -> _PageOut:
    """Recognise one page image (grey or RGB, at ``dpi``)."""
    start = time.monotonic()
    layout, read, turned = _upright(img, dpi)
    crops = layout.crops
    todo = sorted(
        (i for i in range(len(crops)) if i not in read), key=lambda i: crops[i].shape[1] / crops[i].shape[0]
    )
    notes: list[str] = []
    for n in range(0, len(todo), _CHUNK):
        if time.monotonic() - start > s.page_seconds:
            notes.append(
                f"page {page_no}: recognition stopped after {s.page_seconds:g} s (page_seconds); "
                "the tables and lines not yet recognised are missing"
            )
            break
        chunk = todo[n : n + _CHUNK]
        read.update(zip(chunk, recognise([crops[i] for i in chunk]), strict=True))
    if turned:
        notes.append(f"page {page_no}: " + ", ".join(turned))
    out = _PageOut([], [], notes)
    for t, per_cell in zip(layout.tables, layout.table_parts, strict=True):
        if any(k not in read for ks in per_cell for k in ks):
            continue
        out.blocks.append((t.box[1], t, _table_rows(t, per_cell, read, crops, page_no, s, out.doubts)))
    for segs, ks in zip(layout.lines, layout.line_parts, strict=True):
        top = segs[0][1]
        if any(k not in read for k in ks):
            continue
        cells = tuple(_cell_text([read[k].text]) for k in ks)
        cells = tuple(c for c in cells if c)
        if not cells or (len(cells) == 1 and _PAGE_NUMBER.match(cells[0])):
            continue
        out.blocks.append((top, [Line(cells, "text" if len(cells) == 1 else "delimited")], []))
    out.blocks.sort(key=lambda b: b[0])
    return out


_VALUE_LIKE = re.compile(r"\d")


_HAN = re.compile("[\u4e00-\u9fff]")


def _may_be_value(text: str, crops: list[np.ndarray]) -> bool:
    """Could the cell hold a table value? Digits, or a short text (a digit misread as a character);
    a doubtful long label is not a value (the labels' own matching and the missing-row checks judge
    it), nor a numbered label ("1.属于国家秘密": three Chinese characters or more, and a line at
    least 2.5 times as wide as high, as a label's is and a figure's is not; a wrapped label's last
    line may be short). A value misread so is no number, so the parser's row checks still see it.

    >>> line, digit = np.zeros((30, 150), np.uint8), np.zeros((30, 20), np.uint8)
    >>> _may_be_value("1.属于国家秘密", [line]), _may_be_value("1.属于国家秘密", [digit]), _may_be_value("18", [digit])
    (False, True, True)
    """
    if len(text) <= 3:
        return True
    if not _VALUE_LIKE.search(text) or len(text) > 12:
        return False
    label = len(_HAN.findall(text)) >= 3 and any(c.shape[1] >= 2.5 * c.shape[0] for c in crops)
    return not label


def _confidence(text: str, parts: list[Reading]) -> float:
    """How surely a cell reads as ``text``: its least sure character; in a cell of figures read
    the same with look-alikes merged (o or O for 0), the least sure figure's merged probability."""
    if len(parts) == 1 and parts[0].figures == text and _NUMERIC.match(text):
        return parts[0].figures_confidence
    return min((r.confidence for r in parts), default=1.0)


def _table_rows(
    t: TableGrid,
    per_cell: list[list[int]],
    readings: Mapping[int, Reading],
    crops: list[np.ndarray],
    page_no: int,
    s: OcrSettings,
    doubts: list[OcrDoubt],
) -> list[tuple[Cell, ...]]:
    """A table's grid rows: a merged cell's text at its first grid position, None where it spans."""
    n_rows, n_cols = len(t.ys) - 1, len(t.xs) - 1
    grid: list[list[Cell]] = [[None] * n_cols for _ in range(n_rows)]
    for cell, ks in zip(t.cells, per_cell, strict=True):
        text = _cell_text([readings[k].text for k in ks])
        grid[cell.row][cell.col] = text
        confidence = _confidence(text, [readings[k] for k in ks])
        if ks and _may_be_value(text, [crops[k] for k in ks]) and (confidence < s.min_confidence or not text):
            doubts.append(
                OcrDoubt(
                    page_no, cell.row + 1, cell.col + 1, text, round(confidence, 3), grid[cell.row][0] or ""
                )
            )
    return [tuple(row) for row in grid if any(c is not None for c in row)]


# ---------------------------------------------------------------------------------------------------
# Pages → Document


def _same_table(a: TableGrid, b: TableGrid, width: int) -> bool:
    """A table at the top of a page goes on with the one that ended the page before: same outer borders."""
    tol = 0.02 * width
    return abs(a.xs[0] - b.xs[0]) <= tol and abs(a.xs[-1] - b.xs[-1]) <= tol


def _document(
    pages: Iterator[tuple[int, np.ndarray, float]],
    fmt: Literal["pdf", "image"],
    s: OcrSettings,
    title: str | None = None,
    notes: tuple[str, ...] = (),
) -> Document:
    lines: list[Line] = []
    line_pages: list[int] = []
    doubts: list[OcrDoubt] = []
    all_notes = list(notes)
    done: list[int] = []
    tables = 0
    open_table: TableGrid | None = None
    for page_no, img, dpi in pages:
        out = _page(img, dpi, page_no, s)
        done.append(page_no)
        doubts += out.doubts
        all_notes += out.notes
        for i, (_, block, rows) in enumerate(out.blocks):
            if isinstance(block, TableGrid):
                if not (i == 0 and open_table is not None and _same_table(open_table, block, img.shape[1])):
                    tables += 1
                lines += [Line(row, "grid", tables - 1) for row in rows]
            else:
                lines += block
        line_pages += [page_no] * (len(lines) - len(line_pages))
        last = out.blocks[-1][1] if out.blocks else None
        open_table = last if isinstance(last, TableGrid) else None
    if not lines:
        raise UnreadableFile("no text could be recognised on the scanned pages (blank or unreadable images)")
    all_notes.append(f"pages read by OCR: {', '.join(map(str, done))}")
    return Document(
        fmt,
        tuple(lines),
        title,
        tuple(all_notes),
        tuple(line_pages),
        ocr_pages=tuple(done),
        ocr_doubts=tuple(doubts),
    )


def _scaled(img: np.ndarray, dpi: float, target: float) -> tuple[np.ndarray, float]:
    """The image at the target resolution when it is far from it (a 600-dpi scan, a 72-dpi fax)."""

    if 0.8 <= target / dpi <= 1.25:
        return img, dpi
    f = target / dpi
    size = (max(1, round(img.shape[1] * f)), max(1, round(img.shape[0] * f)))
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC), target


def _image_dpi(info: Mapping[Any, Any], size: tuple[int, int]) -> float:
    """The resolution an image declares, else the one that makes it an A4 page (its long side 11.7 in)."""
    declared = info.get("dpi")
    try:
        d = float(declared[0]) if declared else 0.0
    except (TypeError, ValueError, IndexError):
        d = 0.0
    by_size = max(size) / 11.69
    return d if 50 <= d <= 1200 and 0.5 <= d / by_size <= 2 else by_size


def read_image(data: bytes, settings: OcrSettings | Mapping[str, Any] | None = None) -> Document:
    """Read an image of report pages (PNG, JPEG, TIFF with one page per frame) by OCR.

    Here the title band of a generated report's page, at 150 dpi (a whole page takes ~2 s):

    >>> from nianbao.synth.model import Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> from nianbao.synth.render_scan import rasterise
    >>> pdf = render_pdf([Para("2024年政府信息公开工作年度报告", "title")], "t", author="x")
    >>> band = Image.fromarray(rasterise(pdf, 150)[0][100:200])
    >>> png = io.BytesIO()
    >>> band.save(png, "PNG", dpi=(150, 150))
    >>> doc = read_image(png.getvalue())
    >>> doc.format, doc.lines[0].cells, doc.ocr_pages, doc.ocr_doubts
    ('image', ('2024年政府信息公开工作年度报告',), (1,), ())
    >>> read_image(png.getvalue(), {"mode": "off"})
    Traceback (most recent call last):
    ...
    nianbao.errors.UnreadableFile: an image of a report: OCR is turned off (ocr mode 'off'); turn it on to read it
    """
    s = OcrSettings.resolve(settings)
    if s.mode == "off":
        raise UnreadableFile(
            "an image of a report: OCR is turned off (ocr mode 'off'); turn it on to read it"
        )

    try:
        img = Image.open(io.BytesIO(data))
        w, h = img.size
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise UnreadableFile("the image cannot be decoded for OCR; it may be damaged or truncated") from e
    if w * h > MAX_PIXELS:
        raise UnreadableFile(f"the image is {w}x{h} pixels, too large for a page; scale it down and re-run")

    notes: list[str] = []

    def pages() -> Iterator[tuple[int, np.ndarray, float]]:
        for n, frame in enumerate(ImageSequence.Iterator(img), start=1):
            if n > s.max_pages:
                notes.append(f"only the first {s.max_pages} pages were read (max_pages)")
                return
            fw, fh = frame.size
            if fw * fh > MAX_PIXELS:
                raise UnreadableFile(f"page {n} is {fw}x{fh} pixels, too large for a page")
            try:
                arr = np.asarray(frame.convert("RGB"))
            except OSError:
                notes.append(f"page {n} cannot be decoded and was skipped")
                continue
            scaled, dpi = _scaled(arr, _image_dpi(dict(frame.info), frame.size), s.dpi)
            yield n, scaled, dpi

    doc = _document(pages(), "image", s)
    return replace(doc, notes=(*notes, *doc.notes)) if notes else doc


_MAX_SIDE = 5000  # pixels: a page larger than A2 is rendered at a lower resolution


def ocr_pdf(
    data: bytes, settings: OcrSettings | Mapping[str, Any] | None = None, pages: tuple[int, ...] | None = None
) -> Document:
    """Render a PDF's pages (all, or the 1-based ``pages``) with pypdfium2 and read them by OCR.

    Here an image-only PDF of a generated report's title band (a whole page takes ~2 s):

    >>> from nianbao.synth.model import Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> from nianbao.synth.render_scan import rasterise
    >>> pdf = render_pdf([Para("2024年政府信息公开工作年度报告", "title")], "t", author="x")
    >>> scan = io.BytesIO()
    >>> Image.fromarray(rasterise(pdf, 150)[0][100:200]).save(scan, "PDF", resolution=150)
    >>> doc = ocr_pdf(scan.getvalue())
    >>> doc.format, doc.lines[0].cells, doc.pages, doc.notes
    ('pdf', ('2024年政府信息公开工作年度报告',), (1,), ('pages read by OCR: 1',))
    """
    s = OcrSettings.resolve(settings)

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise UnreadableFile("PDF cannot be opened for OCR; it may be damaged") from e
    notes: list[str] = []
    wanted = list(pages) if pages is not None else list(range(1, len(pdf) + 1))
    if len(wanted) > s.max_pages:
        notes.append(f"only the first {s.max_pages} pages were read by OCR (max_pages)")
        wanted = wanted[: s.max_pages]

    def rendered() -> Iterator[tuple[int, np.ndarray, float]]:
        for n in wanted:
            page = pdf[n - 1]
            w, h = page.get_size()
            scale = min(s.dpi / 72, _MAX_SIDE / max(w, h, 1))
            yield n, np.asarray(page.render(scale=scale).to_pil().convert("RGB")), scale * 72

    try:
        doc = _document(rendered(), "pdf", s, notes=tuple(notes))
    finally:
        pdf.close()
    return doc
