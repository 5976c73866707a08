"""PDF reports: one pass of pdfminer per page, tables rebuilt from their ruling lines.

Most reports are Word documents exported to PDF, so their tables are drawn with ruling lines. The
reader follows pdfplumber's lattice idea as a chain of small pure functions: ruling segments →
snapped, joined segments → connected groups (one per table) → a grid of row and column boundaries
→ cells, where two neighbouring grid cells are one merged cell when no ruling separates them. Each
character is put in the cell that contains its centre, so a text line that runs over two cells is
split at the cell border and a label wrapped over three lines in one cell is one label. A table row
becomes one ``grid`` line: each merged cell's text in its first grid column, ``None`` in the columns
and rows it covers, so a number printed once is read once.

Text outside tables becomes ``text`` lines (lines of one paragraph joined), or ``delimited`` lines
when large horizontal gaps split it into cells (a table printed without rulings).

pdfminer runs without its layout analysis (``laparams=None``): the reader groups characters itself,
which is cheaper than pdfminer's text boxes and lets characters be assigned to cells one by one.
A page's characters and rulings are collected by :mod:`nianbao.read.pdf_page`; ruled tables are found
by :mod:`nianbao.read.pdf_tables`; this module turns both into lines and the lines into a Document.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import SimpleNamespace
from typing import Any

from nianbao.errors import UnreadableFile
from nianbao.grid import Cell, Document, Line, is_blank, normalise_text, parse_number
from nianbao.read.pdf_page import Char, PageContent, page_content
from nianbao.read.pdf_tables import Grid, Seg, find_tables

__all__ = ["MAX_STREAM_BYTES", "PdfSettings", "read_pdf"]

# pdfminer logs a warning for every oddity of a font (thousands per file); without a handler of
# its own they reach stderr through logging's last resort. An application that configures logging
# still receives them.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class PdfSettings:
    """Tunable parameters of the PDF reader; lengths are in PDF points, gaps in font sizes (em).

    >>> PdfSettings.resolve({"max_pages": 5}).max_pages
    5
    >>> PdfSettings.resolve({"max_page": 5})
    Traceback (most recent call last):
    ...
    ValueError: unknown PDF setting(s) ['max_page']; known: cell_gap, join_paragraphs, max_pages, max_rule_width, max_seconds, row_overlap, snap_tolerance, word_gap
    """

    max_pages: int = 60  # pages after this are not read (a note says so)
    max_seconds: float = 30.0  # stop between pages once this much time has passed (a note says so)
    snap_tolerance: float = 3.0  # rulings closer than this are one ruling (double borders, rounding)
    max_rule_width: float = 2.0  # a filled rectangle thinner than this is a ruling, not a shaded cell
    row_overlap: float = 0.5  # characters share a line when they overlap by this share of their height
    word_gap: float = 0.1  # a gap wider than this (x char size) between characters is a space
    cell_gap: float = 1.5  # outside ruled tables, a gap wider than this (x char size) splits cells
    join_paragraphs: bool = True  # join the lines of a paragraph into one text line

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "join_paragraphs":
                if not isinstance(value, bool):
                    raise ValueError(f"PDF setting join_paragraphs must be true or false, not {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"PDF setting {f.name} must be a positive number, not {value!r}")
        if self.row_overlap > 1:
            raise ValueError(f"PDF setting row_overlap must be at most 1, not {self.row_overlap!r}")

    @classmethod
    def resolve(cls, value: PdfSettings | Mapping[str, Any] | None = None) -> PdfSettings:
        """Settings from None (defaults), a plain dict (e.g. a papermill parameter) or an instance."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise ValueError(f"unknown PDF setting(s) {unknown}; known: {', '.join(sorted(known))}")
            return cls(**value)
        raise TypeError(f"PDF settings must be a dict or PdfSettings, not {type(value).__name__}")


# ---------------------------------------------------------------------------------------------------
# Characters → lines → text

_CJK = "\u2e80-\u9fff\uff00-\uffef\u2018-\u201d\u2014\u2026"  # CJK, full-width forms, “”‘’—…
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_WS = re.compile(r"\s+")


def _squeeze(text: str) -> str:
    """Whitespace removed between CJK characters (a wrapped label), else one space.

    >>> _squeeze("（二）部分公开（区分处理的，只计这一情 形，不\\n计其他情形）  2024  年")
    '（二）部分公开（区分处理的，只计这一情形，不计其他情形） 2024 年'
    """
    return _WS.sub(" ", _CJK_GAP.sub("", text)).strip()


