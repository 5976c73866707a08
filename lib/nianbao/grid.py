"""The document model every reader produces: lines of cells, in reading order.

Each file format is read into a :class:`Document`, a sequence of :class:`Line` objects. A line is
either running text (one cell), a delimited line of copied text (cells split at tabs or pipes, whose
blank cells are often artefacts of merged headers), or a row of a real table grid (HTML, DOCX, ruled
PDF) whose blank cells are real blank cells. Cells covered by a neighbour's rowspan/colspan are
``None`` in grid rows so that a number is never counted twice.

Everything downstream (finding tables, reading labels and numbers) works on this model only, so a
new file format is a new reader and nothing else.

>>> line = Line(("规章", "0", "", None), "grid")
>>> line.texts()
('规章', '0', '')
>>> parse_number("1,234") , parse_number(" 73802895.90元"), parse_number("-18"), parse_number("规章")
(1234.0, 73802895.9, -18.0, None)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from typing import Literal, NamedTuple

__all__ = [
    "Cell",
    "Document",
    "Line",
    "LineKind",
    "OcrDoubt",
    "is_blank",
    "is_traditional",
    "nfkc",
    "normalise_text",
    "parse_number",
    "to_simplified",
]

Cell = str | None
LineKind = Literal["text", "delimited", "grid"]


class Line(NamedTuple):
    """One line of a document: running text, a delimited text line, or a table-grid row.

    A named tuple (immutable, and cheaper to build than a frozen dataclass: a report has hundreds).
    """

    cells: tuple[Cell, ...]
    kind: LineKind = "text"
    table: int | None = None  # index of the grid table this row belongs to, for grid rows

    def texts(self) -> tuple[str, ...]:
        """The cells that stand on their own (span continuations dropped)."""
        return tuple(c for c in self.cells if c is not None)

    @property
    def text(self) -> str:
        """The line's non-blank cells joined by a space (covered and empty cells dropped)."""
        return " ".join(filter(None, self.cells))


class OcrDoubt(NamedTuple):
    """A table cell recognised by OCR less surely than asked (or ink read as nothing): where it is
    printed (page, 1-based row and column of the page's table grid), what was read, how surely."""

    page: int
    row: int
    column: int
    text: str
    confidence: float
    label: str  # the row's first cell as read, to name the row in the check's message


@dataclass(frozen=True)
class Document:
    """A file read into lines. ``title`` is a title the container declares (HTML <title>, PDF info).

    ``ocr_pages``: the pages read by optical character recognition (1-based); ``ocr_doubts``: the
    table cells it was not sure of.
    """

    format: Literal["txt", "html", "pdf", "docx", "image"]
    lines: tuple[Line, ...]
    title: str | None = None
    notes: tuple[str, ...] = field(default=())  # reader remarks (e.g. pages skipped), for the record
    # page (from 1) of each line, where the reader knows it (PDF); None otherwise. Evidence in checks
    pages: tuple[int, ...] | None = None
    ocr_pages: tuple[int, ...] = ()
    ocr_doubts: tuple[OcrDoubt, ...] = ()

    @cached_property
    def line_texts(self) -> tuple[str, ...]:
        """``line.text`` of every line, computed once: the parser reads them several times."""
        # a one-cell line (running text, most lines) is its cell: no join
        return tuple([(line.cells[0] or "") if len(line.cells) == 1 else line.text for line in self.lines])

    @cached_property
    def text(self) -> str:
        return "\n".join(self.line_texts)

    @cached_property
    def traditional(self) -> bool:
        """``is_traditional`` of the whole text, decided once (the HTML reader and ``to_simplified`` ask)."""
        return is_traditional(self.text)


_BLANKS = frozenset({"", "-", "—", "–", "/", "\\", "无", "空", "—-", "--", "——"})
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_UNIT_SUFFIX = re.compile(r"(?:万元|元|件|条|个|项|次|宗|篇|人次|人)$")
_SPACES = re.compile(r"\s+")


def is_blank(cell: Cell) -> bool:
    """A printed-blank cell: empty, whitespace, or a dash standing for nothing.

    >>> is_blank(""), is_blank(" — "), is_blank("无"), is_blank("0"), is_blank(None)
    (True, True, True, False, False)
    """
    return cell is not None and _SPACES.sub("", cell) in _BLANKS


