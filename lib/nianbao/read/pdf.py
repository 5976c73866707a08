"""PDF reports: each page's characters and ruling lines, read by PDFium or pdfminer.six, become lines.

An engine (:mod:`nianbao.read.pdf_miner`, pdfminer.six) reads a page into characters with their
boxes and the ruling segments its paths draw (:class:`~nianbao.read.pdf_page.PageContent`);
:mod:`nianbao.read.pdf_layout` turns pages into lines (ruled tables found by
:mod:`nianbao.read.pdf_tables`), and this module turns the lines into a Document, with the notes and
errors of the whole reading. Settings: :class:`~nianbao.read.pdf_settings.PdfSettings`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from nianbao.errors import NoTextLayer, UnreadableFile
from nianbao.grid import Document
from nianbao.read.pdf_layout import Assembler, clean, page_blocks
from nianbao.read.pdf_miner import MAX_STREAM_BYTES, PdfLimit, open_miner
from nianbao.read.pdf_page import PageContent
from nianbao.read.pdf_pdfium import open_pdfium
from nianbao.read.pdf_settings import PdfSettings

__all__ = ["MAX_STREAM_BYTES", "PdfLimit", "PdfSettings", "read_pdf"]


class _Source(Protocol):
    """An open PDF, as an engine reads it."""

    def title(self) -> str | None: ...

    def pages(self) -> Iterator[Callable[[], PageContent]]: ...

    def close(self) -> None: ...


_PLACEHOLDER_TITLES = frozenset({"", "(anonymous)", "untitled", "无标题", "document", "文档"})
_TITLE_NOISE = re.compile(r"^microsoft (?:word|excel) - |\.(?:docx?|wps|xlsx?|pdf)$", re.IGNORECASE)


def _tidy_title(title: str) -> str | None:
    """The declared title without the exporting program's decoration; None for placeholders.

    >>> _tidy_title("Microsoft Word - 2024年报.docx"), _tidy_title("(anonymous)")
    ('2024年报', None)
    """
    title = _TITLE_NOISE.sub("", title).strip()
    return None if title.lower() in _PLACEHOLDER_TITLES else title


@dataclass
class _Tally:
    """What was seen while reading, for the errors and notes."""

    pages: int = 0
    failed: int = 0
    chars: int = 0
    cids: int = 0
    images: int = 0
    error: str = ""  # the first damaged page's exception
    tree: bool = False  # the page tree could not be walked to its end

    def add(self, page: PageContent) -> None:
        self.pages, self.chars, self.cids = (
            self.pages + 1,
            self.chars + len(page.chars),
            self.cids + page.cids,
        )
        self.images += page.images

    def notes(self) -> list[str]:
        out = []
        if self.failed:
            out.append(f"{self.failed} damaged page(s) could not be read and were skipped ({self.error})")
        if self.cids:
            out.append(f"{self.cids} characters could not be decoded (fonts without a Unicode map)")
        if self.images and self.chars < 20 * self.pages:
            out.append(
                f"little text on {self.pages} pages with {self.images} images: some pages may be scanned"
            )
        return out

    def check(self) -> None:
        """Raise when nothing usable was read."""
        if self.pages == 0:
            if self.failed or self.tree:
                raise UnreadableFile(f"PDF is damaged: no page could be read ({self.error or 'page tree'})")
            raise UnreadableFile("PDF has no pages")
        if self.chars == 0:
            if self.cids:
                raise NoTextLayer("PDF text cannot be decoded (fonts without a Unicode map) — OCR it first")
            raise NoTextLayer("PDF has no text layer (scanned images?) — OCR it first")


def _check_envelope(data: bytes) -> None:
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile("not a PDF file (no %PDF- header)")
    if b"%%EOF" not in data[-1024:]:
        raise UnreadableFile("PDF is truncated (no end-of-file marker); download it again")


def _open(data: bytes, s: PdfSettings, engine: str, deadline: float) -> _Source:
    """The file opened by ``engine`` ("pdfium" or "pdfminer")."""
    if engine == "pdfium":
        return open_pdfium(data, s, deadline)
    return open_miner(data, s, deadline)


def _read(data: bytes, s: PdfSettings, engine: str, start: float) -> Document:
    """The Document as ``engine`` reads it (see :func:`read_pdf`)."""
    source = _open(data, s, engine, start + s.max_seconds)
    try:
        return _assemble(source, s, start)
    finally:
        source.close()


def _assemble(source: _Source, s: PdfSettings, start: float) -> Document:
    """The source's pages, one by one, into a Document (bounds, damaged pages and notes)."""
    out = Assembler(s)
    notes: list[str] = []
    seen = _Tally()
    pages = source.pages()
    while True:
        try:
            page = next(pages, None)
        except Exception:  # the page tree itself is damaged: keep what was read
            notes.append(f"reading stopped after {seen.pages} pages: the page tree is damaged")
            seen.tree = True
            break
        if page is None:
            break
        if seen.pages + seen.failed >= s.max_pages:
            notes.append(f"only the first {s.max_pages} pages were read (max_pages)")
            break
        if time.monotonic() - start > s.max_seconds:
            notes.append(
                f"stopped after {seen.pages} pages: reading took over {s.max_seconds:g} s (max_seconds)"
            )
            break
        try:
            content = page()
            blocks = page_blocks(content.chars, content.segs, s)
        except PdfLimit:
            raise
        except Exception:  # one damaged page does not spoil the others
            seen.failed += 1
            seen.error = seen.error or f"the first at page {seen.pages + seen.failed}"
            continue
        seen.add(content)
        out.add_page(blocks, content.edges, seen.pages + seen.failed)
    seen.check()
    raw = source.title()
    title = _tidy_title(clean(raw)[:300]) if raw is not None else None
    return Document("pdf", tuple(out.lines), title, (*notes, *seen.notes()), tuple(out.pages))