def _clean(text: str) -> str:
    """Final cell text: squeezed, then NFKC and simplified characters (``normalise_text``)."""
    return normalise_text(_squeeze(text)).strip()


def _rows_of(chars: list[Char], overlap: float) -> list[list[Char]]:
    """Characters grouped into visual lines, top line first, each sorted left to right."""
    lines: list[list[Char]] = []
    top = bottom = 0.0
    for ch in sorted(chars, key=lambda c: -(c.y0 + c.y1)):
        if lines:
            shared = min(top, ch.y1) - max(bottom, ch.y0)
            if shared >= overlap * min(top - bottom, ch.size):
                lines[-1].append(ch)
                top, bottom = max(top, ch.y1), min(bottom, ch.y0)
                continue
        lines.append([ch])
        top, bottom = ch.y1, ch.y0
    for line in lines:
        line.sort(key=lambda c: c.x0)
    return lines


def _dedupe(line: list[Char]) -> list[Char]:
    """Drop characters printed twice on top of each other (fake bold)."""
    out: list[Char] = []
    for ch in line:
        if out and ch.text == out[-1].text and abs(ch.x0 - out[-1].x0) < 0.3 * max(ch.x1 - ch.x0, 0.1):
            continue
        out.append(ch)
    return out


def _split(line: list[Char], gap: float) -> list[list[Char]]:
    """A line cut where the gap between neighbours exceeds ``gap`` x their size."""
    parts = [[line[0]]]
    for prev, ch in itertools.pairwise(line):
        if ch.x0 - prev.x1 > gap * max(prev.size, ch.size):
            parts.append([ch])
        else:
            parts[-1].append(ch)
    return parts


def _join(line: list[Char], word_gap: float) -> str:
    out = [line[0].text]
    for prev, ch in itertools.pairwise(line):
        if ch.x0 - prev.x1 > word_gap * max(prev.x1 - prev.x0, prev.size):
            out.append(" ")
        out.append(ch.text)
    return "".join(out)


def _cell_text(chars: list[Char], s: PdfSettings) -> str:
    rows = _rows_of(chars, s.row_overlap)
    return _clean("\n".join(_join(_dedupe(r), s.word_gap) for r in rows))


# ---------------------------------------------------------------------------------------------------
# One page → blocks in reading order


@dataclass
class _TextLine:
    """Text outside tables: one visual line, or a paragraph once lines are joined."""

    cells: list[str]  # squeezed, not yet normalised (so that joins still see full-width punctuation)
    x0: float  # where the first visual line starts
    x1: float  # where the last visual line ends
    y0: float
    y1: float
    size: float


@dataclass
class _Table:
    grid: Grid
    rows: list[tuple[Cell, ...]]


_Block = _TextLine | _Table


def _table_rows(grid: Grid, chars: list[Char], s: PdfSettings) -> list[tuple[Cell, ...]]:
    per_cell: dict[int, list[Char]] = {}
    for ch in chars:
        per_cell.setdefault(grid.cell_at((ch.x0 + ch.x1) / 2, (ch.y0 + ch.y1) / 2), []).append(ch)
    texts = {cell: _cell_text(cs, s) for cell, cs in per_cell.items()}
    rows = []
    n = grid.ncols
    for r in range(len(grid.ys) - 1):
        row: tuple[Cell, ...] = tuple(
            texts.get(i, "") if grid.owner[i] == i else None for i in range(r * n, r * n + n)
        )
        if any(row):  # rows wholly covered or wholly blank carry nothing
            rows.append(row)
    return rows


def _text_lines(chars: list[Char], s: PdfSettings) -> list[_TextLine]:
    out = []
    for raw in _rows_of(chars, s.row_overlap):
        row = _dedupe(raw)
        cells = [c for c in (_squeeze(_join(part, s.word_gap)) for part in _split(row, s.cell_gap)) if c]
        if cells:
            size = max(c.size for c in row)
            y0, y1 = min(c.y0 for c in row), max(c.y1 for c in row)
            out.append(_TextLine(cells, row[0].x0, max(c.x1 for c in row), y0, y1, size))
    return out


def _numeric(t: _TextLine) -> bool:
    return all(parse_number(c) is not None or is_blank(c) for c in t.cells)


