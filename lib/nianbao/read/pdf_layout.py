"""Characters and rulings of PDF pages → lines of a Document, whichever engine read the pages.

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

The reader groups characters itself (no engine's layout analysis), which lets characters be
assigned to cells one by one and makes both engines (PDFium, pdfminer.six) give the same lines.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from nianbao.grid import Cell, Line, is_blank, normalise_text, parse_number
from nianbao.read.pdf_page import Char
from nianbao.read.pdf_settings import PdfSettings
from nianbao.read.pdf_tables import Grid, Seg, find_tables

__all__ = ["Assembler", "clean", "page_blocks"]

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


def clean(text: str) -> str:
    """Final cell text: squeezed, then NFKC and simplified characters (``normalise_text``).

    >>> clean("（一）部分公\\n开  ５件"), clean(" 2024  年 ")
    ('(一)部分公开5件', '2024 年')
    """
    return normalise_text(_squeeze(text)).strip()


def _rows_of(chars: list[Char], overlap: float) -> list[list[Char]]:
    """Characters grouped into visual lines, top line first, each sorted left to right."""
    if len(chars) == 1:  # a cell of one character
        return [list(chars)]
    lines: list[list[Char]] = []
    top = bottom = 0.0
    line: list[Char] = []
    for ch in sorted(chars, key=_centre_down):
        if line:  # min and max spelled out (the hot loop of the layout), with their results
            y0, y1 = ch.y0, ch.y1
            high = y1 if y1 < top else top
            low = y0 if y0 > bottom else bottom
            size = ch.size
            height = top - bottom
            if high - low >= overlap * (size if size < height else height):
                line.append(ch)
                top = max(top, y1)
                bottom = min(bottom, y0)
                continue
        line = [ch]
        lines.append(line)
        top, bottom = ch.y1, ch.y0
    for line in lines:
        line.sort(key=_left)
    return lines


def _centre_down(c: Char) -> float:
    return -(c.y0 + c.y1)


def _left(c: Char) -> float:
    return c.x0


def _dedupe(line: list[Char]) -> list[Char]:
    """Drop characters printed twice on top of each other (fake bold)."""
    if len(line) == 1:
        return line
    out: list[Char] = [line[0]]
    last = line[0]
    for ch in line[1:]:
        if ch.text == last.text:
            width = ch.x1 - ch.x0
            if abs(ch.x0 - last.x0) < 0.3 * (0.1 if width < 0.1 else width):
                continue
        out.append(ch)
        last = ch
    return out


def _split(line: list[Char], gap: float) -> list[list[Char]]:
    """A line cut where the gap between neighbours exceeds ``gap`` x their size."""
    part = [line[0]]
    parts = [part]
    for prev, ch in itertools.pairwise(line):
        size = ch.size if ch.size > prev.size else prev.size
        if ch.x0 - prev.x1 > gap * size:
            part = [ch]
            parts.append(part)
        else:
            part.append(ch)
    return parts


def _join(line: list[Char], word_gap: float) -> str:
    if len(line) == 1:
        return line[0].text
    out = [line[0].text]
    for prev, ch in itertools.pairwise(line):
        width = prev.x1 - prev.x0
        if ch.x0 - prev.x1 > word_gap * (prev.size if prev.size > width else width):
            out.append(" ")
        out.append(ch.text)
    return "".join(out)


def _cell_text(chars: list[Char], s: PdfSettings) -> str:
    rows = _rows_of(chars, s.row_overlap)
    return _clean_cell("\n".join(_join(_dedupe(r), s.word_gap) for r in rows))


# Cell texts repeat (numbers, labels in every report): ``clean`` is pure, so each is cleaned once.
_clean_cell = functools.lru_cache(maxsize=4096)(clean)


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
    cell_at = grid.cell_at
    for ch in chars:
        per_cell.setdefault(cell_at((ch.x0 + ch.x1) / 2, (ch.y0 + ch.y1) / 2), []).append(ch)
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


def page_blocks(chars: list[Char], segs: list[Seg], s: PdfSettings) -> list[_Block]:
    """Text lines and tables of one page, top first.

    >>> from nianbao.read.pdf_tables import Seg
    >>> ruled = [Seg(True, y, 0.0, 200.0) for y in (0.0, 50.0)] + [Seg(False, x, 0.0, 50.0) for x in (0, 100, 200)]
    >>> chars = [Char("年", 10, 20, 80, 90), Char("规", 10, 20, 20, 30), Char("3", 110, 116, 20, 30)]
    >>> text, table = page_blocks(chars, ruled, PdfSettings())  # a line above a table of one row
    >>> text.cells, table.rows
    (['年'], [('规', '3')])
    """
    grids = find_tables(segs, s.snap_tolerance)
    inside: list[list[Char]] = [[] for _ in grids]
    outside: list[Char] = []
    if not grids:
        outside = chars
    bounds = [(g.xs[0], g.xs[-1], g.ys[-1], g.ys[0], inside[k]) for k, g in enumerate(grids)]
    for ch in chars if grids else ():
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.y0 + ch.y1) / 2
        for left, right, bottom, top, holds in bounds:  # Grid.contains, spelled out
            if left <= cx <= right and bottom <= cy <= top:
                holds.append(ch)
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


class Assembler:
    """Blocks of successive pages → Lines: a table or a paragraph cut by a page break goes on."""

    def __init__(self, s: PdfSettings) -> None:
        self.s = s
        self.lines: list[Line] = []
        self.pages: list[int] = []  # page (from 1) of each line: a paragraph run on keeps its first page
        self.page = 0
        self.tables = 0
        self.open_table: Grid | None = None  # the table that ended the previous page
        self.open_text: tuple[int, _TextLine, float] | None = None  # (line index, paragraph, right margin)

    def add_page(self, blocks: list[_Block], page: tuple[float, float], number: int | None = None) -> None:
        """Add a page's blocks; ``page`` is the page's left and right edge, ``number`` its number
        in the file (from 1; default: the page after the previous one)."""
        self.page = number if number is not None else self.page + 1
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
        self.pages += [self.page] * (len(self.lines) - len(self.pages))
        last = body[-1] if body else None
        self.open_table = last.grid if isinstance(last, _Table) else None
        self.open_text = None
        if self.s.join_paragraphs and isinstance(last, _TextLine):
            self.open_text = (*emitted[id(last)], right)