def read_pdf(data: bytes, settings: PdfSettings | Mapping[str, Any] | None = None) -> Document:
    """Read a PDF report into a :class:`~nianbao.grid.Document` (ruled tables as grid lines).

    ``settings`` is a :class:`PdfSettings`, a dict of its fields, or None for the defaults; its
    ``engine`` picks PDFium or pdfminer.six ("auto": PDFium, and pdfminer for a file PDFium cannot
    open or read — a bound hit is final, not retried).

    Raises :class:`~nianbao.errors.UnreadableFile` for a file that is not a PDF, truncated, damaged,
    encrypted with a password, without pages, or without a text layer (scanned images), and
    :class:`PdfLimit` (an UnreadableFile) when a page's work passes a bound (``max_operators``,
    ``max_form_depth``, or ``max_seconds`` within a page). Pages past ``settings.max_pages``, or
    not begun before ``settings.max_seconds`` have passed, are skipped, as are damaged pages;
    ``Document.notes`` says so.

    >>> from nianbao.synth.model import Grid, GridCell, Para
    >>> from nianbao.synth.render_pdf import render_pdf
    >>> table = Grid(((GridCell("规章"), GridCell("3", kind="value")),), "t2")
    >>> doc = read_pdf(render_pdf([Para("年度报告", "title"), table], "年度报告", author="x"))
    >>> [(line.cells, line.kind) for line in doc.lines[:2]], doc.title
    ([(('年度报告',), 'text'), (('规章', '3'), 'grid')], '年度报告')
    """
    s = PdfSettings.resolve(settings)
    start = time.monotonic()
    _check_envelope(data)
    if s.engine != "auto":
        return _read(data, s, s.engine, start)
    try:
        return _read(data, s, "pdfium", start)
    except PdfLimit:
        raise
    except UnreadableFile:
        return _read(data, s, "pdfminer", start)