def _attach_labels(lines: list[_TextLine]) -> list[_TextLine]:
    """In tables printed without rulings, a row label wrapped over two lines leaves its numbers on a
    line of their own (centred between the label's lines). Each label fragment (one cell, ending left
    of the numbers) is attached to the nearest such numbers-only line within a line and a half."""
    if not lines:
        return lines
    left = min(t.x0 for t in lines)
    # two numbers at least: a lone number is more often a page number than a table row
    numbers = [
        k for k, t in enumerate(lines) if len(t.cells) > 1 and _numeric(t) and t.x0 - left > 2 * t.size
    ]
    if not numbers:
        return lines
    owner: dict[int, int] = {}
    for k, t in enumerate(lines):
        if len(t.cells) != 1 or _numeric(t):
            continue
        mid = (t.y0 + t.y1) / 2
        near = [
            (abs(mid - (d.y0 + d.y1) / 2), n)
            for n in numbers
            if t.x1 < (d := lines[n]).x0 - 0.5 * d.size
            and abs(mid - (d.y0 + d.y1) / 2) <= 1.5 * max(t.size, d.size)
        ]
        if near:
            owner[k] = min(near)[1]
    out = []
    for k, t in enumerate(lines):
        parts = sorted((lines[j] for j, n in owner.items() if n == k), key=lambda p: -p.y1)
        if parts:
            label = _squeeze("\n".join(p.cells[0] for p in parts))
            out.append(_TextLine([label, *t.cells], min(p.x0 for p in parts), t.x1, t.y0, t.y1, t.size))
        elif k not in owner:
            out.append(t)
    return out


def _page_blocks(chars: list[Char], segs: list[Seg], s: PdfSettings) -> list[_Block]:
    """Text lines and tables of one page, top first."""
    grids = find_tables(segs, s.snap_tolerance)
    inside: list[list[Char]] = [[] for _ in grids]
    outside: list[Char] = []
    for ch in chars:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.y0 + ch.y1) / 2
        for k, g in enumerate(grids):
            if g.contains(cx, cy):
                inside[k].append(ch)
                break
        else:
            outside.append(ch)
    blocks: list[tuple[float, _Block]] = [(t.y1, t) for t in _attach_labels(_text_lines(outside, s))]
    for g, cs in zip(grids, inside, strict=True):
        rows = _table_rows(g, cs, s)
        if rows:
            blocks.append((g.ys[0], _Table(g, rows)))
    blocks.sort(key=lambda b: -b[0])
    return [b for _, b in blocks]


def _margins(blocks: list[_Block], page: tuple[float, float]) -> tuple[float, float]:
    """Left margin (where unindented text starts) and right margin of a page's text.

    The right margin is the rightmost text or table edge, but never less than the left margin mirrored,
    so that on a page of short lines none of them seems to run to the margin.
    """
    lines = [b for b in blocks if isinstance(b, _TextLine)]
    left = min((t.x0 for t in lines), default=page[0])
    edges = [t.x1 for t in lines] + [b.grid.xs[-1] for b in blocks if isinstance(b, _Table)]
    return left, max([*edges, page[1] - (left - page[0])])


def _runs_on(a: _TextLine, t: _TextLine, left: float, right: float) -> bool:
    """Whether ``t`` continues the paragraph ``a``: running text of one size, ``a`` runs to the right
    margin and ``t`` starts at the left margin (no indent)."""
    return (
        len(a.cells) == 1
        and len(t.cells) == 1
        and abs(a.size - t.size) < 1.0
        and t.x0 - left < t.size
        and right - a.x1 < 2 * a.size
    )


def _merge(a: _TextLine, t: _TextLine) -> _TextLine:
    return _TextLine([_squeeze(a.cells[0] + "\n" + t.cells[0])], a.x0, t.x1, t.y0, a.y1, a.size)


def _join_paragraphs(blocks: list[_Block], left: float, right: float) -> list[_Block]:
    """Lines of running text joined into paragraphs (less than a line height apart)."""
    out: list[_Block] = []
    for b in blocks:
        a = out[-1] if out else None
        if (
            isinstance(b, _TextLine)
            and isinstance(a, _TextLine)
            and _runs_on(a, b, left, right)
            and -0.5 * a.size < a.y0 - b.y1 < 1.2 * a.size
        ):
            out[-1] = _merge(a, b)
        else:
            out.append(b)
    return out


# ---------------------------------------------------------------------------------------------------
# Pages → Document

_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d+\s*(页)?\s*([/共]\s*\d+\s*页?)?[-—–\s]*$")


def _is_page_number(b: _Block) -> bool:
    return isinstance(b, _TextLine) and bool(_PAGE_NUMBER.match(" ".join(b.cells)))


def _continues(prev: Grid | None, g: Grid, tol: float) -> bool:
    """Whether a table at the top of a page goes on with the table that ended the page before: the
    same outer borders (its inner columns may differ, e.g. the next section of table 2)."""
    return (
        prev is not None and abs(prev.xs[0] - g.xs[0]) <= 2 * tol and abs(prev.xs[-1] - g.xs[-1]) <= 2 * tol
    )