_NUMBERS: dict[str, float | None] = {}


def parse_number(cell: Cell) -> float | None:
    """The number a cell holds, or None when it holds something else.

    Thousands separators, inner spaces ("1 0") and a trailing unit ("251000元") are accepted;
    the unit text is dropped, as the template asks. Results are memoised (cells repeat: "0").

    >>> parse_number("1 0"), parse_number("251000元"), parse_number("12.5万元"), parse_number("十二")
    (10.0, 251000.0, 12.5, None)
    """
    if cell is None:
        return None
    hit = _NUMBERS.get(cell, _MISS)
    if hit is not _MISS:
        return hit  # type: ignore[return-value]
    value = _parse_number(cell)
    if len(_NUMBERS) < 200_000:
        _NUMBERS[cell] = value
    return value


_MISS = object()


def _parse_number(cell: str) -> float | None:
    s = _SPACES.sub("", cell)
    if not s or len(s) > 24:
        return None
    s = _UNIT_SUFFIX.sub("", s)
    if not _NUMBER.match(s):
        return None
    return float(s.replace(",", ""))


# Characters that only occur in traditional Chinese and are frequent in these reports.
_TRADITIONAL = re.compile(
    "[資訊開報請務機關處總計結轉條數與國會議這從說為應對檔達體縣鄉鎮區務辦門類證權護衛頁]"
)


@cache
def _converter():  # pragma: no cover - trivial
    import opencc  # noqa: PLC0415 (opencc loads its dictionaries: only for a document in traditional characters)

    return opencc.OpenCC("t2s")


# Full-width ASCII forms and the ideographic space: what NFKC changes in almost every report.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]+")
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, with a fast path for the usual case.

    Replacing a full-width form by its compatibility decomposition (one ASCII character) does not
    change a string's NFKC form; when nothing else needs normalising, the replaced text is the NFKC
    form, found without running the normaliser over the whole report.

    >>> s = "（一）ａ\u0301　１２ﬁ"
    >>> nfkc(s) == unicodedata.normalize("NFKC", s), nfkc("（一）１２")
    (True, '(一)12')
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    text = _FULL_WIDTH.sub(lambda m: m.group().translate(_HALF_WIDTH), text)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def normalise_text(text: str) -> str:
    """NFKC (full-width forms → ASCII) and, for text written in traditional characters, → simplified.

    Conversion is applied only when traditional characters are frequent, so that a simplified
    report is never touched by the converter's phrase tables.

    >>> normalise_text("（一）予以公開　１２")
    '(一)予以公開 12'
    >>> normalise_text("政府資訊公開工作年度報告，申請總計結轉")
    '政府资讯公开工作年度报告,申请总计结转'
    """
    text = nfkc(text)
    return str(_converter().convert(text)) if is_traditional(text) else text


def is_traditional(text: str) -> bool:
    """Is the text written in traditional characters (at least five of the frequent ones)?

    >>> is_traditional("政府資訊公開工作年度報告，申請總計"), is_traditional("政府信息公开工作年度报告，申请总计")
    (True, False)
    """
    return sum(1 for _ in zip(range(5), _TRADITIONAL.finditer(text), strict=False)) >= 5


def to_simplified(doc: Document) -> Document:
    """The document with every cell in simplified characters, when the document as a whole is traditional.

    Readers normalise cell by cell; a title or a table row alone may hold too few traditional
    characters to be recognised, so the decision is taken once for the whole document here.

    >>> doc = Document("txt", (Line(("政府資訊公開工作年度報告",)), Line(("申請總計", "12"), "grid", 0)))
    >>> [line.cells for line in to_simplified(doc).lines]
    [('政府资讯公开工作年度报告',), ('申请总计', '12')]
    """
    if not doc.traditional:
        return doc
    conv = _converter()

    def cell(c: Cell) -> Cell:
        return conv.convert(c) if c else c

    lines = tuple(Line(tuple(cell(c) for c in line.cells), line.kind, line.table) for line in doc.lines)
    return replace(doc, lines=lines, title=conv.convert(doc.title) if doc.title else None)