def _text_line(b: _TextLine) -> Line:
    cells = tuple(normalise_text(c).strip() for c in b.cells)
    return Line(cells, "text" if len(cells) == 1 else "delimited")


class _Assembler:
    """Blocks of successive pages → Lines: a table or a paragraph cut by a page break goes on."""

    def __init__(self, s: PdfSettings) -> None:
        self.s = s
        self.lines: list[Line] = []
        self.tables = 0
        self.open_table: Grid | None = None  # the table that ended the previous page
        self.open_text: tuple[int, _TextLine, float] | None = None  # (line index, paragraph, right margin)

    def add_page(self, blocks: list[_Block], page: tuple[float, float]) -> None:
        """Add a page's blocks; ``page`` is the page's left and right edge."""
        left, right = _margins(blocks, page)
        if self.s.join_paragraphs:
            blocks = _join_paragraphs(blocks, left, right)
        body = [b for b in blocks if not _is_page_number(b)]
        first = body[0] if body else None
        emitted: dict[int, tuple[int, _TextLine]] = {}  # id(block) → (line index, paragraph so far)
        for b in blocks:
            if isinstance(b, _Table):
                if not (b is first and _continues(self.open_table, b.grid, self.s.snap_tolerance)):
                    self.tables += 1
                self.lines.extend(Line(row, "grid", self.tables - 1) for row in b.rows)
            elif b is first and self.open_text and _runs_on(self.open_text[1], b, left, self.open_text[2]):
                index, paragraph, _ = self.open_text
                emitted[id(b)] = (index, _merge(paragraph, b))
                self.lines[index] = _text_line(emitted[id(b)][1])
            else:
                self.lines.append(_text_line(b))
                emitted[id(b)] = (len(self.lines) - 1, b)
        last = body[-1] if body else None
        self.open_table = last.grid if isinstance(last, _Table) else None
        self.open_text = None
        if self.s.join_paragraphs and isinstance(last, _TextLine):
            self.open_text = (*emitted[id(last)], right)


def _decode_info(raw: bytes) -> str:
    """A string of the PDF info dictionary: UTF-16 with either byte order mark, UTF-8, or PDFDocEncoding."""
    from pdfminer.utils import decode_text

    for bom, codec in ((b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\xef\xbb\xbf", "utf-8")):
        if raw.startswith(bom):
            return raw[len(bom) :].decode(codec, "replace")
    return decode_text(raw)


_PLACEHOLDER_TITLES = frozenset({"", "(anonymous)", "untitled", "无标题", "document", "文档"})
_TITLE_NOISE = re.compile(r"^microsoft (?:word|excel) - |\.(?:docx?|wps|xlsx?|pdf)$", re.IGNORECASE)


def _tidy_title(title: str) -> str | None:
    """The declared title without the exporting program's decoration; None for placeholders.

    >>> _tidy_title("Microsoft Word - 2024年报.docx"), _tidy_title("(anonymous)")
    ('2024年报', None)
    """
    title = _TITLE_NOISE.sub("", title).strip()
    return None if title.lower() in _PLACEHOLDER_TITLES else title


def _title(doc: Any) -> str | None:
    from pdfminer.pdftypes import resolve1

    try:
        for info in doc.info:
            raw = resolve1(info.get("Title"))
            if isinstance(raw, bytes):
                raw = _decode_info(raw)
            if isinstance(raw, str):
                return _tidy_title(_clean(raw)[:300])
    except Exception:  # a damaged info dictionary is not a reason to reject the file
        return None
    return None


MAX_STREAM_BYTES = 256 * 1024 * 1024  # a compressed PDF stream may inflate to at most this


class _StreamTooLarge(Exception):
    """A compressed stream inflates past MAX_STREAM_BYTES (a decompression bomb)."""


class _BoundedInflater:
    """zlib's decompressobj, refusing to produce more than MAX_STREAM_BYTES in all."""

    def __init__(self, wbits: int = zlib.MAX_WBITS) -> None:
        self._inner = zlib.decompressobj(wbits)
        self._produced = 0

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        room = MAX_STREAM_BYTES + 1 - self._produced
        out = self._inner.decompress(data, room if not max_length else min(max_length, room))
        self._produced += len(out)
        if self._produced > MAX_STREAM_BYTES or (self._inner.unconsumed_tail and not max_length):
            raise _StreamTooLarge(f"a compressed stream inflates past {MAX_STREAM_BYTES // 2**20} MB")
        return out

    def flush(self, length: int = zlib.DEF_BUF_SIZE) -> bytes:
        return self._inner.flush(length)

    def __getattr__(self, name: str) -> Any:  # eof, unused_data, unconsumed_tail
        return getattr(self._inner, name)


def _bounded_decompress(data: bytes, wbits: int = zlib.MAX_WBITS, bufsize: int = zlib.DEF_BUF_SIZE) -> bytes:
    """``zlib.decompress`` with the same errors, but bounded by MAX_STREAM_BYTES."""
    inflater = _BoundedInflater(wbits)
    out = inflater.decompress(data)
    if not inflater.eof:
        raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
    return out


def _bound_pdfminer_streams() -> None:
    """Make pdfminer inflate Flate streams through the bounded inflater.

    pdfminer inflates every stream whole, in memory; a small hostile PDF can hold a stream that
    inflates to gigabytes. Its stream module is given a zlib whose output is capped: a stream past
    the cap fails its page, which is skipped with a note. Installing it twice is harmless.
    """
    import pdfminer.pdftypes

    if not isinstance(pdfminer.pdftypes.zlib, SimpleNamespace):
        shim = SimpleNamespace(
            decompress=_bounded_decompress,
            decompressobj=_BoundedInflater,
            error=zlib.error,
            MAX_WBITS=zlib.MAX_WBITS,
        )
        setattr(pdfminer.pdftypes, "zlib", shim)  # noqa: B010  (a module attribute, not a typed one)


def _open(data: bytes) -> Any:
    """The parsed PDF document, or UnreadableFile saying why not."""
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile("not a PDF file (no %PDF- header)")
    if b"%%EOF" not in data[-1024:]:
        raise UnreadableFile("PDF is truncated (no end-of-file marker); download it again")
    try:
        return PDFDocument(PDFParser(io.BytesIO(data)), password="")
    except PDFPasswordIncorrect as e:
        raise UnreadableFile("PDF is encrypted (password-protected); remove the password and re-run") from e
    except PDFEncryptionError as e:
        raise UnreadableFile(
            f"PDF uses an encryption pdfminer cannot open ({e}); remove it and re-run"
        ) from e
    except Exception as e:
        raise UnreadableFile(f"PDF is damaged and cannot be parsed ({type(e).__name__}: {e})") from e


@dataclass
class _Tally:
    """What was seen while reading, for the errors and notes."""

    pages: int = 0
    failed: int = 0
    chars: int = 0
    cids: int = 0
    images: int = 0
    error: str = ""  # the first damaged page's exception

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
            raise UnreadableFile(
                "PDF is damaged: no page could be read" if self.failed else "PDF has no pages"
            )
        if self.chars == 0:
            if self.cids:
                raise UnreadableFile(
                    "PDF text cannot be decoded (fonts without a Unicode map) — OCR it first"
                )
            raise UnreadableFile("PDF has no text layer (scanned images?) — OCR it first")


def read_pdf(data: bytes, settings: PdfSettings | Mapping[str, Any] | None = None) -> Document:
    """Read a PDF report into a :class:`~nianbao.grid.Document` (ruled tables as grid lines).

    ``settings`` is a :class:`PdfSettings`, a dict of its fields, or None for the defaults.

    Raises :class:`~nianbao.errors.UnreadableFile` for a file that is not a PDF, truncated, damaged,
    encrypted with a password, without pages, or without a text layer (scanned images). Pages past
    ``settings.max_pages``, or read after ``settings.max_seconds`` have passed (checked between pages),
    are skipped, as are damaged pages; ``Document.notes`` says so.
    """
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    s = PdfSettings.resolve(settings)
    start = time.monotonic()
    _bound_pdfminer_streams()
    doc = _open(data)
    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    out = _Assembler(s)
    notes: list[str] = []
    seen = _Tally()
    pages = iter(PDFPage.create_pages(doc))
    while True:
        try:
            page = next(pages, None)
        except Exception as e:  # the page tree itself is damaged: keep what was read
            notes.append(
                f"reading stopped after {seen.pages} pages: the page tree is damaged ({type(e).__name__})"
            )
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
            interpreter.process_page(page)
            content = page_content(device.get_result(), s.max_rule_width)
            blocks = _page_blocks(content.chars, content.segs, s)
        except Exception as e:  # one damaged page does not spoil the others
            seen.failed += 1
            seen.error = seen.error or f"{type(e).__name__}: {e}"[:200]
            continue
        seen.add(content)
        out.add_page(blocks, content.edges)
    seen.check()
    return Document("pdf", tuple(out.lines), _title(doc), (*notes, *seen.notes()))
